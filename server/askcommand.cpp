#include "askcommand.h"

#include "chatservice.h"
#include "elicitationform.h"
#include "hostcore.h"
#include "logging.h"
#include "serverservice.h"
#include "sessionservice.h"
#include "stdinlinereader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>
#include <unistd.h>

namespace {

QString compactJson(const QJsonValue &value)
{
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    return value.toVariant().toString();
}

/// The text of MCP content blocks on one line, shortened for a terminal.
QString oneLine(const QJsonArray &content, int max = 300)
{
    QStringList parts;
    for (const auto &v : content) {
        const QJsonObject block = v.toObject();
        const QString type = block.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("text"))
            parts << block.value(QStringLiteral("text")).toString();
        else
            parts << QStringLiteral("[%1 %2]").arg(
                    type, block.value(QStringLiteral("mimeType")).toString());
    }
    QString text = parts.join(QLatin1Char(' ')).simplified();
    if (text.size() > max)
        text = text.left(max) + QStringLiteral("… (%1 characters)").arg(text.size());
    return text;
}

/// Text from a model or an MCP server as it may reach a terminal: control characters (an
/// escape sequence could move the cursor, rewrite a prompt or retitle the window) are shown as
/// U+FFFD; line breaks and tabs stay.
QString terminalSafe(QString text)
{
    for (QChar &c : text) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != '\n' && u != '\t') || (u >= 0x7f && u <= 0x9f))
            c = QChar(0xFFFD);
    }
    return text;
}

/// A typed answer to an approval: approved or not, and how far it reaches.
struct ApprovalAnswer
{
    bool approved = false;
    ApprovalScope scope = ApprovalScope::Once;
};

/// "y" once, "s" this session, "t" always this tool, "a" always this server (every tool of
/// it); "n", "ns", "nt", "na" deny the same ways; the words ("yes", "session", "tool",
/// "server", "no", "no session", "deny tool", …) as well. Enter is "n". A sampling request
/// has no tool and is never remembered past the session: only once and session. nullopt for
/// anything else.
std::optional<ApprovalAnswer> parseApprovalAnswer(const QString &typed, bool sampling)
{
    QString t = typed.simplified().toLower();
    if (t.isEmpty() || t == QLatin1String("n") || t == QLatin1String("no")
        || t == QLatin1String("deny"))
        return ApprovalAnswer {false, ApprovalScope::Once};
    ApprovalAnswer answer {true, ApprovalScope::Once};
    for (const QLatin1String no :
         {QLatin1String("no "), QLatin1String("deny "), QLatin1String("n ")}) {
        if (t.startsWith(no)) {
            answer.approved = false;
            t = t.mid(no.size());
            break;
        }
    }
    if (answer.approved && t.size() == 2 && t.startsWith(QLatin1Char('n'))) {
        answer.approved = false; // "ns", "nt", "na"
        t = t.mid(1);
    }
    if (t == QLatin1String("once")
        || (answer.approved && (t == QLatin1String("y") || t == QLatin1String("yes"))))
        answer.scope = ApprovalScope::Once;
    else if (t == QLatin1String("s") || t == QLatin1String("session"))
        answer.scope = ApprovalScope::Session;
    else if (!sampling && (t == QLatin1String("t") || t == QLatin1String("tool")))
        answer.scope = ApprovalScope::Tool;
    else if (!sampling && (t == QLatin1String("a") || t == QLatin1String("server")))
        answer.scope = ApprovalScope::Server;
    else
        return std::nullopt;
    return answer;
}

/// What an answer did, for the "[approval] …" line.
QString approvalOutcome(const ApprovalAnswer &answer)
{
    const QString verb = answer.approved ? QStringLiteral("approved") : QStringLiteral("denied");
    switch (answer.scope) {
    case ApprovalScope::Once:
        return verb;
    case ApprovalScope::Session:
        return verb + QStringLiteral(" for this session");
    case ApprovalScope::Tool:
        return verb + QStringLiteral(": always for this tool (remembered)");
    case ApprovalScope::Server:
        return verb + QStringLiteral(": always for this server (remembered)");
    }
    return verb;
}

