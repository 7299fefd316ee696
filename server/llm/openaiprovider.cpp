#include "openaiprovider.h"

#include "logging.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>

#ifndef MCPHOST_VERSION
#define MCPHOST_VERSION "0"
#endif

namespace {

const QUrl kDefaultBaseUrl(QStringLiteral("https://api.openai.com/v1"));
// Provider tool names are at most 64 characters; a longer one is a broken stream.
constexpr qsizetype kMaxToolNameLength = 256;

QString labelFor(const QUrl &base)
{
    if (base.host() == QLatin1String("api.openai.com"))
        return QStringLiteral("OpenAI");
    return QStringLiteral("OpenAI-compatible server at %1")
            .arg(base.toDisplayString(QUrl::RemovePath | QUrl::RemoveUserInfo));
}

QJsonObject schemaOrEmpty(const QJsonObject &schema)
{
    if (!schema.isEmpty())
        return schema;
    return QJsonObject {{QStringLiteral("type"), QStringLiteral("object")},
                        {QStringLiteral("properties"), QJsonObject()}};
}

/// Reads one Chat Completions chunk stream.
class OpenAiChatStream : public HttpChatStream
{
public:
    OpenAiChatStream(const HttpProviderOptions &options, ToolNameMap names, QObject *parent)
        : HttpChatStream(options, QStringLiteral("openai"), labelFor(options.baseUrl), parent)
        , m_names(std::move(names))
    { }

protected:
    void resetAttempt() override
    {
        m_calls.clear();
        m_finishReason.clear();
        m_hasUsage = false;
        m_usage = {};
        m_callsCompleted = false;
    }

    void handleEvent(const SseEvent &event) override
    {
        const QByteArray data = event.data.trimmed();
        if (data.isEmpty())
            return;
        if (data == "[DONE]") {
            finish();
            return;
        }
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(data, &parseError);
        if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
            failStream(LlmError::Kind::Protocol,
                       QStringLiteral("%1 sent a malformed stream chunk (%2): %3")
                               .arg(providerLabel(), parseError.errorString(),
                                    QString::fromUtf8(data.left(200))),
                       false);
            return;
        }
        const QJsonObject chunk = doc.object();
        if (chunk.contains(QLatin1String("error"))) {
            failStream(LlmError::Kind::Server,
                       QStringLiteral("%1 reported an error in the stream: %2")
                               .arg(providerLabel(), errorMessageFromBody(data)),
                       true);
            return;
        }
        const QJsonValue usageValue = chunk.value(QLatin1String("usage"));
        if (usageValue.isObject()) {
            const QJsonObject u = usageValue.toObject();
            m_usage.inputTokens = u.value(QLatin1String("prompt_tokens")).toInteger();
            m_usage.outputTokens = u.value(QLatin1String("completion_tokens")).toInteger();
            m_hasUsage = true;
        }
        const QJsonArray choices = chunk.value(QLatin1String("choices")).toArray();
        for (const QJsonValue &choiceValue : choices) {
            const QJsonObject choice = choiceValue.toObject();
            if (choice.value(QLatin1String("index")).toInt(0) != 0)
                continue; // we ask for one choice; ignore any others
            handleDelta(choice.value(QLatin1String("delta")).toObject());
            if (isFinished())
                return;
            const QString finishReason = choice.value(QLatin1String("finish_reason")).toString();
            if (!finishReason.isEmpty()) {
                m_finishReason = finishReason;
                completeCalls();
            }
        }
    }

    bool completeAtEndOfBody() override
    {
        // Some servers close right after the finish reason without `[DONE]`: complete enough.
        if (m_finishReason.isEmpty())
            return false;
        finish();
        return true;
    }

private:
    struct PendingCall
    {
        QString id;
        QString name;
        QString arguments;
        qint64 bufferedBytes = 0; ///< UTF-8 bytes of arguments received before the start
        bool started = false;
    };

    void handleDelta(const QJsonObject &delta)
    {
        for (const char *key : {"reasoning_content", "reasoning"}) {
            const QJsonValue v = delta.value(QLatin1String(key));
            if (v.isString()) {
                deliverReasoning(v.toString());
                break;
            }
        }
        const QJsonValue content = delta.value(QLatin1String("content"));
        if (content.isString())
            deliverText(content.toString());
        const QJsonArray calls = delta.value(QLatin1String("tool_calls")).toArray();
        for (const QJsonValue &callValue : calls)
            handleToolCallDelta(callValue.toObject());
    }

