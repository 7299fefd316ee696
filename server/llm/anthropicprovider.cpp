#include "anthropicprovider.h"

#include "logging.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

#ifndef MCPHOST_VERSION
#define MCPHOST_VERSION "0"
#endif

namespace {

const QUrl kDefaultBaseUrl(QStringLiteral("https://api.anthropic.com"));
// Content blocks of one answer (text, thinking, tool_use): far more than any real answer has.
constexpr qsizetype kMaxBlocks = 1024;

QString labelFor(const QUrl &base)
{
    if (base.host() == QLatin1String("api.anthropic.com"))
        return QStringLiteral("Anthropic");
    return QStringLiteral("Anthropic-compatible server at %1")
            .arg(base.toDisplayString(QUrl::RemovePath | QUrl::RemoveUserInfo));
}

/// Reads one Messages event stream.
class AnthropicChatStream : public HttpChatStream
{
public:
    AnthropicChatStream(const HttpProviderOptions &options, ToolNameMap names, QObject *parent)
        : HttpChatStream(options, QStringLiteral("anthropic"), labelFor(options.baseUrl), parent)
        , m_names(std::move(names))
    { }

protected:
    void resetAttempt() override
    {
        m_blocks.clear();
        m_toolCount = 0;
        m_completedTools = 0;
        m_stopReason.clear();
        m_usage = {};
        m_hasUsage = false;
    }

    void handleEvent(const SseEvent &event) override
    {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(event.data, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            failStream(LlmError::Kind::Protocol,
                       QStringLiteral("%1 sent a malformed %2 event (%3): %4")
                               .arg(providerLabel(), QString::fromUtf8(event.type),
                                    parseError.errorString(),
                                    QString::fromUtf8(event.data.left(200))),
                       false);
            return;
        }
        const QJsonObject obj = doc.object();
        QString type = obj.value(QLatin1String("type")).toString();
        if (type.isEmpty())
            type = QString::fromUtf8(event.type);

        if (type == QLatin1String("message_start")) {
            const QJsonObject u = obj.value(QLatin1String("message"))
                                          .toObject()
                                          .value(QLatin1String("usage"))
                                          .toObject();
            readUsage(u);
        } else if (type == QLatin1String("content_block_start")) {
            blockStart(obj.value(QLatin1String("index")).toInt(),
                       obj.value(QLatin1String("content_block")).toObject());
        } else if (type == QLatin1String("content_block_delta")) {
            blockDelta(obj.value(QLatin1String("index")).toInt(),
                       obj.value(QLatin1String("delta")).toObject());
        } else if (type == QLatin1String("content_block_stop")) {
            blockStop(obj.value(QLatin1String("index")).toInt());
        } else if (type == QLatin1String("message_delta")) {
            const QString reason = obj.value(QLatin1String("delta"))
                                           .toObject()
                                           .value(QLatin1String("stop_reason"))
                                           .toString();
            if (!reason.isEmpty())
                m_stopReason = reason;
            readUsage(obj.value(QLatin1String("usage")).toObject());
        } else if (type == QLatin1String("message_stop")) {
            finish();
        } else if (type == QLatin1String("error")) {
            streamError(obj.value(QLatin1String("error")).toObject());
        }
        // "ping" and event types added later are ignored.
    }

    bool completeAtEndOfBody() override
    {
        if (m_stopReason.isEmpty())
            return false;
        finish();
        return true;
    }

private:
    struct Block
    {
        QString type;
        int toolIndex = -1;
        QString id;
        QString name;
        QString json;
        QJsonObject initialInput;
        bool done = false;
    };

    void readUsage(const QJsonObject &u)
    {
        if (u.isEmpty())
            return;
        if (u.contains(QLatin1String("input_tokens")))
            m_usage.inputTokens = u.value(QLatin1String("input_tokens")).toInteger()
                    + u.value(QLatin1String("cache_creation_input_tokens")).toInteger()
                    + u.value(QLatin1String("cache_read_input_tokens")).toInteger();
        if (u.contains(QLatin1String("output_tokens")))
            m_usage.outputTokens = u.value(QLatin1String("output_tokens")).toInteger();
        m_hasUsage = true;
    }

    void blockStart(int index, const QJsonObject &block)
    {
        if (!m_blocks.contains(index) && m_blocks.size() >= kMaxBlocks) {
            failStream(LlmError::Kind::Protocol,
                       QStringLiteral("%1 sent more than %2 content blocks in one answer.")
                               .arg(providerLabel())
                               .arg(kMaxBlocks),
                       false);
            return;
        }
        Block &b = m_blocks[index];
        b.type = block.value(QLatin1String("type")).toString();
        if (b.type == QLatin1String("text")) {
            deliverText(block.value(QLatin1String("text")).toString());
        } else if (b.type == QLatin1String("thinking")) {
            deliverReasoning(block.value(QLatin1String("thinking")).toString());
        } else if (b.type == QLatin1String("tool_use")) {
            b.toolIndex = m_toolCount++;
            b.id = block.value(QLatin1String("id")).toString();
            if (b.id.isEmpty())
                b.id = QStringLiteral("toolu_%1").arg(b.toolIndex);
            b.name = m_names.fromWire(block.value(QLatin1String("name")).toString());
            b.initialInput = block.value(QLatin1String("input")).toObject();
            deliverToolCallStarted(b.toolIndex, b.id, b.name);
        }
    }

