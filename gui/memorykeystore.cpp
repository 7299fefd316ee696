#include "memorykeystore.h"

void MemoryKeyStore::store(const QString &key, const QString &value)
{
    if (value.isEmpty())
        m_values.remove(key);
    else
        m_values.insert(key, value);
}

void MemoryKeyStore::load(const QString &key, std::function<void(const QString &value)> callback)
{
    callback(m_values.value(key));
}