/// At most `max` characters of `text`, saying how long it was.
QString shortened(const QString &text, qsizetype max = 2000)
{
    if (text.size() <= max)
        return text;
    return text.left(max) + QStringLiteral("… (%1 characters)").arg(text.size());
}

} // namespace

AskCommand::AskCommand(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_out(stdout)
    , m_err(stderr)
{ }

AskCommand::~AskCommand() = default;

bool AskCommand::isTerminal()
{
    return ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
}

void AskCommand::endLine()
{
    if (!m_midLine)
        return;
    // Text the model wrote before a tool call belongs to its think line; the answer's text is
    // printed once, by final_response.
    if (!m_pendingText.trimmed().isEmpty())
        m_out << ' ' << terminalSafe(m_pendingText.trimmed());
    m_pendingText.clear();
    m_out << '\n';
    m_out.flush();
    m_midLine = false;
}

void AskCommand::line(const QString &text)
{
    endLine();
    m_out << terminalSafe(text) << '\n';
    m_out.flush();
}

void AskCommand::run(std::function<void(int)> done)
{
    m_done = std::move(done);
    HostCore::Options options;
    options.configPath = m_options.configPath;
    options.cli.provider = m_options.provider;
    options.cli.model = m_options.model;
    options.store = m_options.store;
    options.autoRestart = false; // one turn: a crashed server stays failed
    m_core = new HostCore(this);
    QString error;
    if (!m_core->init(options, &error)) {
        m_err << "mcp-hostd: " << error << '\n';
        m_err.flush();
        QTimer::singleShot(0, this, [this] { m_done(2); });
        return;
    }
    // The store first (a stored session to continue, or a new one), then the servers.
    m_core->open([this](const QString &why) {
        if (!why.isEmpty()) {
            m_err << "mcp-hostd: " << why << '\n';
            m_err.flush();
            return m_done(2);
        }
        startServers();
    });
}

void AskCommand::startServers()
{
    if (!m_options.json)
        line(QStringLiteral("[model] %1").arg(m_core->chat()->modelName()));
    ServerService *servers = m_core->serverService();
    if (servers->servers().isEmpty()) {
        QTimer::singleShot(0, this, &AskCommand::startTurn);
        return;
    }
    connect(servers, &ServerService::settled, this, &AskCommand::startTurn,
            Qt::SingleShotConnection);
    QTimer::singleShot(m_options.settleTimeoutMs, this, [this] {
        if (!m_started && !m_finishing) {
            qCWarning(lcServer) << "servers did not settle in time; going on without them";
            startTurn();
        }
    });
    m_core->start();
}

void AskCommand::startTurn()
{
    if (m_started || m_finishing)
        return;
    m_started = true;
    if (!m_options.json) {
        const QList<ServerService::Server> servers = m_core->serverService()->servers();
        for (const ServerService::Server &s : servers) {
            if (s.ready)
                line(QStringLiteral("[server] %1: ready, %2 tools").arg(s.name).arg(s.toolCount));
            else if (!s.disabled)
                line(QStringLiteral("[server] %1: %2 %3").arg(s.name, s.state, s.reason));
        }
    }
    // --session continues a stored session; otherwise the turn makes a new one.
    m_sessionId = m_options.sessionId;
    SessionService *sessions = m_core->sessionService();
    // Subscribe before the turn starts: its first event is committed right after.
    connect(sessions, &SessionService::eventAppended, this,
            [this](const QString &sessionId, const StreamEvent &event) {
                if (sessionId == m_sessionId)
                    print(event);
            });
    connect(m_core->chat(), &ChatService::turnFinished, this,
            [this](const QString &sessionId, const QString &,
                   const ChatService::TurnResult &result) {
                if (sessionId == m_sessionId)
                    finish(result.answered ? 0 : 1);
            });
    m_core->chat()->send(m_sessionId, m_options.question, {},
                         [this](const ChatService::StartResult &result) {
                             if (const auto *e = std::get_if<ChatService::Error>(&result)) {
                                 m_err << "mcp-hostd: " << m_core->chat()->errorMessage(*e) << '\n';
                                 m_err.flush();
                                 return finish(2);
                             }
                             m_sessionId = std::get<ChatService::Started>(result).sessionId;
                         });
}

void AskCommand::print(const StreamEvent &event)
{
    const QJsonObject d = event.data;
    if (m_options.json) {
        m_out << QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact) << '\n';
        m_out.flush();
    } else {
        switch (event.type) {
        case StreamEventType::Thinking:
            endLine();
            m_out << QStringLiteral("[think %1]").arg(d.value(QStringLiteral("iteration")).toInt());
            m_out.flush();
            m_midLine = true;
            break;
        case StreamEventType::PartialResponse:
            // Held until it is known whether this is the answer (printed by final_response)
            // or the model's words before a tool call (printed on the think line): printed
            // once either way.
            if (m_pendingText.size() < qsizetype(1024) * 1024)
                m_pendingText += d.value(QStringLiteral("delta")).toString();
            break;
        case StreamEventType::ToolCall: {
            const QString approval = d.value(QStringLiteral("approval")).toString();
            line(QStringLiteral("[tool] %1 %2%3")
                         .arg(d.value(QStringLiteral("tool")).toString(),
                              shortened(compactJson(d.value(QStringLiteral("arguments")))),
                              approval == QLatin1String("auto")
                                      ? QString()
                                      : QStringLiteral(" (approval: %1)").arg(approval)));
            break;
        }
        case StreamEventType::Acting:
            if (d.contains(QStringLiteral("progress"))) {
                QString progress = QString::number(d.value(QStringLiteral("progress")).toDouble());
                if (d.contains(QStringLiteral("total")))
                    progress += QLatin1Char('/')
                            + QString::number(d.value(QStringLiteral("total")).toDouble());
                line(QStringLiteral("[acting] %1 %2 %3")
                             .arg(d.value(QStringLiteral("tool")).toString(), progress,
                                  d.value(QStringLiteral("message")).toString())
                             .trimmed());
            }
            break;
        case StreamEventType::Observing:
            line(QStringLiteral("[observe]%1 %2 (%3 ms)")
                         .arg(d.value(QStringLiteral("is_error")).toBool()
                                      ? QStringLiteral(" error:")
                                      : QString(),
                              oneLine(d.value(QStringLiteral("content")).toArray()))
                         .arg(d.value(QStringLiteral("duration_ms")).toInteger()));
            break;
        case StreamEventType::FinalResponse: {
            const QString reason = d.value(QStringLiteral("stop_reason")).toString();
            m_pendingText.clear(); // the same text as the content below
            line(QStringLiteral("[answer] %1").arg(d.value(QStringLiteral("content")).toString()));
            if (reason != QLatin1String("answer"))
                line(QStringLiteral("[stopped] %1").arg(reason));
            break;
        }
        case StreamEventType::Error:
            line(QStringLiteral("[error] %1: %2")
                         .arg(d.value(QStringLiteral("code")).toString(),
                              d.value(QStringLiteral("message")).toString()));
            break;
        case StreamEventType::Elicitation:
            line(QStringLiteral("[elicitation] %1 asks: %2")
                         .arg(d.value(QStringLiteral("server")).toString(),
                              d.value(QStringLiteral("message")).toString()));
            break;
        case StreamEventType::Sampling:
            line(QStringLiteral("[sampling] %1 asks to use the model")
                         .arg(d.value(QStringLiteral("server")).toString()));
            break;
        default:
            break;
        }
    }

    respond(event);
}

