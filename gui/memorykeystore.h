#pragma once

#include "keystore.h"

#include <QHash>

/// A KeyStore that keeps its secrets in memory only (nothing on disk): the default of a
/// SettingsController that was given no store, and the store of tests.
class MemoryKeyStore : public KeyStore
{
public:
    void store(const QString &key, const QString &value) override;
    void load(const QString &key, std::function<void(const QString &value)> callback) override;

private:
    QHash<QString, QString> m_values;
};
