#pragma once

#include "transport.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

class QTimer;

/// Runs an MCP server as a child process: one JSON message per line on stdin/stdout; stderr
/// is the server's log (the last 200 lines are kept for diagnostics).
///
/// The child gets a minimal environment (childEnvironment()), never the host's secrets. It runs
/// in its own session and process group, so stopping it reaches whatever it started (npx ->
/// npm -> node): close() closes stdin, then sends SIGTERM to the group, then SIGKILL, waiting a
/// grace period between steps, and closed() follows only once no process of the group is left.
/// A message (line) longer than maxMessageBytes fails the server with that reason.
class StdioTransport : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StdioTransport)

public:
    struct Options
    {
        QString command;
        QStringList args;
        QMap<QString, QString> env; ///< set on top of the minimal environment
        QStringList envPassthrough; ///< host variables passed through as they are
        QString workingDirectory;
        int shutdownGraceMs = 2000;
        qint64 maxMessageBytes = 16 * 1024 * 1024; ///< longest line on stdout
    };

    /// The environment a server starts with: from `host` only HOME, LOGNAME, PATH, SHELL, TERM,
    /// USER, LANG and LC_* (as the official MCP SDKs do, plus the locale), and the names in
    /// `passthrough`; values that start with "()" (exported shell functions) are left out;
    /// then `env` on top.
    [[nodiscard]] static QProcessEnvironment childEnvironment(const QProcessEnvironment &host,
                                                              const QMap<QString, QString> &env,
                                                              const QStringList &passthrough);

    explicit StdioTransport(Options options, QObject *parent = nullptr);
    ~StdioTransport() override;

    void open() override;
    void send(const JsonRpc::Message &message) override;
    void close() override;
    [[nodiscard]] QString describe() const override;
    [[nodiscard]] QStringList diagnostics() const override;

    [[nodiscard]] qint64 processId() const;
    /// The child's process group (its pid once started; 0 before).
    [[nodiscard]] qint64 processGroupId() const { return m_processGroup; }

    static constexpr int kStderrLines = 200;

private:
    void onStdout();
    void onStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onProcessError(QProcess::ProcessError error);
    void appendStderr(const QString &line);
    /// Ends the server at once because it broke the protocol; `reason` becomes the close reason.
    void failServer(const QString &reason);
    void signalGroup(int signal) const;
    [[nodiscard]] bool groupAlive() const;
    /// Called once the direct child ended: waits for (or ends) the rest of its group, then
    /// reports closed().
    void reapGroup(const QString &reason);

    Options m_options;
    QProcess *m_process = nullptr;
    QTimer *m_shutdownTimer = nullptr;
    QTimer *m_reapTimer = nullptr;
    QByteArray m_stdoutBuffer;
    qsizetype m_stdoutScanned = 0; ///< bytes of m_stdoutBuffer known to hold no newline
    QString m_failure;
    qint64 m_processGroup = 0;
    QByteArray m_stderrBuffer;
    QStringList m_stderrTail;
    bool m_closing = false;
    int m_shutdownStep = 0;
};
