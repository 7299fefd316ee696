#include "stdiotransport.h"

#include "logging.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <memory>

#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace {
// What a process needs to run, and nothing that grants access: the list the official MCP
// SDKs inherit, plus the locale (LANG, LC_*), so servers read and write text as the user does.
#ifdef Q_OS_WIN
const QStringList kInherited
        = {QStringLiteral("APPDATA"),     QStringLiteral("HOMEDRIVE"),
           QStringLiteral("HOMEPATH"),    QStringLiteral("LOCALAPPDATA"),
           QStringLiteral("PATH"),        QStringLiteral("PROCESSOR_ARCHITECTURE"),
           QStringLiteral("SYSTEMDRIVE"), QStringLiteral("SYSTEMROOT"),
           QStringLiteral("TEMP"),        QStringLiteral("USERNAME"),
           QStringLiteral("USERPROFILE"), QStringLiteral("LANG")};
#else
const QStringList kInherited
        = {QStringLiteral("HOME"),  QStringLiteral("LOGNAME"), QStringLiteral("PATH"),
           QStringLiteral("SHELL"), QStringLiteral("TERM"),    QStringLiteral("USER"),
           QStringLiteral("LANG")};
#endif
constexpr int kReapPollMs = 20;
} // namespace

QProcessEnvironment StdioTransport::childEnvironment(const QProcessEnvironment &host,
                                                     const QMap<QString, QString> &env,
                                                     const QStringList &passthrough)
{
    QProcessEnvironment out;
    const QStringList names = host.keys();
    for (const QString &name : names) {
        const bool wanted = kInherited.contains(name) || name.startsWith(QLatin1String("LC_"))
                || passthrough.contains(name);
        if (!wanted)
            continue;
        const QString value = host.value(name);
        // A value starting with "()" is an exported shell function: code, not a setting.
        if (value.startsWith(QLatin1String("()")))
            continue;
        out.insert(name, value);
    }
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        out.insert(it.key(), it.value());
    // A never-touched QProcessEnvironment means "inherit the host's": make it a real, empty one.
    if (out.isEmpty()) {
        out.insert(QStringLiteral("PATH"), QString());
        out.remove(QStringLiteral("PATH"));
    }
    return out;
}

StdioTransport::StdioTransport(Options options, QObject *parent)
    : Transport(parent)
    , m_options(std::move(options))
{ }

StdioTransport::~StdioTransport()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        // Destroyed without a graceful close (host shutting down): do not leave orphans.
        m_process->disconnect(this);
        signalGroup(SIGKILL);
        m_process->kill();
        m_process->waitForFinished(1000);
    } else if (groupAlive()) {
        signalGroup(SIGKILL); // what the server started, still running after it ended
    }
}

void StdioTransport::signalGroup(int signal) const
{
#ifdef Q_OS_UNIX
    if (m_processGroup > 0)
        ::kill(-pid_t(m_processGroup), signal);
#else
    Q_UNUSED(signal)
#endif
}

bool StdioTransport::groupAlive() const
{
#ifdef Q_OS_UNIX
    return m_processGroup > 0 && ::kill(-pid_t(m_processGroup), 0) == 0;
#else
    return false;
#endif
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
    const QProcessEnvironment env = childEnvironment(QProcessEnvironment::systemEnvironment(),
                                                     m_options.env, m_options.envPassthrough);
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
#ifdef Q_OS_UNIX
    // Its own session (and so process group, and no controlling terminal): stopping the group
    // stops what it started too, and a Ctrl-C meant for the host does not reach it.
    m_process->setChildProcessModifier([] { ::setsid(); });
#endif
    connect(m_process, &QProcess::started, this, [this] {
        m_processGroup = m_process->processId();
        markOpened();
    });
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
    const QByteArray chunk = m_process->readAllStandardOutput();
    if (!m_failure.isEmpty())
        return; // being stopped for breaking the protocol: nothing more is read
    m_stdoutBuffer.append(chunk);
    const qsizetype max = m_options.maxMessageBytes;
    qsizetype start = 0;
    for (;;) {
        // Search only what was not searched before: a long line arriving in small pieces costs
        // linear time, not quadratic.
        const qsizetype nl = m_stdoutBuffer.indexOf('\n', std::max(start, m_stdoutScanned));
        if (nl < 0)
            break;
        QByteArrayView line(m_stdoutBuffer.constData() + start, nl - start);
        start = nl + 1;
        if (max > 0 && line.size() > max) {
            failServer(QStringLiteral("the server sent a message larger than the limit of %1 "
                                      "bytes (max_message_bytes)")
                               .arg(max));
            return;
        }
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
        if (!m_process || !m_failure.isEmpty()) // a slot closed us
            return;
    }
    m_stdoutBuffer.remove(0, start);
    m_stdoutScanned = m_stdoutBuffer.size();
    if (max > 0 && m_stdoutBuffer.size() > max)
        failServer(QStringLiteral("the server sent more than %1 bytes without ending the message "
                                  "(max_message_bytes)")
                           .arg(max));
}

void StdioTransport::failServer(const QString &reason)
{
    if (!m_failure.isEmpty())
        return;
    m_failure = reason;
    qCWarning(lcMcp).noquote() << describe() << "stopped:" << reason;
    m_stdoutBuffer = QByteArray();
    m_stdoutScanned = 0;
    // A server that floods us gets no grace period.
    signalGroup(SIGKILL);
    if (m_process)
        m_process->kill();
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
    if (!m_failure.isEmpty())
        reason = m_failure;
    else if (m_closing)
        reason = QStringLiteral("closed");
    else if (status == QProcess::CrashExit)
        reason = QStringLiteral("the server process crashed");
    else
        reason = QStringLiteral("the server process exited with code %1").arg(exitCode);
    qCDebug(lcMcp) << describe() << "finished:" << reason;
    reapGroup(reason);
}

void StdioTransport::reapGroup(const QString &reason)
{
    if (!groupAlive()) {
        markClosed(reason);
        return;
    }
    // The server's own children (npx -> npm -> node) may outlive it: end them before saying
    // the server is gone, politely first.
    qCDebug(lcMcp) << describe() << "ending the rest of process group" << m_processGroup;
    signalGroup(SIGTERM);
    auto elapsed = std::make_shared<QElapsedTimer>();
    elapsed->start();
    m_reapTimer = new QTimer(this);
    m_reapTimer->setInterval(kReapPollMs);
    connect(m_reapTimer, &QTimer::timeout, this, [this, elapsed, reason, killed = false]() mutable {
        if (groupAlive() && !killed && elapsed->elapsed() >= m_options.shutdownGraceMs) {
            qCWarning(lcMcp) << describe() << "process group" << m_processGroup
                             << "did not terminate; killing it";
            signalGroup(SIGKILL);
            killed = true;
        }
        if (groupAlive() && elapsed->elapsed() < 2 * m_options.shutdownGraceMs + 1000)
            return;
        m_reapTimer->stop();
        markClosed(reason);
    });
    m_reapTimer->start();
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
    if (m_reapTimer && m_reapTimer->isActive())
        return; // closed() follows once the group is gone
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
            signalGroup(SIGTERM);
            m_process->terminate();
        } else {
            qCWarning(lcMcp) << describe() << "did not terminate; killing";
            signalGroup(SIGKILL);
            m_process->kill();
            m_shutdownTimer->stop();
        }
    });
    m_shutdownTimer->start();
}
