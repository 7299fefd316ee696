#include "stdiotransport.h"

#include "logging.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

StdioTransport::StdioTransport(Options options, QObject *parent)
    : Transport(parent)
    , m_options(std::move(options))
{ }

StdioTransport::~StdioTransport()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        // Destroyed without a graceful close (host shutting down): do not leave orphans.
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(1000);
    }
}

QString StdioTransport::describe() const
{
    QStringList parts {m_options.command};
    parts += m_options.args;
    return QStringLiteral("stdio: ") + parts.join(QLatin1Char(' '));
}

QStringList StdioTransport::diagnostics() const
{
    return m_stderrTail;
}

qint64 StdioTransport::processId() const
{
    return m_process ? m_process->processId() : 0;
}

void StdioTransport::open()
{
    if (m_options.command.isEmpty()) {
        QTimer::singleShot(0, this, [this] { markClosed(QStringLiteral("no command given")); });
        return;
    }

    QString workDir = m_options.workingDirectory;
    if (!workDir.isEmpty() && !QFileInfo(workDir).isDir()) {
        QTimer::singleShot(0, this, [this, workDir] {
            markClosed(QStringLiteral("working directory not found: %1").arg(workDir));
        });
        return;
    }

    // Resolve the program with the PATH the child will see, so "command not found" is
    // reported as such instead of QProcess's generic start failure.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = m_options.env.cbegin(); it != m_options.env.cend(); ++it)
        env.insert(it.key(), it.value());
    QString program = m_options.command;
    if (!program.contains(QLatin1Char('/'))) {
        const QStringList path = env.value(QStringLiteral("PATH"))
                                         .split(QDir::listSeparator(), Qt::SkipEmptyParts);
        const QString found = QStandardPaths::findExecutable(program, path);
        if (found.isEmpty()) {
            QTimer::singleShot(0, this, [this, program] {
                markClosed(QStringLiteral("command not found: %1").arg(program));
            });
            return;
        }
        program = found;
    } else if (!QFileInfo(program).isExecutable()) {
        QTimer::singleShot(0, this, [this, program] {
            markClosed(QFileInfo::exists(program)
                               ? QStringLiteral("not executable: %1").arg(program)
                               : QStringLiteral("command not found: %1").arg(program));
        });
        return;
    }

    m_process = new QProcess(this);
    m_process->setProcessEnvironment(env);
    if (!workDir.isEmpty())
        m_process->setWorkingDirectory(workDir);
    m_process->setProgram(program);
    m_process->setArguments(m_options.args);
    connect(m_process, &QProcess::started, this, [this] { markOpened(); });
    connect(m_process, &QProcess::readyReadStandardOutput, this, &StdioTransport::onStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &StdioTransport::onStderr);
    connect(m_process, &QProcess::finished, this, &StdioTransport::onFinished);
    connect(m_process, &QProcess::errorOccurred, this, &StdioTransport::onProcessError);
    qCDebug(lcMcp) << "starting" << describe();
    m_process->start();
}

void StdioTransport::send(const JsonRpc::Message &message)
{
    if (!m_process || m_process->state() != QProcess::Running || m_closing) {
        if (message.isRequest()) {
            const JsonRpc::Message reply = JsonRpc::Message::errorResponse(
                    message.id(),
                    {JsonRpc::ConnectionClosed,
                     QStringLiteral("the server process is not running"),
                     {}});
            QTimer::singleShot(0, this, [this, reply] { Q_EMIT messageReceived(reply); });
        }
        return;
    }
    QByteArray line = message.serialize();
    qCDebug(lcMcpWire).noquote() << "->" << line;
    line.append('\n');
    m_process->write(line);
}