void AskCommand::respond(const StreamEvent &event)
{
    const QJsonObject d = event.data;
    const bool approval
            = d.value(QStringLiteral("approval")).toString() == QLatin1String("required");
    QString id;
    QString what;
    if (event.type == StreamEventType::ToolCall && approval) {
        id = d.value(QStringLiteral("call_id")).toString();
        what = QStringLiteral("Run tool %1 %2?")
                       .arg(d.value(QStringLiteral("tool")).toString(),
                            shortened(compactJson(d.value(QStringLiteral("arguments")))));
    } else if (event.type == StreamEventType::Sampling && approval) {
        id = d.value(QStringLiteral("request_id")).toString();
        what = QStringLiteral("Let server %1 use the model?")
                       .arg(d.value(QStringLiteral("server")).toString());
    } else if (event.type == StreamEventType::Elicitation) {
        askElicitation(d.value(QStringLiteral("request_id")).toString(), d);
        return;
    } else {
        return;
    }
    askApproval(id, what, event.type == StreamEventType::Sampling);
}

void AskCommand::askApproval(const QString &id, const QString &what, bool sampling)
{
    // Through the same service as POST /api/v3/chat/approve: a scope past "once" is kept in
    // the host's approval rules (a remembered one in the state file), for every client.
    auto answer = [this, id](ApprovalAnswer a) {
        QTimer::singleShot(0, this, [this, id, a] {
            if (m_finishing)
                return;
            if (const auto error = m_core->chat()->approve(m_sessionId, id, a.approved, a.scope))
                line(QStringLiteral("[approval] not answered: %1")
                             .arg(m_core->chat()->errorMessage(*error)));
        });
    };
    if (m_options.approveAll) {
        if (!m_options.json)
            line(QStringLiteral("[approval] approved by --yes"));
        answer({true, ApprovalScope::Once});
        return;
    }
    if (!m_options.interactive) {
        m_err << "mcp-hostd: not asked (stdin or stdout is not a terminal): " << terminalSafe(what)
              << " denied; run with --yes to allow\n";
        m_err.flush();
        answer({false, ApprovalScope::Once});
        return;
    }
    auto q = std::make_shared<Question>();
    auto problem = std::make_shared<bool>(false);
    q->prompt = [what, sampling, problem] {
        const QString again = std::exchange(*problem, false)
                ? (sampling ? QStringLiteral("  (type y, s, n or ns)\n")
                            : QStringLiteral("  (type y, s, t, a, n, ns, nt or na)\n"))
                : QString();
        return again
                + (sampling ? QStringLiteral("[approval] %1 y once, s for this session; n, ns "
                                             "deny the same way [y/s/N/ns] ")
                                      .arg(what)
                            : QStringLiteral("[approval] %1 y once, s for this session, t always "
                                             "for this tool, a always for this server; n, ns, "
                                             "nt, na deny the same way [y/s/t/a/N/ns/nt/na] ")
                                      .arg(what));
    };
    q->answer = [this, answer, sampling, problem](const std::optional<QString> &text) {
        // The end of input denies, as Enter does.
        const auto a = parseApprovalAnswer(text.value_or(QString()), sampling);
        if (!a) {
            *problem = true;
            return false;
        }
        if (!m_options.json)
            line(QStringLiteral("[approval] ") + approvalOutcome(*a));
        answer(*a);
        return true;
    };
    ask(q);
}

