#pragma once

#include <QObject>
#include <QTextStream>

#include <functional>

class HostCore;
struct StreamEvent;

/// `mcp-hostd ask "…"`: one turn from the command line. Starts the configured MCP servers,
/// waits until they settled, runs one turn on a new session with the configured model,
/// prints each step as it happens (readable text, or each event as one JSON line), then stops
/// the servers.
class AskCommand : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AskCommand)

public:
    struct Options
    {
        QString question;
        QString configPath;
        QString provider; ///< --provider (empty: config, environment, automatic)
        QString model; ///< --model
        QString sessionId; ///< --session: accepted; sessions do not persist yet
        bool json = false;
        bool approveAll = false; ///< --yes: approve every tool call and sampling request
        int settleTimeoutMs = 60000;
    };

    explicit AskCommand(Options options, QObject *parent = nullptr);
    ~AskCommand() override;

    /// Runs; `done` gets the exit code: 0 answered, 1 error or cancelled, 2 bad config/usage.
    void run(std::function<void(int exitCode)> done);

private:
    void startTurn();
    void print(const StreamEvent &event);
    void finish(int exitCode);
    void line(const QString &text);

    Options m_options;
    std::function<void(int)> m_done;
    HostCore *m_core = nullptr;
    QString m_sessionId; ///< set once the turn starts
    QTextStream m_out;
    QTextStream m_err;
    bool m_midLine = false; ///< streamed model text is waiting for its newline
    bool m_finishing = false;
    int m_exitCode = 0;
};
