#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <optional>

/// One tool call requested by the model.
struct ToolCall
{
    QString id; ///< provider-assigned (or synthesized "call_<n>") id, echoed in the result
    QString name; ///< the tool's name as offered in ToolDefinition::name
    QJsonObject arguments; ///< the parsed arguments

    friend bool operator==(const ToolCall &a, const ToolCall &b)
    {
        return a.id == b.id && a.name == b.name && a.arguments == b.arguments;
    }
};

/// One message of a conversation, provider-neutral.
struct ChatMessage
{
    enum class Role { System, User, Assistant, Tool };

    Role role = Role::User;
    QString text; ///< system/user/assistant text; for Role::Tool the result text
    QList<ToolCall> toolCalls; ///< Role::Assistant: the calls the model made in this message
    QString toolCallId; ///< Role::Tool: the id of the call this result answers
    QString toolName; ///< Role::Tool: the name of the tool that ran
    bool isError = false; ///< Role::Tool: the tool reported an error

    static ChatMessage system(const QString &text)
    {
        return {Role::System, text, {}, {}, {}, false};
    }
    static ChatMessage user(const QString &text) { return {Role::User, text, {}, {}, {}, false}; }
    static ChatMessage assistant(const QString &text, const QList<ToolCall> &calls = {})
    {
        return {Role::Assistant, text, calls, {}, {}, false};
    }
    static ChatMessage toolResult(const QString &callId, const QString &name, const QString &result,
                                  bool isError = false)
    {
        return {Role::Tool, result, {}, callId, name, isError};
    }
};

/// A tool offered to the model (an MCP tool).
struct ToolDefinition
{
    QString name;
    QString description;
    QJsonObject inputSchema; ///< the MCP tool's JSON Schema for its arguments (type "object")
};

/// Whether the model may call tools in this request.
enum class ToolChoice { Auto, None };

/// Bounds on what one model call may produce, so that a runaway or hostile model cannot fill
/// memory. Past a bound the stream ends with LlmError::Kind::OutputTooLarge (naming the bound)
/// and the provider's connection is closed. 0: no bound.
struct OutputLimits
{
    qint64 maxTextBytes = 0; ///< text and reasoning of this call together (UTF-8 bytes)
    qint64 maxToolArgumentBytes = 0; ///< the arguments of one tool call (JSON text, UTF-8 bytes)
    int maxToolCalls = 0; ///< tool calls in this answer
};

/// One call to a chat model.
struct ChatRequest
{
    QList<ChatMessage> messages;
    QList<ToolDefinition> tools;
    QString model; ///< empty: the provider's configured model
    int maxTokens = 0; ///< 0: the provider's default (Anthropic requires one: 4096)
    std::optional<double> temperature; ///< unset: the provider's default
    ToolChoice toolChoice = ToolChoice::Auto;
    OutputLimits limits;
};

/// Token counts reported by the provider for one call.
struct Usage
{
    qint64 inputTokens = 0;
    qint64 outputTokens = 0;
};

/// Why the model stopped.
enum class StopReason {
    EndTurn, ///< the answer is complete
    ToolUse, ///< the model asked for one or more tool calls
    MaxTokens, ///< cut at the output token limit
    StopSequence, ///< a stop sequence was produced
    ContentFilter, ///< the provider filtered or refused the content
    Other ///< anything else the provider reported
};

/// A failed model call, typed so the agent can map it to an `error` event in one place.
struct LlmError
{
    enum class Kind {
        Auth, ///< 401/403: the API key is missing or wrong; never retried
        RateLimited, ///< 429 after the retries were used up
        Server, ///< 5xx / overloaded, or an error event from the provider
        Network, ///< connection refused/reset, or the stream closed before its end
        Protocol, ///< a malformed response (bad JSON, invalid tool arguments)
        Timeout, ///< no bytes for the idle timeout, or the request timeout elapsed
        Cancelled, ///< ChatStream::cancel() was called
        InvalidRequest, ///< other 4xx: unknown model, bad parameters
        OutputTooLarge, ///< the answer passed a bound (see `bound`); the stream was stopped
    };
    /// Which bound an OutputTooLarge error passed.
    enum class Bound {
        None,
        Text, ///< OutputLimits::maxTextBytes
        ToolArguments, ///< OutputLimits::maxToolArgumentBytes
        ToolCalls, ///< OutputLimits::maxToolCalls
        Event, ///< one server-sent event of the provider (HttpProviderOptions::maxEventBytes)
    };
    Kind kind = Kind::Protocol;
    QString provider; ///< "openai", "anthropic", "offline"
    int httpStatus = 0; ///< 0 when there was no HTTP response
    QString message; ///< human-readable; includes the provider's own message when there was one
    bool retryable = false; ///< trying again later may succeed
    Bound bound = Bound::None; ///< Kind::OutputTooLarge: the bound that was passed

    /// A stable lower-case code for APIs: "auth", "rate_limited", "server", …,
    /// "model_output_too_large"
    [[nodiscard]] QString code() const;
};

[[nodiscard]] QString stopReasonName(StopReason reason);

/// The length of `text` in UTF-8, without converting it.
[[nodiscard]] qint64 utf8Length(QStringView text);
/// "2 MiB", "512 KiB", "1.5 MiB", "300 bytes": a byte count for messages.
[[nodiscard]] QString byteSizeText(qint64 bytes);

