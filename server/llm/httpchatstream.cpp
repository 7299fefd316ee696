#include "httpchatstream.h"

#include "httpstreamconnection.h"
#include "logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <algorithm>

namespace {
constexpr qsizetype kMaxErrorBody = qsizetype(64) * 1024;

QString shortened(const QString &text, int max = 500)
{
    QString t = text.simplified();
    if (t.size() > max)
        t = t.left(max) + QStringLiteral("…");
    return t;
}
} // namespace

ToolNameMap::ToolNameMap(const QList<ToolDefinition> &tools)
{
    static const QRegularExpression invalid(QStringLiteral("[^A-Za-z0-9_-]"));
    for (const ToolDefinition &tool : tools) {
        QString wire = tool.name;
        wire.replace(invalid, QStringLiteral("_"));
        if (wire.isEmpty())
            wire = QStringLiteral("tool");
        wire.truncate(64);
        // Two names may collapse to one; keep them apart with a numeric suffix.
        for (int n = 2; m_fromWire.contains(wire) && m_fromWire.value(wire) != tool.name; ++n) {
            const QString suffix = QLatin1Char('_') + QString::number(n);
            wire = wire.left(64 - suffix.size()) + suffix;
        }
        m_toWire.insert(tool.name, wire);
        m_fromWire.insert(wire, tool.name);
    }
}

QString ToolNameMap::toWire(const QString &name) const
{
    return m_toWire.value(name, name);
}

QString ToolNameMap::fromWire(const QString &wireName) const
{
    return m_fromWire.value(wireName, wireName);
}

HttpChatStream::HttpChatStream(HttpProviderOptions options, const QString &provider,
                               QString providerLabel, QObject *parent)
    : ChatStream(parent)
    , m_options(std::move(options))
    , m_label(std::move(providerLabel))
{
    setProviderName(provider);
    m_idleTimer.setSingleShot(true);
    m_requestTimer.setSingleShot(true);
    m_retryTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &HttpChatStream::onIdleTimeout);
    connect(&m_requestTimer, &QTimer::timeout, this, &HttpChatStream::onRequestTimeout);
    connect(&m_retryTimer, &QTimer::timeout, this, &HttpChatStream::sendAttempt);
}

HttpChatStream::~HttpChatStream()
{
    stopReply();
}

void HttpChatStream::begin(const QNetworkRequest &request, const QByteArray &body)
{
    m_request = request;
    m_body = body;
    sendAttempt();
}

void HttpChatStream::cancel()
{
    if (isFinished())
        return;
    qCDebug(lcLlm) << m_label << "request cancelled";
    m_retryTimer.stop();
    stopReply();
    ChatStream::cancel();
}

void HttpChatStream::sendAttempt()
{
    if (isFinished())
        return;
    ++m_attempt;
    m_status = 0;
    m_sse = true;
    m_errorBody.clear();
    m_parser = SseParser();
    m_lineBytes = 0;
    m_eventBytes = 0;
    m_afterCr = false;
    resetAttempt();
    qCDebug(lcLlm) << m_label << "POST" << m_request.url().toDisplayString() << "attempt"
                   << m_attempt;
    QList<QPair<QByteArray, QByteArray>> headers;
    const QList<QByteArray> names = m_request.rawHeaderList();
    for (const QByteArray &name : names)
        headers.append({name, m_request.rawHeader(name)});
    m_reply = new HttpStreamConnection(this);
    connect(m_reply, &HttpStreamConnection::responseStarted, this,
            &HttpChatStream::onResponseStarted);
    connect(m_reply, &HttpStreamConnection::bodyData, this, &HttpChatStream::onBodyData);
    connect(m_reply, &HttpStreamConnection::finished, this, &HttpChatStream::onFinished);
    m_reply->start(QByteArrayLiteral("POST"), m_request.url(), headers, m_body);
    if (m_options.idleTimeoutMs > 0)
        m_idleTimer.start(m_options.idleTimeoutMs);
    if (m_options.requestTimeoutMs > 0)
        m_requestTimer.start(m_options.requestTimeoutMs);
}