    int indexFor(const QJsonObject &call) const
    {
        const QString id = call.value(QLatin1String("id")).toString();
        const QJsonValue indexValue = call.value(QLatin1String("index"));
        if (indexValue.isDouble()) {
            const int index = indexValue.toInt();
            // Some servers number every complete call 0; a new id under a used index is new.
            const auto it = m_calls.constFind(index);
            if (it != m_calls.cend() && !id.isEmpty() && !it->id.isEmpty() && it->id != id)
                return m_calls.isEmpty() ? 0 : m_calls.lastKey() + 1;
            return index;
        }
        for (auto it = m_calls.cbegin(); it != m_calls.cend(); ++it) {
            if (!id.isEmpty() && it->id == id)
                return it.key();
        }
        if (m_calls.isEmpty())
            return 0;
        return id.isEmpty() ? m_calls.lastKey() : m_calls.lastKey() + 1;
    }

    void handleToolCallDelta(const QJsonObject &call)
    {
        const int index = indexFor(call);
        const int maxCalls = limits().maxToolCalls;
        if (maxCalls > 0 && !m_calls.contains(index) && m_calls.size() >= maxCalls) {
            deliverTooLarge(LlmError::Bound::ToolCalls,
                            QStringLiteral("The model asked for more than %1 tool calls in one "
                                           "answer; it was stopped.")
                                    .arg(maxCalls));
            return;
        }
        PendingCall &pending = m_calls[index];
        const QString id = call.value(QLatin1String("id")).toString();
        if (!id.isEmpty() && pending.id.isEmpty() && !pending.started)
            pending.id = id;
        const QJsonObject function = call.value(QLatin1String("function")).toObject();
        const QString name = function.value(QLatin1String("name")).toString();
        if (!name.isEmpty() && !pending.started && name != pending.name)
            pending.name += name;
        if (pending.name.size() > kMaxToolNameLength) {
            failStream(LlmError::Kind::Protocol,
                       QStringLiteral("%1 sent a tool name longer than %2 characters.")
                               .arg(providerLabel())
                               .arg(kMaxToolNameLength),
                       false);
            return;
        }
        const QJsonValue args = function.value(QLatin1String("arguments"));
        // Arguments are a JSON text; a few servers send the object itself.
        const QString fragment = args.isObject()
                ? QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact))
                : args.toString();
        if (!pending.started) {
            // Buffered until the call is announced: bounded here, then by the base class.
            pending.bufferedBytes += utf8Length(fragment);
            if (!toolArgumentsFit(pending.bufferedBytes))
                return;
            pending.arguments += fragment;
            // Announce a call once its id and name are known: its id then never changes.
            if (!pending.id.isEmpty() && !pending.name.isEmpty())
                startCall(index, pending);
        } else {
            pending.arguments += fragment;
            deliverToolCallArguments(index, fragment);
        }
    }

    void startCall(int index, PendingCall &pending)
    {
        if (pending.id.isEmpty())
            pending.id = QStringLiteral("call_%1").arg(index);
        pending.started = true;
        deliverToolCallStarted(index, pending.id, m_names.fromWire(pending.name));
        deliverToolCallArguments(index, pending.arguments);
    }

    void completeCalls()
    {
        if (m_callsCompleted)
            return;
        m_callsCompleted = true;
        for (auto it = m_calls.begin(); it != m_calls.end(); ++it) {
            PendingCall &pending = it.value();
            if (pending.name.isEmpty()) {
                failStream(
                        LlmError::Kind::Protocol,
                        QStringLiteral("%1 sent a tool call without a name.").arg(providerLabel()),
                        false);
                return;
            }
            if (!pending.started)
                startCall(it.key(), pending);
            QJsonObject arguments;
            if (!pending.arguments.trimmed().isEmpty()) {
                QJsonParseError parseError;
                const QJsonDocument doc
                        = QJsonDocument::fromJson(pending.arguments.toUtf8(), &parseError);
                if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
                    failStream(LlmError::Kind::Protocol,
                               QStringLiteral("%1 sent invalid JSON arguments for tool %2: %3")
                                       .arg(providerLabel(), pending.name,
                                            pending.arguments.left(200)),
                               false);
                    return;
                }
                arguments = doc.object();
            }
            deliverToolCallCompleted(
                    it.key(), ToolCall {pending.id, m_names.fromWire(pending.name), arguments});
        }
    }

    void finish()
    {
        completeCalls();
        if (isFinished())
            return;
        if (m_hasUsage)
            deliverUsage(m_usage);
        StopReason reason = StopReason::EndTurn;
        if (!m_calls.isEmpty())
            reason = StopReason::ToolUse; // also when a server says "stop" after tool calls
        else if (m_finishReason == QLatin1String("length"))
            reason = StopReason::MaxTokens;
        else if (m_finishReason == QLatin1String("content_filter"))
            reason = StopReason::ContentFilter;
        else if (!m_finishReason.isEmpty() && m_finishReason != QLatin1String("stop"))
            reason = StopReason::Other;
        deliverFinished(reason);
    }

    ToolNameMap m_names;
    QMap<int, PendingCall> m_calls;
    QString m_finishReason;
    Usage m_usage;
    bool m_hasUsage = false;
    bool m_callsCompleted = false;
};

} // namespace

