#pragma once

#include "sseparser.h"
#include "transport.h"

#include <QMap>
#include <QPointer>
#include <QUrl>

class QNetworkAccessManager;
class QNetworkReply;

/// The HTTP+SSE transport of protocol revision 2024-11-05: a GET opens an SSE stream whose
/// first `endpoint` event names the URL to POST messages to; every server message, responses
/// included, arrives as a `message` event on that stream.
class LegacySseTransport : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LegacySseTransport)

public:
    struct Options
    {
        QUrl url; ///< the SSE endpoint
        QMap<QString, QString> headers;
        int connectTimeoutMs = 30000;
    };

    explicit LegacySseTransport(Options options, QObject *parent = nullptr);
    ~LegacySseTransport() override;

    void open() override;
    void send(const JsonRpc::Message &message) override;
    void close() override;
    [[nodiscard]] QString describe() const override;

    [[nodiscard]] const QUrl &postUrl() const { return m_postUrl; }

private:
    void onStreamData();
    void onStreamFinished();

    Options m_options;
    QNetworkAccessManager *m_nam = nullptr;
    QPointer<QNetworkReply> m_stream;
    SseParser m_parser;
    QUrl m_postUrl;
    bool m_closing = false;
};