void HttpChatStream::stopReply()
{
    m_idleTimer.stop();
    m_requestTimer.stop();
    if (HttpStreamConnection *reply = m_reply.data()) {
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void HttpChatStream::onResponseStarted()
{
    if (!m_reply)
        return;
    if (m_options.idleTimeoutMs > 0)
        m_idleTimer.start(m_options.idleTimeoutMs);
    m_status = m_reply->status();
    m_sse = m_status < 300
            && m_reply->header(QByteArrayLiteral("content-type"))
                       .toLower()
                       .contains("text/event-stream");
}

void HttpChatStream::onBodyData(const QByteArray &bytes)
{
    if (!m_reply)
        return;
    if (m_options.idleTimeoutMs > 0)
        m_idleTimer.start(m_options.idleTimeoutMs);
    if (m_status >= 300 || !m_sse) {
        if (m_errorBody.size() < kMaxErrorBody)
            m_errorBody += bytes.left(kMaxErrorBody - m_errorBody.size());
        return;
    }
    processBytes(bytes);
}

bool HttpChatStream::eventFits(QByteArrayView bytes)
{
    // The parser would buffer a line (and an event's data lines) whole: measure them first, in
    // one pass over the new bytes, so an endless line costs no more than the bound.
    const char *p = bytes.data();
    const qsizetype n = bytes.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = p[i];
        if (c != '\n' && c != '\r') {
            ++m_lineBytes;
            m_afterCr = false;
            continue;
        }
        const bool secondHalfOfCrLf = c == '\n' && m_afterCr;
        m_afterCr = c == '\r';
        if (secondHalfOfCrLf)
            continue;
        if (m_lineBytes == 0)
            m_eventBytes = 0; // a blank line ends the event
        else
            m_eventBytes += m_lineBytes + 1;
        m_lineBytes = 0;
    }
    if (m_options.maxEventBytes <= 0 || m_eventBytes + m_lineBytes <= m_options.maxEventBytes)
        return true;
    qCWarning(lcLlm) << m_label << "sent an event longer than" << m_options.maxEventBytes
                     << "bytes; stopping the stream";
    stopReply();
    deliverTooLarge(LlmError::Bound::Event,
                    tr("%1 sent one stream event longer than %2 (provider.max_sse_line_bytes); the "
                       "stream was "
                       "stopped.")
                            .arg(m_label, byteSizeText(m_options.maxEventBytes)));
    return false;
}

void HttpChatStream::processBytes(const QByteArray &bytes)
{
    if (!eventFits(bytes))
        return;
    const QList<SseEvent> events = m_parser.feed(bytes);
    const QPointer<HttpChatStream> self(this);
    for (const SseEvent &event : events) {
        handleEvent(event);
        if (!self)
            return; // a receiver deleted us (it should have used deleteLater)
        if (isFinished() || !m_reply)
            break;
    }
    if (isFinished())
        stopReply();
}

void HttpChatStream::onFinished()
{
    HttpStreamConnection *reply = m_reply.data();
    if (!reply)
        return;
    m_status = reply->status();
    using Failure = HttpStreamConnection::Failure;
    const Failure failure = reply->failure();
    const QByteArray retryAfter = reply->header(QByteArrayLiteral("retry-after"));
    const QByteArray retryAfterMsHeader = reply->header(QByteArrayLiteral("retry-after-ms"));
    const QString errorString = reply->errorString();
    m_reply.clear();
    reply->disconnect(this);
    reply->deleteLater();
    m_idleTimer.stop();
    m_requestTimer.stop();

    if (m_status >= 300) {
        handleHttpError(m_status, m_errorBody, retryAfterMs(retryAfter, retryAfterMsHeader));
        return;
    }
    if (m_status == 0) {
        // No HTTP response at all: refused, reset, DNS, TLS, not HTTP.
        const bool retryable = failure != Failure::HostNotFound && failure != Failure::Tls
                && failure != Failure::UnsupportedUrl && failure != Failure::Protocol;
        retryOrFail({LlmError::Kind::Network, providerName(), 0,
                     tr("Could not reach %1: %2").arg(m_label, errorString), retryable},
                    -1);
        return;
    }
    if (!m_sse) {
        const QString providerMessage = errorMessageFromBody(m_errorBody);
        failStream(LlmError::Kind::Protocol,
                   tr("%1 answered HTTP %2 without an event stream: %3")
                           .arg(m_label)
                           .arg(m_status)
                           .arg(providerMessage.isEmpty()
                                        ? shortened(QString::fromUtf8(m_errorBody))
                                        : providerMessage),
                   false, m_status);
        return;
    }
    if (isFinished() || m_retryTimer.isActive())
        return;
    if (failure == Failure::None && completeAtEndOfBody())
        return;
    if (isFinished())
        return;
    failStream(
            LlmError::Kind::Network,
            failure == Failure::None
                    ? tr("The connection to %1 closed before the end of the stream.").arg(m_label)
                    : tr("The stream from %1 broke off: %2").arg(m_label, errorString),
            true, m_status);
}

void HttpChatStream::onIdleTimeout()
{
    stopReply();
    deliverError({LlmError::Kind::Timeout, providerName(), m_status,
                  tr("%1 sent nothing for %2 s; the stream stalled.")
                          .arg(m_label)
                          .arg(m_options.idleTimeoutMs / 1000.0),
                  true});
}

void HttpChatStream::onRequestTimeout()
{
    stopReply();
    deliverError({LlmError::Kind::Timeout, providerName(), m_status,
                  tr("%1 did not complete the answer within %2 s.")
                          .arg(m_label)
                          .arg(m_options.requestTimeoutMs / 1000.0),
                  true});
}

void HttpChatStream::handleHttpError(int status, const QByteArray &body, int retryAfter)
{
    QString providerMessage = errorMessageFromBody(body);
    if (providerMessage.isEmpty())
        providerMessage = tr("no details");
    LlmError error {LlmError::Kind::InvalidRequest, providerName(), status, {}, false};
    if (status == 401 || status == 403) {
        error.kind = LlmError::Kind::Auth;
        error.message = tr("%1 rejected the request as unauthorized (HTTP %2): %3. Check the API "
                           "key for the %4 provider.")
                                .arg(m_label)
                                .arg(status)
                                .arg(providerMessage, providerName());
    } else if (status == 429) {
        error.kind = LlmError::Kind::RateLimited;
        error.retryable = true;
        error.message
                = tr("%1 is rate limiting requests (HTTP 429): %2").arg(m_label, providerMessage);
    } else if (status == 408) {
        error.kind = LlmError::Kind::Timeout;
        error.retryable = true;
        error.message = tr("%1 timed out (HTTP 408): %2").arg(m_label, providerMessage);
    } else if (status >= 500) {
        error.kind = LlmError::Kind::Server;
        error.retryable = true;
        error.message = tr("%1 had a server error (HTTP %2): %3")
                                .arg(m_label)
                                .arg(status)
                                .arg(providerMessage);
    } else {
        error.message = tr("%1 refused the request (HTTP %2): %3")
                                .arg(m_label)
                                .arg(status)
                                .arg(providerMessage);
    }
    retryOrFail(error, retryAfter);
}

void HttpChatStream::failStream(LlmError::Kind kind, const QString &message, bool retryable,
                                int httpStatus)
{
    if (isFinished())
        return;
    stopReply();
    retryOrFail({kind, providerName(), httpStatus, message, retryable}, -1);
}

void HttpChatStream::retryOrFail(const LlmError &error, int retryAfter)
{
    LlmError e = error;
    e.message = redact(e.message);
    const int retriesUsed = m_attempt - 1;
    // A server asking for a longer pause than we would ever wait: report it instead.
    const bool waitTooLong = retryAfter > 2 * m_options.retryMaxDelayMs;
    if (e.retryable && !hasOutput() && retriesUsed < m_options.maxRetries && !waitTooLong) {
        const qint64 exp = qint64(m_options.retryBaseDelayMs) << std::min(retriesUsed, 20);
        const qint64 capped = std::min<qint64>(exp, m_options.retryMaxDelayMs);
        // Full jitter on the upper half keeps clients that failed together from retrying together.
        qint64 delay = capped / 2 + QRandomGenerator::global()->bounded(capped / 2 + 1);
        if (retryAfter >= 0)
            delay = std::max<qint64>(delay, retryAfter);
        qCInfo(lcLlm).noquote() << e.message
                                << QStringLiteral("- retry %1 of %2 in %3 ms")
                                           .arg(retriesUsed + 1)
                                           .arg(m_options.maxRetries)
                                           .arg(delay);
        m_retryTimer.start(int(delay));
        return;
    }
    if (e.retryable && retriesUsed > 0)
        e.message += tr(" (gave up after %n retries)", nullptr, retriesUsed);
    qCWarning(lcLlm).noquote() << e.message;
    deliverError(e);
}

QString HttpChatStream::redact(QString text) const
{
    if (m_options.apiKey.size() >= 8)
        text.replace(m_options.apiKey, QStringLiteral("[redacted]"));
    return text;
}

QString HttpChatStream::errorMessageFromBody(const QByteArray &body)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return shortened(QString::fromUtf8(body).trimmed(), 300);
    const QJsonObject obj = doc.object();
    const QJsonValue err = obj.value(QLatin1String("error"));
    if (err.isObject()) {
        const QJsonObject e = err.toObject();
        QString message = e.value(QLatin1String("message")).toString();
        if (message.isEmpty())
            message = e.value(QLatin1String("type")).toString();
        return shortened(message);
    }
    if (err.isString())
        return shortened(err.toString());
    for (const char *key : {"message", "detail"}) {
        const QJsonValue v = obj.value(QLatin1String(key));
        if (v.isString())
            return shortened(v.toString());
    }
    return shortened(QString::fromUtf8(body), 300);
}

