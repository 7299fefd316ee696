#include "askcommand.h"

#include "chatmodel.h"
#include "chatservice.h"
#include "hostcore.h"
#include "logging.h"
#include "reactagent.h"
#include "serverregistry.h"
#include "session.h"
#include "sessionmanager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>

#include <cstdio>

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
    for (const QJsonValue &v : content) {
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

} // namespace

AskCommand::AskCommand(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_out(stdout)
    , m_err(stderr)
{ }

AskCommand::~AskCommand() = default;

void AskCommand::line(const QString &text)
{
    if (m_midLine) {
        m_out << '\n';
        m_midLine = false;
    }
    m_out << text << '\n';
    m_out.flush();
}

void AskCommand::run(std::function<void(int)> done)
{
    m_done = std::move(done);
    HostCore::Options options;
    options.configPath = m_options.configPath;
    options.cli.provider = m_options.provider;
    options.cli.model = m_options.model;
    options.autoRestart = false; // one turn: a crashed server stays failed
    m_core = new HostCore(this);
    QString error;
    if (!m_core->init(options, &error)) {
        m_err << "mcp-hostd: " << error << '\n';
        m_err.flush();
        QTimer::singleShot(0, this, [this] { m_done(2); });
        return;
    }
    if (!m_options.sessionId.isEmpty())
        qCInfo(lcServer) << "--session" << m_options.sessionId
                         << "ignored: the command line keeps no sessions between runs";
    if (!m_options.json)
        line(QStringLiteral("[model] %1").arg(m_core->model()->displayName()));
    ServerRegistry *registry = m_core->registry();
    if (registry->connections().isEmpty()) {
        QTimer::singleShot(0, this, &AskCommand::startTurn);
        return;
    }
    connect(registry, &ServerRegistry::settled, this, &AskCommand::startTurn,
            Qt::SingleShotConnection);
    QTimer::singleShot(m_options.settleTimeoutMs, this, [this] {
        if (m_sessionId.isEmpty() && !m_finishing) {
            qCWarning(lcServer) << "servers did not settle in time; going on without them";
            startTurn();
        }
    });
    m_core->start();
}

void AskCommand::startTurn()
{
    if (!m_sessionId.isEmpty() || m_finishing)
        return;
    if (!m_options.json) {
        for (ServerConnection *c : m_core->registry()->connections()) {
            if (c->state() == ServerConnection::State::Ready)
                line(QStringLiteral("[server] %1: ready, %2 tools")
                             .arg(c->name())
                             .arg(c->tools().size()));
            else if (c->state() != ServerConnection::State::Disabled)
                line(QStringLiteral("[server] %1: %2 %3")
                             .arg(c->name(), ServerConnection::stateName(c->state()), c->reason()));
        }
    }
    // Subscribe before the turn starts: its first event is appended while it starts.
    Session *session = m_core->sessions()->create();
    m_sessionId = session->id();
    connect(session, &Session::eventAppended, this, &AskCommand::print);
    connect(m_core->chat(), &ChatService::turnFinished, this,
            [this](const QString &sessionId, const QString &, ReactAgent *agent) {
                if (sessionId == m_sessionId)
                    finish(agent->state() == ReactAgent::State::Answered ? 0 : 1);
            });
    const auto result = m_core->chat()->send(m_sessionId, m_options.question);
    if (const auto *e = std::get_if<ChatService::Error>(&result)) {
        m_err << "mcp-hostd: " << m_core->chat()->errorMessage(*e) << '\n';
        m_err.flush();
        finish(2);
    }
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
            if (m_midLine)
                m_out << '\n'; // ends the text streamed before it
            m_out << QStringLiteral("[think %1] ")
                             .arg(d.value(QStringLiteral("iteration")).toInt());
            m_out.flush();
            m_midLine = true;
            break;
        case StreamEventType::PartialResponse:
            m_out << d.value(QStringLiteral("delta")).toString();
            m_out.flush();
            m_midLine = true;
            break;
        case StreamEventType::ToolCall: {
            const QString approval = d.value(QStringLiteral("approval")).toString();
            line(QStringLiteral("[tool] %1 %2%3")
                         .arg(d.value(QStringLiteral("tool")).toString(),
                              compactJson(d.value(QStringLiteral("arguments"))),
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
            line(QStringLiteral("[elicitation] %1 asks: %2 (not answerable here: cancelled)")
                         .arg(d.value(QStringLiteral("server")).toString(),
                              d.value(QStringLiteral("message")).toString()));
            break;
        case StreamEventType::Sampling:
            line(QStringLiteral("[sampling] %1 asks to use the model%2")
                         .arg(d.value(QStringLiteral("server")).toString(),
                              m_options.approveAll ? QStringLiteral(" (approved by --yes)")
                                                   : QStringLiteral(" (denied: use --yes)")));
            break;
        default:
            break;
        }
    }

    // Questions cannot be asked interactively yet: --yes approves, otherwise they are denied.
    if (event.type == StreamEventType::ToolCall
        && d.value(QStringLiteral("approval")).toString() == QLatin1String("required")) {
        const QString id = d.value(QStringLiteral("call_id")).toString();
        QTimer::singleShot(0, this, [this, id] {
            m_core->chat()->approve(m_sessionId, id, m_options.approveAll);
        });
    } else if (event.type == StreamEventType::Sampling
               && d.value(QStringLiteral("approval")).toString() == QLatin1String("required")) {
        const QString id = d.value(QStringLiteral("request_id")).toString();
        QTimer::singleShot(0, this, [this, id] {
            m_core->chat()->approve(m_sessionId, id, m_options.approveAll);
        });
    } else if (event.type == StreamEventType::Elicitation) {
        const QString id = d.value(QStringLiteral("request_id")).toString();
        QTimer::singleShot(0, this, [this, id] {
            m_core->chat()->elicit(m_sessionId, id, QStringLiteral("cancel"), {});
        });
    }
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
    if (!m_core || !m_core->registry()) {
        QTimer::singleShot(0, this, [this] { m_done(m_exitCode); });
        return;
    }
    m_core->shutdown([this] { m_done(m_exitCode); });
}
