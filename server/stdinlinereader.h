#pragma once

#include <QObject>

class QSocketNotifier;

/// Reads lines from a file descriptor (stdin) on the event loop: a QSocketNotifier wakes it
/// when there is input, so waiting for the user never blocks the turn that asked. A line
/// longer than kMaxLineBytes is cut there.
class StdinLineReader : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StdinLineReader)

public:
    static constexpr qsizetype kMaxLineBytes = qsizetype(64) * 1024;

    explicit StdinLineReader(int fd = 0, QObject *parent = nullptr);
    ~StdinLineReader() override;

    [[nodiscard]] bool atEnd() const { return m_atEnd; }

Q_SIGNALS:
    /// One line, without its line break.
    void lineRead(const QString &line);
    /// The input ended (Ctrl-D, or the other end closed).
    void endOfInput();

private:
    void onReadable();

    int m_fd;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
    bool m_atEnd = false;
};
