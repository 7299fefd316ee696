#pragma once

#include "chatmodel.h"

#include <sseparser.h>

#include <QByteArray>
#include <QHash>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>
#include <QUrl>

class HttpStreamConnection;

/// Connection settings shared by the HTTP providers.
struct HttpProviderOptions
{
    QUrl baseUrl;
    QString apiKey; ///< never logged
    QString model;
    int maxRetries = 3; ///< extra attempts after 429 / 5xx / connection failures
    int retryBaseDelayMs = 1000; ///< first backoff delay; doubles per attempt, with jitter
    int retryMaxDelayMs = 30000; ///< cap of one backoff delay (and of an honoured Retry-After x2)
    int idleTimeoutMs = 60000; ///< a stream with no bytes for this long fails with Timeout
    int requestTimeoutMs = 600000; ///< one attempt may take at most this long (0: no limit)
    /// One server-sent event (its lines together, and so any one line) may be at most this
    /// long; a longer one ends the stream with OutputTooLarge before it is buffered.
    qint64 maxEventBytes = qint64(4) * 1024 * 1024;
};

/// Maps tool names to the names providers accept (`^[A-Za-z0-9_-]{1,64}$`) and back.
class ToolNameMap
{
public:
    explicit ToolNameMap(const QList<ToolDefinition> &tools = {});
    [[nodiscard]] QString toWire(const QString &name) const;
    [[nodiscard]] QString fromWire(const QString &wireName) const;

private:
    QHash<QString, QString> m_toWire;
    QHash<QString, QString> m_fromWire;
};

/// What the HTTP providers share as models: the options with the provider's defaults filled
/// in, the display name ("<provider>:<model>") and endpoint URLs under the base URL.
class HttpChatModel : public ChatModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpChatModel)

public:
    HttpChatModel(HttpProviderOptions options, const QUrl &defaultBaseUrl,
                  const QString &defaultModel, QObject *parent);
    ~HttpChatModel() override;

    [[nodiscard]] QString displayName() const override
    {
        return providerName() + QLatin1Char(':') + m_options.model;
    }
    [[nodiscard]] QString modelName() const override { return m_options.model; }

protected:
    /// `path` under the base URL (trailing slashes and a trailing `dropSuffix` of the base
    /// removed first, so ".../v1/" and ".../v1" give the same URL).
    [[nodiscard]] QUrl endpointUnder(const QString &path, const QString &dropSuffix = {}) const;
    /// The options for one call: the request's model, when it names one, wins.
    [[nodiscard]] HttpProviderOptions optionsFor(const ChatRequest &request) const;

    HttpProviderOptions m_options;
};

/// The HTTP + SSE part every remote provider shares: sending, retries with backoff, the idle
/// and request timeouts, HTTP error mapping, cancellation. Subclasses only interpret events.
///
/// The response is read through an HttpStreamConnection: each piece of the body is parsed and
/// handled (and a bound that it passes ends the stream) before more is read from the socket,
/// so a model that floods is held back by TCP, not buffered.
///
/// Retries happen only while nothing was delivered to the caller (a retry would repeat it):
/// HTTP 429, 408, 5xx, a connection refused/reset, a stream that ends or reports a retryable
/// error before any output. 401/403 and other 4xx are reported at once.
class HttpChatStream : public ChatStream
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpChatStream)

public:
    HttpChatStream(HttpProviderOptions options, const QString &provider, QString providerLabel,
                   QObject *parent);
    ~HttpChatStream() override;

    /// Sends the request (asynchronously); call once, right after construction.
    void begin(const QNetworkRequest &request, const QByteArray &body);
    void cancel() override;

    /// The message of an error body: OpenAI {"error":{"message"}}, Anthropic
    /// {"type":"error","error":{"message"}}, {"error":"…"}, {"message"|"detail":"…"}, or text.
    [[nodiscard]] static QString errorMessageFromBody(const QByteArray &body);
    /// Milliseconds from a Retry-After (seconds or HTTP date) or retry-after-ms header; -1 if none.
    [[nodiscard]] static int retryAfterMs(const QByteArray &retryAfter,
                                          const QByteArray &retryAfterMsHeader);

protected:
    /// Forget any per-attempt parse state (a retry starts a fresh response).
    virtual void resetAttempt() = 0;
    /// One SSE event of a successful response. Deliver output through the deliver* helpers,
    /// end with deliverFinished(), or report a problem with failStream().
    virtual void handleEvent(const SseEvent &event) = 0;
    /// The body ended (connection closed) before the stream ended. Return true if what was
    /// received is complete (e.g. a finish reason was seen and only the terminator is missing).
    virtual bool completeAtEndOfBody() { return false; }

    /// A problem inside the stream: retried if retryable and nothing was delivered yet.
    void failStream(LlmError::Kind kind, const QString &message, bool retryable,
                    int httpStatus = 0);
    [[nodiscard]] const HttpProviderOptions &options() const { return m_options; }
    [[nodiscard]] const QString &providerLabel() const { return m_label; }

private:
    void sendAttempt();
    void onResponseStarted();
    void onBodyData(const QByteArray &bytes);
    void onFinished();
    void onIdleTimeout();
    void onRequestTimeout();
    void processBytes(const QByteArray &bytes);
    /// Counts `bytes` into the current SSE line and event; false (and the stream ended) when
    /// the event passes maxEventBytes.
    bool eventFits(QByteArrayView bytes);
    void handleHttpError(int status, const QByteArray &body, int retryAfter);
    void retryOrFail(const LlmError &error, int retryAfter);
    void stopReply();
    [[nodiscard]] QString redact(QString text) const;

    HttpProviderOptions m_options;
    QString m_label;
    QNetworkRequest m_request;
    QByteArray m_body;
    QPointer<HttpStreamConnection> m_reply;
    SseParser m_parser;
    QByteArray m_errorBody;
    QTimer m_idleTimer;
    QTimer m_requestTimer;
    QTimer m_retryTimer;
    qint64 m_lineBytes = 0; // the unfinished SSE line so far
    qint64 m_eventBytes = 0; // the finished lines of the unfinished event
    bool m_afterCr = false; // the last byte seen was CR (a LF right after it ends no line)
    int m_attempt = 0;
    int m_status = 0;
    bool m_sse = true;
};
