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
    case Kind::OutputTooLarge:
        return QStringLiteral("model_output_too_large");
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

qint64 utf8Length(QStringView text)
{
    qint64 bytes = 0;
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = text.at(i).unicode();
        if (c < 0x80) {
            bytes += 1;
        } else if (c < 0x800) {
            bytes += 2;
        } else if (QChar::isHighSurrogate(c) && i + 1 < n
                   && QChar::isLowSurrogate(text.at(i + 1).unicode())) {
            bytes += 4;
            ++i;
        } else {
            bytes += 3;
        }
    }
    return bytes;
}

QString byteSizeText(qint64 bytes)
{
    constexpr qint64 kKiB = 1024;
    constexpr qint64 kMiB = 1024 * kKiB;
    auto unit = [bytes](qint64 size, const char *name) {
        const double value = double(bytes) / double(size);
        const QString number = bytes % size == 0 ? QString::number(bytes / size)
                                                 : QString::number(value, 'f', 1);
        return number + QLatin1Char(' ') + QLatin1String(name);
    };
    if (bytes >= kMiB)
        return unit(kMiB, "MiB");
    if (bytes >= kKiB)
        return unit(kKiB, "KiB");
    return QStringLiteral("%1 bytes").arg(bytes);
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

bool ChatStream::outputFits(QStringView delta)
{
    m_outputBytes += utf8Length(delta);
    if (m_limits.maxTextBytes <= 0 || m_outputBytes <= m_limits.maxTextBytes)
        return true;
    deliverTooLarge(LlmError::Bound::Text,
                    tr("The model's answer passed %1; it was stopped.")
                            .arg(byteSizeText(m_limits.maxTextBytes)));
    return false;
}

bool ChatStream::toolArgumentsFit(qint64 bytes)
{
    if (m_ended)
        return false;
    if (m_limits.maxToolArgumentBytes <= 0 || bytes <= m_limits.maxToolArgumentBytes)
        return true;
    deliverTooLarge(LlmError::Bound::ToolArguments,
                    tr("The arguments of one tool call passed %1; the answer was stopped.")
                            .arg(byteSizeText(m_limits.maxToolArgumentBytes)));
    return false;
}

void ChatStream::deliverTooLarge(LlmError::Bound bound, const QString &message)
{
    LlmError error {LlmError::Kind::OutputTooLarge, m_providerName, 0, message, false};
    error.bound = bound;
    deliverError(error);
}

void ChatStream::deliverText(const QString &delta)
{
    if (m_ended || delta.isEmpty() || !outputFits(delta))
        return;
    m_hasOutput = true;
    m_text += delta;
    Q_EMIT textDelta(delta);
}

void ChatStream::deliverReasoning(const QString &delta)
{
    if (m_ended || delta.isEmpty() || !outputFits(delta))
        return;
    m_hasOutput = true;
    m_reasoning += delta;
    Q_EMIT reasoningDelta(delta);
}

void ChatStream::deliverToolCallStarted(int index, const QString &id, const QString &name)
{
    if (m_ended)
        return;
    if (m_limits.maxToolCalls > 0 && ++m_startedCalls > m_limits.maxToolCalls) {
        deliverTooLarge(LlmError::Bound::ToolCalls,
                        tr("The model asked for more than %n tool calls in one answer; it was "
                           "stopped.",
                           nullptr, m_limits.maxToolCalls));
        return;
    }
    m_hasOutput = true;
    Q_EMIT toolCallStarted(index, id, name);
}

void ChatStream::deliverToolCallArguments(int index, const QString &fragment)
{
    if (m_ended || fragment.isEmpty())
        return;
    qint64 &bytes = m_argumentBytes[index];
    bytes += utf8Length(fragment);
    if (!toolArgumentsFit(bytes))
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
