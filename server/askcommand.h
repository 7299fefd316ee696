#pragma once

#include <QObject>
#include <QTextStream>

#include <functional>
#include <memory>
#include <optional>

class HostCore;
class StdinLineReader;
struct StreamEvent;

/// `mcp-hostd ask "…"`: one turn from the command line. Starts the configured MCP servers,
/// waits until they settled, runs one turn on a new session with the configured model,
/// prints each step as it happens (readable text, or each event as one JSON line), then stops
/// the servers. On a terminal it asks the user for approvals (y/N) and elicitations (the
/// form's fields, one prompt each), reading stdin on the event loop; otherwise it says that it
/// did not ask and denies (approvals; --yes approves) or cancels (elicitations).
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
        QString sessionId; ///< --session: continue this stored session (else a new one)
        QString store; ///< --store ("": the config's, else the default SQLite file)
        bool json = false;
        bool approveAll = false; ///< --yes: approve every tool call and sampling request
        bool interactive = false; ///< stdin and stdout are a terminal: ask the user
        int settleTimeoutMs = 60000;
    };

    explicit AskCommand(Options options, QObject *parent = nullptr);
    ~AskCommand() override;

    /// Runs; `done` gets the exit code: 0 answered, 1 error or cancelled, 2 bad config/usage.
    void run(std::function<void(int exitCode)> done);

    /// Whether stdin and stdout are both a terminal.
    [[nodiscard]] static bool isTerminal();

private:
    /// One thing to ask on the terminal; `answer` gets each line typed (nothing at the end of
    /// input) and returns true when the question is done, false to show `prompt` again.
    struct Question
    {
        std::function<QString()> prompt;
        std::function<bool(const std::optional<QString> &line)> answer;
    };

    void startServers();
    void startTurn();
    void print(const StreamEvent &event);
    void respond(const StreamEvent &event);
    void askApproval(const QString &id, const QString &what);
    void askElicitation(const QString &id, const QJsonObject &data);
    void ask(std::shared_ptr<Question> question);
    void showPrompt();
    void onLine(const std::optional<QString> &text);
    void finish(int exitCode);
    void line(const QString &text);
    void endLine();

    Options m_options;
    std::function<void(int)> m_done;
    HostCore *m_core = nullptr;
    QString m_sessionId; ///< set once the turn starts
    QTextStream m_out;
    QTextStream m_err;
    bool m_midLine = false; ///< a "[think N]" line is waiting for its newline
    QString m_pendingText; ///< model text of this iteration: printed once, where it belongs
    StdinLineReader *m_input = nullptr;
    QList<std::shared_ptr<Question>> m_questions;
    bool m_finishing = false;
    bool m_started = false; ///< startTurn() ran
    int m_exitCode = 0;
};
