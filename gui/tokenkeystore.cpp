#include "tokenkeystore.h"

#include "tokenstore.h"

TokenKeyStore::TokenKeyStore(TokenStore *tokens)
    : m_tokens(tokens)
{ }

QString TokenKeyStore::entryName(const QString &key)
{
    return QStringLiteral("mcp-host-settings:") + key;
}

void TokenKeyStore::store(const QString &key, const QString &value)
{
    if (!m_tokens)
        return;
    if (value.isEmpty())
        m_tokens->remove(entryName(key), m_tokens, [](const TokenStore::Result &) {});
    else
        m_tokens->save(entryName(key), value, m_tokens, [](const TokenStore::Result &) {});
}

void TokenKeyStore::load(const QString &key, std::function<void(const QString &value)> callback)
{
    if (!m_tokens) {
        callback({});
        return;
    }
    m_tokens->load(entryName(key), m_tokens,
                   [callback = std::move(callback)](const TokenStore::Result &result) {
                       callback(result.token.value_or(QString()));
                   });
}