    void blockDelta(int index, const QJsonObject &delta)
    {
        const QString type = delta.value(QLatin1String("type")).toString();
        if (type == QLatin1String("text_delta")) {
            deliverText(delta.value(QLatin1String("text")).toString());
        } else if (type == QLatin1String("thinking_delta")) {
            deliverReasoning(delta.value(QLatin1String("thinking")).toString());
        } else if (type == QLatin1String("input_json_delta")) {
            auto it = m_blocks.find(index);
            if (it == m_blocks.end() || it->toolIndex < 0) {
                failStream(LlmError::Kind::Protocol,
                           QStringLiteral("%1 sent tool input for block %2, which is not a "
                                          "tool_use block.")
                                   .arg(providerLabel())
                                   .arg(index),
                           false);
                return;
            }
            const QString fragment = delta.value(QLatin1String("partial_json")).toString();
            it->json += fragment;
            deliverToolCallArguments(it->toolIndex, fragment);
        }
        // signature_delta (thinking verification) and citations_delta are not used.
    }

    void blockStop(int index)
    {
        auto it = m_blocks.find(index);
        if (it == m_blocks.end() || it->toolIndex < 0 || it->done)
            return;
        it->done = true;
        QJsonObject arguments = it->initialInput;
        if (!it->json.trimmed().isEmpty()) {
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(it->json.toUtf8(), &parseError);
            if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
                failStream(LlmError::Kind::Protocol,
                           QStringLiteral("%1 sent invalid JSON input for tool %2: %3")
                                   .arg(providerLabel(), it->name, it->json.left(200)),
                           false);
                return;
            }
            arguments = doc.object();
        }
        ++m_completedTools;
        deliverToolCallCompleted(it->toolIndex, ToolCall {it->id, it->name, arguments});
    }

    void streamError(const QJsonObject &error)
    {
        const QString type = error.value(QLatin1String("type")).toString();
        const QString message = error.value(QLatin1String("message")).toString();
        LlmError::Kind kind = LlmError::Kind::Server;
        bool retryable = false;
        if (type == QLatin1String("overloaded_error") || type == QLatin1String("api_error")) {
            retryable = true;
        } else if (type == QLatin1String("rate_limit_error")) {
            kind = LlmError::Kind::RateLimited;
            retryable = true;
        } else if (type == QLatin1String("authentication_error")
                   || type == QLatin1String("permission_error")) {
            kind = LlmError::Kind::Auth;
        } else if (type == QLatin1String("invalid_request_error")
                   || type == QLatin1String("not_found_error")) {
            kind = LlmError::Kind::InvalidRequest;
        }
        failStream(kind,
                   QStringLiteral("%1 reported an error in the stream (%2): %3")
                           .arg(providerLabel(), type.isEmpty() ? QStringLiteral("error") : type,
                                message),
                   retryable);
    }

    void finish()
    {
        // A tool_use block left open: close it now so every started call completes.
        for (auto it = m_blocks.begin(); it != m_blocks.end() && !isFinished(); ++it)
            blockStop(it.key());
        if (isFinished())
            return;
        if (m_hasUsage)
            deliverUsage(m_usage);
        StopReason reason = StopReason::Other;
        if (m_stopReason == QLatin1String("end_turn") || m_stopReason.isEmpty())
            reason = StopReason::EndTurn;
        else if (m_stopReason == QLatin1String("tool_use"))
            reason = StopReason::ToolUse;
        else if (m_stopReason == QLatin1String("max_tokens"))
            reason = StopReason::MaxTokens;
        else if (m_stopReason == QLatin1String("stop_sequence"))
            reason = StopReason::StopSequence;
        else if (m_stopReason == QLatin1String("refusal"))
            reason = StopReason::ContentFilter;
        if (m_completedTools > 0 && reason != StopReason::MaxTokens)
            reason = StopReason::ToolUse;
        deliverFinished(reason);
    }

    ToolNameMap m_names;
    QMap<int, Block> m_blocks;
    int m_toolCount = 0;
    int m_completedTools = 0;
    QString m_stopReason;
    Usage m_usage;
    bool m_hasUsage = false;
};

QJsonObject inputSchema(const QJsonObject &schema)
{
    QJsonObject s = schema;
    if (!s.contains(QLatin1String("type")))
        s.insert(QStringLiteral("type"), QStringLiteral("object"));
    return s;
}

} // namespace

