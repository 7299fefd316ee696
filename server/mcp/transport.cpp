#include "transport.h"

Transport::~Transport() = default;

void Transport::markOpened()
{
    if (m_open || m_closed)
        return;
    m_open = true;
    Q_EMIT opened();
}

void Transport::markClosed(const QString &reason)
{
    if (m_closed)
        return;
    m_closed = true;
    m_open = false;
    Q_EMIT closed(reason);
}
