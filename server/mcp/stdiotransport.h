#pragma once

#include "transport.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

class QTimer;

/// Runs an MCP server as a child process: one JSON message per line on stdin/stdout; stderr
/// is the server's log (the last 200 lines are kept for diagnostics). close() closes stdin,
/// then terminates, then kills, waiting a grace period between steps.
class StdioTransport : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StdioTransport)

public:
    struct Options
    {
        QString command;
        QStringList args;
        QMap<QString, QString> env; ///< added to (and overriding) the host's environment
        QString workingDirectory;
        int shutdownGraceMs = 2000;
    };

    explicit StdioTransport(Options options, QObject *parent = nullptr);
    ~StdioTransport() override;

    void open() override;
    void send(const JsonRpc::Message &message) override;
    void close() override;
    [[nodiscard]] QString describe() const override;
    [[nodiscard]] QStringList diagnostics() const override;

    [[nodiscard]] qint64 processId() const;

    static constexpr int kStderrLines = 200;

private:
    void onStdout();
    void onStderr();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onProcessError(QProcess::ProcessError error);
    void appendStderr(const QString &line);

    Options m_options;
    QProcess *m_process = nullptr;
    QTimer *m_shutdownTimer = nullptr;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    QStringList m_stderrTail;
    bool m_closing = false;
    int m_shutdownStep = 0;
};
