#pragma once

#include "sseparser.h"
#include "transport.h"

#include <QMap>
#include <QPointer>
#include <QSet>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

/// MCP Streamable HTTP (2025-03-26 and later): every message is a POST to one endpoint that
/// answers with JSON or with an SSE stream; `Mcp-Session-Id` is echoed; `MCP-Protocol-Version`
/// goes on every request after initialize; an optional GET stream carries server-initiated
/// messages; a stream that drops before its response arrives is resumed with GET +
/// `Last-Event-ID` after the server's `retry` delay; events with empty data (priming) are
/// skipped; DELETE ends the session on close.
///
/// HTTP failures of a request come back as a JSON-RPC error for that request with
/// `data.httpStatus`; a 404 on an established session (or a 400 naming the session) also
/// sets `data.sessionExpired` and emits sessionExpired().
class StreamableHttpTransport : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(StreamableHttpTransport)

public:
    struct Options
    {
        QUrl url;
        QMap<QString, QString> headers; ///< custom headers from the config (e.g. Authorization)
        bool openGetStream = true; ///< open the optional GET stream after initialize
        int defaultRetryMs = 1000; ///< reconnection delay when the server sets none
        int maxResumeAttempts = 5; ///< consecutive reconnections without any new event
    };

    explicit StreamableHttpTransport(Options options, QObject *parent = nullptr);
    ~StreamableHttpTransport() override;

    void open() override;
    void send(const JsonRpc::Message &message) override;
    void close() override;
    void setProtocolVersion(const QString &version) override { m_protocolVersion = version; }
    void setInitialized() override;
    void resetSession() override;
    [[nodiscard]] QString describe() const override;

    [[nodiscard]] const QString &sessionId() const { return m_sessionId; }
    /// True while the standalone GET stream for server-initiated messages is open.
    [[nodiscard]] bool hasServerStream() const { return m_serverStreamOpen; }
    [[nodiscard]] bool serverStreamUnsupported() const { return m_getStreamUnsupported; }

Q_SIGNALS:
    /// The GET stream for server-initiated messages is open (the server can reach us).
    void serverStreamOpened();
    /// The server offers no GET stream (405, 404 or another 4xx); that is allowed.
    void serverStreamUnavailable();

private:
    /// One SSE stream: a POST response, a resumption GET for one, or the standalone GET.
    struct Stream
    {
        QPointer<QNetworkReply> reply;
        SseParser parser;
        QSet<QString> awaiting; ///< idKeys of requests whose responses this stream carries
        QJsonValue requestId {QJsonValue::Undefined}; ///< the request this POST answers, if any
        bool standalone = false; ///< the optional GET stream for server-initiated messages
        bool isSse = false;
        bool sawEvent = false;
        int attempts = 0;
        QByteArray body; ///< non-SSE body (JSON or error text)
        quint64 serial = 0; ///< unique per stream: a delayed resume finds exactly its stream
    };

    QNetworkRequest makeRequest(bool sse) const;
    void watch(QNetworkReply *reply, Stream *stream);
    void onReadyRead(Stream *stream);
    void onFinished(Stream *stream);
    void dispatchPayload(Stream *stream, const QByteArray &payload);
    void failAwaiting(Stream *stream, int httpStatus, const QString &message, bool expired);
    void resume(Stream *stream, int delayMs);
    void openStandaloneStream();
    void captureSessionId(QNetworkReply *reply);

    Options m_options;
    QNetworkAccessManager *m_nam = nullptr;
    QString m_sessionId;
    QString m_protocolVersion;
    QList<Stream *> m_streams;
    bool m_initialized = false;
    bool m_closing = false;
    bool m_getStreamUnsupported = false;
    bool m_serverStreamOpen = false;
    quint64 m_nextSerial = 0;
};