OpenAiProvider::OpenAiProvider(const HttpProviderOptions &options, QObject *parent)
    : HttpChatModel(options, kDefaultBaseUrl, QStringLiteral("gpt-4o-mini"), parent)
{ }

OpenAiProvider::~OpenAiProvider() = default;

QUrl OpenAiProvider::endpoint() const
{
    return endpointUnder(QStringLiteral("/chat/completions"));
}

QJsonObject OpenAiProvider::requestBody(const ChatRequest &request, const QString &model,
                                        const ToolNameMap &names)
{
    QJsonArray messages;
    for (const ChatMessage &m : request.messages) {
        QJsonObject out;
        switch (m.role) {
        case ChatMessage::Role::System:
            out = {{QStringLiteral("role"), QStringLiteral("system")},
                   {QStringLiteral("content"), m.text}};
            break;
        case ChatMessage::Role::User:
            out = {{QStringLiteral("role"), QStringLiteral("user")},
                   {QStringLiteral("content"), m.text}};
            break;
        case ChatMessage::Role::Assistant: {
            out.insert(QStringLiteral("role"), QStringLiteral("assistant"));
            out.insert(QStringLiteral("content"),
                       m.text.isEmpty() && !m.toolCalls.isEmpty() ? QJsonValue() : m.text);
            QJsonArray calls;
            for (const ToolCall &call : m.toolCalls) {
                const QString arguments = QString::fromUtf8(
                        QJsonDocument(call.arguments).toJson(QJsonDocument::Compact));
                calls.append(QJsonObject {
                        {QStringLiteral("id"), call.id},
                        {QStringLiteral("type"), QStringLiteral("function")},
                        {QStringLiteral("function"),
                         QJsonObject {{QStringLiteral("name"), names.toWire(call.name)},
                                      {QStringLiteral("arguments"), arguments}}}});
            }
            if (!calls.isEmpty())
                out.insert(QStringLiteral("tool_calls"), calls);
            break;
        }
        case ChatMessage::Role::Tool:
            // Chat Completions has no error flag for tool results: say it in the content.
            out = {{QStringLiteral("role"), QStringLiteral("tool")},
                   {QStringLiteral("tool_call_id"), m.toolCallId},
                   {QStringLiteral("content"),
                    m.isError ? QStringLiteral("Error: ") + m.text : m.text}};
            break;
        }
        messages.append(out);
    }

    QJsonObject body {
            {QStringLiteral("model"), model},
            {QStringLiteral("messages"), messages},
            {QStringLiteral("stream"), true},
            {QStringLiteral("stream_options"),
             QJsonObject {{QStringLiteral("include_usage"), true}}},
    };
    if (request.maxTokens > 0)
        body.insert(QStringLiteral("max_tokens"), request.maxTokens);
    if (request.temperature)
        body.insert(QStringLiteral("temperature"), *request.temperature);
    if (!request.tools.isEmpty()) {
        QJsonArray tools;
        for (const ToolDefinition &tool : request.tools) {
            tools.append(
                    QJsonObject {{QStringLiteral("type"), QStringLiteral("function")},
                                 {QStringLiteral("function"),
                                  QJsonObject {{QStringLiteral("name"), names.toWire(tool.name)},
                                               {QStringLiteral("description"), tool.description},
                                               {QStringLiteral("parameters"),
                                                schemaOrEmpty(tool.inputSchema)}}}});
        }
        body.insert(QStringLiteral("tools"), tools);
        body.insert(QStringLiteral("tool_choice"),
                    request.toolChoice == ToolChoice::None ? QStringLiteral("none")
                                                           : QStringLiteral("auto"));
        if (request.toolChoice == ToolChoice::Auto)
            body.insert(QStringLiteral("parallel_tool_calls"), true);
    }
    return body;
}

ChatStream *OpenAiProvider::start(const ChatRequest &request)
{
    const ToolNameMap names(request.tools);
    const HttpProviderOptions options = optionsFor(request);

    QNetworkRequest httpRequest(endpoint());
    httpRequest.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    httpRequest.setRawHeader("Accept", "text/event-stream");
    httpRequest.setRawHeader("User-Agent", "mcp-host/" MCPHOST_VERSION);
    if (!options.apiKey.isEmpty())
        httpRequest.setRawHeader("Authorization", "Bearer " + options.apiKey.toUtf8());

    const QByteArray body = QJsonDocument(requestBody(request, options.model, names))
                                    .toJson(QJsonDocument::Compact);
    auto *stream = new OpenAiChatStream(options, names, this);
    stream->setLimits(request.limits);
    stream->begin(httpRequest, body);
    return stream;
}
