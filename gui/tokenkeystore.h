#pragma once

#include "keystore.h"

#include <QPointer>

class TokenStore;

/// The settings' secrets (the model provider's API key) in the same place as the servers'
/// tokens: the system keychain, else the 0600 file with its visible warning (TokenStore).
class TokenKeyStore : public KeyStore
{
public:
    explicit TokenKeyStore(TokenStore *tokens);

    void store(const QString &key, const QString &value) override;
    void load(const QString &key, std::function<void(const QString &value)> callback) override;

private:
    /// TokenStore keys its entries by a server URL; settings get a namespace of their own.
    [[nodiscard]] static QString entryName(const QString &key);

    QPointer<TokenStore> m_tokens;
};
