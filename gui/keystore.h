#pragma once

#include <QString>

#include <functional>

/// Where secrets (API keys) are kept: the system keychain in the app (TokenStore implements
/// this), memory in tests. A store never logs values. store() with an empty value removes the
/// key; load() answers at once or later (keychains are asynchronous), "" when nothing is stored.
/// The caller guards its callback against its own destruction.
class KeyStore
{
public:
    virtual ~KeyStore() = default;
    virtual void store(const QString &key, const QString &value) = 0;
    virtual void load(const QString &key, std::function<void(const QString &value)> callback) = 0;
};