/// The answer of one model call, streamed.
///
/// Contract (every provider keeps it; tests check it):
/// - Signals arrive asynchronously through the event loop, never from inside
///   ChatModel::start(); text and reasoning deltas arrive in order.
/// - A tool call is announced with toolCallStarted (its id is final and never changes), then
///   zero or more toolCallArgumentsDelta fragments (raw JSON text, split anywhere), then
///   toolCallCompleted with the parsed arguments. `index` counts the calls of this stream
///   from 0. usage(), if the provider reports it, comes before the terminal signal.
/// - Exactly one of finished() or errorOccurred() ends the stream; nothing follows it.
/// - cancel() aborts the request and emits errorOccurred(Kind::Cancelled) before it returns
///   (unless the stream had already ended); nothing is emitted after cancel() returns.
/// - The stream is a child of its ChatModel. Delete it with deleteLater() (not `delete`) from a
///   slot connected to one of its signals; deleting an unfinished stream aborts it silently.
/// - The accessors text(), reasoning(), toolCalls() and message() give what was received so far.
/// - The limits (setLimits(), from ChatRequest::limits) are enforced here for text, reasoning
///   and streamed arguments; a provider that buffers arguments before announcing a call checks
///   them with toolArgumentsFit().
class ChatStream : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatStream)

public:
    explicit ChatStream(QObject *parent = nullptr);
    ~ChatStream() override;

    /// Stops the call (see the class contract).
    virtual void cancel();

    [[nodiscard]] bool isFinished() const { return m_ended; }
    /// Bounds for this call; set before the first output (providers do it in start()).
    void setLimits(const OutputLimits &limits) { m_limits = limits; }
    [[nodiscard]] const OutputLimits &limits() const { return m_limits; }
    /// UTF-8 bytes of text and reasoning received so far.
    [[nodiscard]] qint64 outputBytes() const { return m_outputBytes; }
    [[nodiscard]] const QString &text() const { return m_text; }
    [[nodiscard]] const QString &reasoning() const { return m_reasoning; }
    /// The completed tool calls, in index order.
    [[nodiscard]] const QList<ToolCall> &toolCalls() const { return m_toolCalls; }
    /// The assistant message assembled from the stream (text + completed tool calls).
    [[nodiscard]] ChatMessage message() const;

Q_SIGNALS:
    void textDelta(const QString &delta);
    void reasoningDelta(const QString &delta);
    void toolCallStarted(int index, const QString &id, const QString &name);
    void toolCallArgumentsDelta(int index, const QString &fragment);
    void toolCallCompleted(int index, const QString &id, const QString &name,
                           const QJsonObject &arguments);
    void usage(const Usage &usage);
    void finished(StopReason reason);
    void errorOccurred(const LlmError &error);

protected:
    // Subclasses emit only through these: they keep the accumulated state and drop anything
    // after the stream has ended.
    void deliverText(const QString &delta);
    void deliverReasoning(const QString &delta);
    void deliverToolCallStarted(int index, const QString &id, const QString &name);
    void deliverToolCallArguments(int index, const QString &fragment);
    void deliverToolCallCompleted(int index, const ToolCall &call);
    void deliverUsage(const Usage &usage);
    void deliverFinished(StopReason reason);
    void deliverError(const LlmError &error);
    /// True once any text, reasoning or tool call was delivered (a retry would repeat it).
    [[nodiscard]] bool hasOutput() const { return m_hasOutput; }
    /// The provider id put into errors ("openai", …).
    [[nodiscard]] const QString &providerName() const { return m_providerName; }
    void setProviderName(const QString &name) { m_providerName = name; }
    /// False (and the stream ended with OutputTooLarge) when `bytes` of arguments for one call
    /// pass the bound.
    bool toolArgumentsFit(qint64 bytes);
    /// Ends the stream with OutputTooLarge for `bound` (subclasses: an over-long event).
    void deliverTooLarge(LlmError::Bound bound, const QString &message);

private:
    bool outputFits(QStringView delta);

    OutputLimits m_limits;
    qint64 m_outputBytes = 0;
    QHash<int, qint64> m_argumentBytes; // tool call index -> UTF-8 bytes streamed
    int m_startedCalls = 0;
    QString m_providerName;
    QString m_text;
    QString m_reasoning;
    QList<ToolCall> m_toolCalls;
    bool m_ended = false;
    bool m_hasOutput = false;
};

/// A language model behind a provider-neutral interface.
///
/// Subclasses implement start(): it returns at once with a new ChatStream (a child of the
/// model) whose signals report the answer, following the ChatStream contract.
class ChatModel : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChatModel)

public:
    explicit ChatModel(QObject *parent = nullptr)
        : QObject(parent)
    { }

    /// For people: "openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5", "built-in offline model".
    [[nodiscard]] virtual QString displayName() const = 0;
    /// The provider id: "openai", "anthropic", "offline".
    [[nodiscard]] virtual QString providerName() const = 0;
    /// The model id sent to the provider (empty for the offline model).
    [[nodiscard]] virtual QString modelName() const = 0;

    /// Starts one call. Never returns null.
    virtual ChatStream *start(const ChatRequest &request) = 0;
};

Q_DECLARE_METATYPE(Usage)
Q_DECLARE_METATYPE(LlmError)
Q_DECLARE_METATYPE(StopReason)
