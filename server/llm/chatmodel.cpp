#include "chatmodel.h"

QString LlmError::code() const
{
    switch (kind) {
    case Kind::Auth:
        return QStringLiteral("auth");
    case Kind::RateLimited:
        return QStringLiteral("rate_limited");
    case Kind::Server:
        return QStringLiteral("server");
    case Kind::Network:
        return QStringLiteral("network");
    case Kind::Protocol:
        return QStringLiteral("protocol");
    case Kind::Timeout:
        return QStringLiteral("timeout");
    case Kind::Cancelled:
        return QStringLiteral("cancelled");
    case Kind::InvalidRequest:
        return QStringLiteral("invalid_request");
    }
    return QStringLiteral("unknown");
}

QString stopReasonName(StopReason reason)
{
    switch (reason) {
    case StopReason::EndTurn:
        return QStringLiteral("end_turn");
    case StopReason::ToolUse:
        return QStringLiteral("tool_use");
    case StopReason::MaxTokens:
        return QStringLiteral("max_tokens");
    case StopReason::StopSequence:
        return QStringLiteral("stop_sequence");
    case StopReason::ContentFilter:
        return QStringLiteral("content_filter");
    case StopReason::Other:
        break;
    }
    return QStringLiteral("other");
}

ChatStream::ChatStream(QObject *parent)
    : QObject(parent)
{
    // Queued connections (e.g. across the agent's objects) need the types registered.
    qRegisterMetaType<Usage>();
    qRegisterMetaType<LlmError>();
    qRegisterMetaType<StopReason>();
}

ChatStream::~ChatStream() = default;

void ChatStream::cancel()
{
    deliverError({LlmError::Kind::Cancelled, m_providerName, 0, tr("The request was cancelled."),
                  false});
}

ChatMessage ChatStream::message() const
{
    return ChatMessage::assistant(m_text, m_toolCalls);
}

void ChatStream::deliverText(const QString &delta)
{
    if (m_ended || delta.isEmpty())
        return;
    m_hasOutput = true;
    m_text += delta;
    Q_EMIT textDelta(delta);
}

void ChatStream::deliverReasoning(const QString &delta)
{
    if (m_ended || delta.isEmpty())
        return;
    m_hasOutput = true;
    m_reasoning += delta;
    Q_EMIT reasoningDelta(delta);
}

void ChatStream::deliverToolCallStarted(int index, const QString &id, const QString &name)
{
    if (m_ended)
        return;
    m_hasOutput = true;
    Q_EMIT toolCallStarted(index, id, name);
}

void ChatStream::deliverToolCallArguments(int index, const QString &fragment)
{
    if (m_ended || fragment.isEmpty())
        return;
    Q_EMIT toolCallArgumentsDelta(index, fragment);
}

void ChatStream::deliverToolCallCompleted(int index, const ToolCall &call)
{
    if (m_ended)
        return;
    m_hasOutput = true;
    m_toolCalls.append(call);
    Q_EMIT toolCallCompleted(index, call.id, call.name, call.arguments);
}

void ChatStream::deliverUsage(const Usage &u)
{
    if (m_ended)
        return;
    Q_EMIT usage(u);
}

void ChatStream::deliverFinished(StopReason reason)
{
    if (m_ended)
        return;
    m_ended = true;
    Q_EMIT finished(reason);
}

void ChatStream::deliverError(const LlmError &error)
{
    if (m_ended)
        return;
    m_ended = true;
    Q_EMIT errorOccurred(error);
}