void StdioTransport::onStdout()
{
    m_stdoutBuffer.append(m_process->readAllStandardOutput());
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_stdoutBuffer.indexOf('\n', start);
        if (nl < 0)
            break;
        QByteArrayView line(m_stdoutBuffer.constData() + start, nl - start);
        start = nl + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;
        qCDebug(lcMcpWire).noquote() << "<-" << line;
        QString error;
        const JsonRpc::Message message = JsonRpc::Message::parse(line, &error);
        if (!message.isValid()) {
            // Some servers print banners to stdout; keep them as log lines, do not die.
            const QString text
                    = QString::fromUtf8(line.first(std::min<qsizetype>(line.size(), 200)));
            qCWarning(lcMcp).noquote()
                    << "ignoring a stdout line that is not JSON-RPC:" << error << "-" << text;
            appendStderr(QStringLiteral("[stdout] ") + text);
            Q_EMIT errorOccurred(QStringLiteral("invalid message from server: %1").arg(error));
            continue;
        }
        Q_EMIT messageReceived(message);
        if (!m_process) // a slot closed us
            return;
    }
    m_stdoutBuffer.remove(0, start);
}

void StdioTransport::onStderr()
{
    m_stderrBuffer.append(m_process->readAllStandardError());
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = m_stderrBuffer.indexOf('\n', start);
        if (nl < 0)
            break;
        appendStderr(QString::fromUtf8(m_stderrBuffer.constData() + start, nl - start).trimmed());
        start = nl + 1;
    }
    m_stderrBuffer.remove(0, start);
    // A server that never ends its lines must not grow our memory without bound.
    if (m_stderrBuffer.size() > 64 * 1024) {
        appendStderr(QString::fromUtf8(m_stderrBuffer));
        m_stderrBuffer.clear();
    }
}

void StdioTransport::appendStderr(const QString &line)
{
    if (line.isEmpty())
        return;
    m_stderrTail.append(line);
    if (m_stderrTail.size() > kStderrLines)
        m_stderrTail.removeFirst();
    qCDebug(lcMcpServerLog).noquote() << line;
    Q_EMIT serverLog(line);
}

void StdioTransport::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_stderrBuffer.isEmpty()) {
        appendStderr(QString::fromUtf8(m_stderrBuffer));
        m_stderrBuffer.clear();
    }
    if (m_shutdownTimer)
        m_shutdownTimer->stop();
    QString reason;
    if (m_closing)
        reason = QStringLiteral("closed");
    else if (status == QProcess::CrashExit)
        reason = QStringLiteral("the server process crashed");
    else
        reason = QStringLiteral("the server process exited with code %1").arg(exitCode);
    qCDebug(lcMcp) << describe() << "finished:" << reason;
    markClosed(reason);
}

void StdioTransport::onProcessError(QProcess::ProcessError error)
{
    if (error == QProcess::FailedToStart) {
        markClosed(QStringLiteral("failed to start %1: %2")
                           .arg(m_options.command, m_process->errorString()));
    } else if (error == QProcess::WriteError && !m_closing) {
        Q_EMIT errorOccurred(
                QStringLiteral("could not write to the server: %1").arg(m_process->errorString()));
    }
    // Crashes are reported through finished().
}

void StdioTransport::close()
{
    if (!m_process || m_process->state() == QProcess::NotRunning) {
        QTimer::singleShot(0, this, [this] { markClosed(QStringLiteral("closed")); });
        return;
    }
    if (m_closing)
        return;
    m_closing = true;
    // The MCP shutdown sequence for stdio: close stdin, wait; SIGTERM, wait; SIGKILL.
    m_process->closeWriteChannel();
    m_shutdownTimer = new QTimer(this);
    m_shutdownTimer->setInterval(m_options.shutdownGraceMs);
    connect(m_shutdownTimer, &QTimer::timeout, this, [this] {
        if (!m_process || m_process->state() == QProcess::NotRunning)
            return;
        if (m_shutdownStep++ == 0) {
            qCDebug(lcMcp) << describe() << "did not exit after stdin closed; terminating";
            m_process->terminate();
        } else {
            qCWarning(lcMcp) << describe() << "did not terminate; killing";
            m_process->kill();
            m_shutdownTimer->stop();
        }
    });
    m_shutdownTimer->start();
}