AnthropicProvider::AnthropicProvider(const HttpProviderOptions &options, QObject *parent)
    : HttpChatModel(options, kDefaultBaseUrl, QStringLiteral("claude-sonnet-4-5"), parent)
{ }

AnthropicProvider::~AnthropicProvider() = default;

QUrl AnthropicProvider::endpoint() const
{
    return endpointUnder(QStringLiteral("/v1/messages"), QStringLiteral("/v1"));
}

QJsonObject AnthropicProvider::requestBody(const ChatRequest &request, const QString &model,
                                           const ToolNameMap &names)
{
    QStringList system;
    QJsonArray messages;
    // Consecutive blocks of one role share a message: parallel tool results go back together.
    auto append = [&messages](const QString &role, const QJsonObject &block) {
        if (!messages.isEmpty()) {
            QJsonObject last = messages.last().toObject();
            if (last.value(QLatin1String("role")).toString() == role) {
                QJsonArray content = last.value(QLatin1String("content")).toArray();
                content.append(block);
                last.insert(QStringLiteral("content"), content);
                messages.replace(messages.size() - 1, last);
                return;
            }
        }
        messages.append(QJsonObject {{QStringLiteral("role"), role},
                                     {QStringLiteral("content"), QJsonArray {block}}});
    };
    auto textBlock = [](const QString &text) {
        return QJsonObject {{QStringLiteral("type"), QStringLiteral("text")},
                            {QStringLiteral("text"), text}};
    };

    for (const ChatMessage &m : request.messages) {
        switch (m.role) {
        case ChatMessage::Role::System:
            if (!m.text.isEmpty())
                system.append(m.text);
            break;
        case ChatMessage::Role::User:
            if (!m.text.isEmpty())
                append(QStringLiteral("user"), textBlock(m.text));
            break;
        case ChatMessage::Role::Assistant:
            if (!m.text.isEmpty())
                append(QStringLiteral("assistant"), textBlock(m.text));
            for (const ToolCall &call : m.toolCalls) {
                append(QStringLiteral("assistant"),
                       QJsonObject {{QStringLiteral("type"), QStringLiteral("tool_use")},
                                    {QStringLiteral("id"), call.id},
                                    {QStringLiteral("name"), names.toWire(call.name)},
                                    {QStringLiteral("input"), call.arguments}});
            }
            break;
        case ChatMessage::Role::Tool: {
            QJsonObject block {{QStringLiteral("type"), QStringLiteral("tool_result")},
                               {QStringLiteral("tool_use_id"), m.toolCallId},
                               {QStringLiteral("content"), m.text}};
            if (m.isError)
                block.insert(QStringLiteral("is_error"), true);
            append(QStringLiteral("user"), block);
            break;
        }
        }
    }

    QJsonObject body {
            {QStringLiteral("model"), model},
            {QStringLiteral("max_tokens"),
             request.maxTokens > 0 ? request.maxTokens : kDefaultMaxTokens},
            {QStringLiteral("stream"), true},
            {QStringLiteral("messages"), messages},
    };
    if (!system.isEmpty())
        body.insert(QStringLiteral("system"), system.join(QStringLiteral("\n\n")));
    if (request.temperature)
        body.insert(QStringLiteral("temperature"), *request.temperature);
    if (!request.tools.isEmpty()) {
        QJsonArray tools;
        for (const ToolDefinition &tool : request.tools) {
            tools.append(
                    QJsonObject {{QStringLiteral("name"), names.toWire(tool.name)},
                                 {QStringLiteral("description"), tool.description},
                                 {QStringLiteral("input_schema"), inputSchema(tool.inputSchema)}});
        }
        body.insert(QStringLiteral("tools"), tools);
        body.insert(
                QStringLiteral("tool_choice"),
                QJsonObject {{QStringLiteral("type"),
                              request.toolChoice == ToolChoice::None ? QStringLiteral("none")
                                                                     : QStringLiteral("auto")}});
    }
    return body;
}

ChatStream *AnthropicProvider::start(const ChatRequest &request)
{
    const ToolNameMap names(request.tools);
    const HttpProviderOptions options = optionsFor(request);

    QNetworkRequest httpRequest(endpoint());
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    httpRequest.setRawHeader("Accept", "text/event-stream");
    httpRequest.setRawHeader("User-Agent", "mcp-host/" MCPHOST_VERSION);
    httpRequest.setRawHeader("anthropic-version", kApiVersion);
    if (!options.apiKey.isEmpty())
        httpRequest.setRawHeader("x-api-key", options.apiKey.toUtf8());

    const QByteArray body = QJsonDocument(requestBody(request, options.model, names))
                                    .toJson(QJsonDocument::Compact);
    auto *stream = new AnthropicChatStream(options, names, this);
    stream->setLimits(request.limits);
    stream->begin(httpRequest, body);
    return stream;
}