void AskCommand::askElicitation(const QString &id, const QJsonObject &data)
{
    auto send = [this, id](const QString &action, const QJsonObject &content) {
        QTimer::singleShot(0, this, [this, id, action, content] {
            if (!m_finishing)
                m_core->chat()->elicit(m_sessionId, id, action, content);
        });
    };
    if (!m_options.interactive) {
        m_err << "mcp-hostd: not asked (stdin or stdout is not a terminal): the question of "
              << terminalSafe(data.value(QStringLiteral("server")).toString())
              << " is cancelled; run mcp-hostd ask on a terminal to answer it\n";
        m_err.flush();
        send(QStringLiteral("cancel"), {});
        return;
    }
    // The form: first whether to answer at all, then one prompt per field.
    struct State
    {
        ElicitationForm form;
        int field = -1; ///< -1: the first question (answer, decline or cancel)
        QJsonObject content;
        QString problem;
    };
    auto state = std::make_shared<State>();
    const QString url = data.value(QStringLiteral("url")).toString();
    // Asked in the order the MCP server wrote the fields (the event's property_order).
    QStringList order;
    const QJsonArray written = data.value(QStringLiteral("property_order")).toArray();
    for (const QJsonValue &name : written) {
        if (name.isString())
            order << name.toString();
    }
    state->form
            = ElicitationForm::fromSchema(data.value(QStringLiteral("schema")).toObject(), order);
    if (!state->form.error.isEmpty()) {
        line(QStringLiteral("[elicitation] declined: %1").arg(state->form.error));
        send(QStringLiteral("decline"), {});
        return;
    }
    auto q = std::make_shared<Question>();
    q->prompt = [state, url] {
        QString p;
        if (!state->problem.isEmpty())
            p = QStringLiteral("  (%1)\n").arg(std::exchange(state->problem, {}));
        if (state->field < 0)
            return p
                    + (url.isEmpty() ? QStringLiteral("  answer (y), decline (n) or cancel (c)? "
                                                      "[y/n/C] ")
                                     : QStringLiteral("  open %1, then: done (y), decline (n) "
                                                      "or cancel (c)? [y/n/C] ")
                                               .arg(url));
        return p + ElicitationForm::prompt(state->form.fields.at(state->field));
    };
    q->answer = [this, state, send, url](const std::optional<QString> &text) {
        if (!text) {
            send(QStringLiteral("cancel"), {});
            return true;
        }
        if (state->field < 0) {
            const QString t = text->trimmed().toLower();
            if (t == QLatin1String("n") || t == QLatin1String("no")) {
                line(QStringLiteral("[elicitation] declined"));
                send(QStringLiteral("decline"), {});
                return true;
            }
            if (t != QLatin1String("y") && t != QLatin1String("yes")) {
                line(QStringLiteral("[elicitation] cancelled"));
                send(QStringLiteral("cancel"), {});
                return true;
            }
            state->field = 0;
        } else {
            const ElicitationForm::Field &f = state->form.fields.at(state->field);
            QString why;
            const auto value = ElicitationForm::parse(f, *text, &why);
            if (!value) {
                state->problem = why;
                return false;
            }
            if (!value->isUndefined())
                state->content.insert(f.name, *value);
            ++state->field;
        }
        if (!url.isEmpty() || state->field >= state->form.fields.size()) {
            line(QStringLiteral("[elicitation] answered"));
            send(QStringLiteral("accept"), state->content);
            return true;
        }
        return false;
    };
    ask(q);
}