int HttpChatStream::retryAfterMs(const QByteArray &retryAfter, const QByteArray &retryAfterMsHeader)
{
    bool ok = false;
    const double ms = retryAfterMsHeader.trimmed().toDouble(&ok);
    if (ok && ms >= 0)
        return int(std::min(ms, 1e9));
    const QByteArray value = retryAfter.trimmed();
    if (value.isEmpty())
        return -1;
    const double seconds = value.toDouble(&ok);
    if (ok && seconds >= 0)
        return int(std::min(seconds * 1000, 1e9));
    const QDateTime when = QDateTime::fromString(QString::fromLatin1(value), Qt::RFC2822Date);
    if (when.isValid())
        return int(std::clamp<qint64>(QDateTime::currentDateTimeUtc().msecsTo(when), 0, 1e9));
    return -1;
}

HttpChatModel::HttpChatModel(HttpProviderOptions options, const QUrl &defaultBaseUrl,
                             const QString &defaultModel, QObject *parent)
    : ChatModel(parent)
    , m_options(std::move(options))
{
    if (m_options.baseUrl.isEmpty())
        m_options.baseUrl = defaultBaseUrl;
    if (m_options.model.isEmpty())
        m_options.model = defaultModel;
}

HttpChatModel::~HttpChatModel() = default;

QUrl HttpChatModel::endpointUnder(const QString &path, const QString &dropSuffix) const
{
    QUrl url = m_options.baseUrl;
    QString base = url.path();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (!dropSuffix.isEmpty() && base.endsWith(dropSuffix))
        base.chop(dropSuffix.size());
    url.setPath(base + path);
    return url;
}

HttpProviderOptions HttpChatModel::optionsFor(const ChatRequest &request) const
{
    HttpProviderOptions options = m_options;
    if (!request.model.isEmpty())
        options.model = request.model;
    return options;
}
