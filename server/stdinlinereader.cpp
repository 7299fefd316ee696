#include "stdinlinereader.h"

#include <QSocketNotifier>

#include <cerrno>
#include <unistd.h>

StdinLineReader::StdinLineReader(int fd, QObject *parent)
    : QObject(parent)
    , m_fd(fd)
    , m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this))
{
    connect(m_notifier, &QSocketNotifier::activated, this, &StdinLineReader::onReadable);
}

StdinLineReader::~StdinLineReader() = default;

void StdinLineReader::onReadable()
{
    char chunk[4096];
    const ssize_t n = ::read(m_fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        m_notifier->setEnabled(false);
        m_atEnd = true;
        if (!m_buffer.isEmpty())
            Q_EMIT lineRead(QString::fromUtf8(std::exchange(m_buffer, {})));
        Q_EMIT endOfInput();
        return;
    }
    m_buffer.append(chunk, n);
    for (;;) {
        const qsizetype end = m_buffer.indexOf('\n');
        if (end < 0)
            break;
        QByteArray line = m_buffer.left(end);
        m_buffer.remove(0, end + 1);
        if (line.endsWith('\r'))
            line.chop(1);
        Q_EMIT lineRead(QString::fromUtf8(line.left(kMaxLineBytes)));
    }
    if (m_buffer.size() > kMaxLineBytes) // a line without end: keep its start only
        m_buffer.truncate(kMaxLineBytes);
}