void AskCommand::ask(std::shared_ptr<Question> question)
{
    if (!m_input) {
        m_input = new StdinLineReader(STDIN_FILENO, this);
        connect(m_input, &StdinLineReader::lineRead, this,
                [this](const QString &text) { onLine(text); });
        connect(m_input, &StdinLineReader::endOfInput, this, [this] {
            while (!m_questions.isEmpty())
                onLine(std::nullopt);
        });
    }
    m_questions.append(std::move(question));
    if (m_input->atEnd()) {
        onLine(std::nullopt);
        return;
    }
    if (m_questions.size() == 1)
        showPrompt();
}

void AskCommand::showPrompt()
{
    if (m_questions.isEmpty() || m_finishing)
        return;
    endLine();
    m_out << terminalSafe(m_questions.first()->prompt());
    m_out.flush();
}

void AskCommand::onLine(const std::optional<QString> &text)
{
    if (m_questions.isEmpty())
        return; // typed ahead of any question: nothing to answer
    const std::shared_ptr<Question> q = m_questions.first();
    if (q->answer(text) || !text)
        m_questions.removeFirst();
    showPrompt();
}

void AskCommand::finish(int exitCode)
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_exitCode = exitCode;
    if (m_midLine) {
        m_out << '\n';
        m_out.flush();
        m_midLine = false;
    }
    if (!m_core || !m_core->serverService()) {
        QTimer::singleShot(0, this, [this] { m_done(m_exitCode); });
        return;
    }
    m_core->shutdown([this] { m_done(m_exitCode); });
}
