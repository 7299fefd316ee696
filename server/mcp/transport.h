#pragma once

#include "jsonrpc.h"

#include <QJsonValue>
#include <QObject>
#include <QStringList>

/// Where an incoming message arrived, as far as the transport can tell. Server requests
/// (sampling, elicitation) are routed by it: exactly where the channel names a request, and
/// never by guessing where it does not.
struct MessageOrigin
{
    enum class Channel {
        Shared, ///< one channel carries everything (stdio, legacy HTTP+SSE): no relation known
        RequestStream, ///< the response stream of one of our requests (a Streamable HTTP POST)
        ServerStream, ///< the standalone stream for messages that belong to no request
    };
    Channel channel = Channel::Shared;
    QJsonValue requestId {QJsonValue::Undefined}; ///< RequestStream: whose stream carried it
};

/// A transport moves JSON-RPC messages to and from one MCP server; nothing more.
///
/// Contract for subclasses:
/// - open() is asynchronous and ends in exactly one of opened() or closed().
/// - send() may be called once opened; a failure to deliver a *request* is reported back as a
///   JSON-RPC error response for that request's id (so the session layer fails just that
///   request), with `data.httpStatus` where HTTP is involved.
/// - closed() is emitted exactly once, after which no message arrives; close() is graceful and
///   asynchronous (it may take a moment to stop a process).
/// - Malformed input is reported through errorOccurred() and skipped, never fatal.
class Transport : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Transport)

public:
    using QObject::QObject;
    ~Transport() override;

    virtual void open() = 0;
    virtual void send(const JsonRpc::Message &message) = 0;
    virtual void close() = 0;

    /// The negotiated protocol version, for transports that send it with every request.
    virtual void setProtocolVersion(const QString &version) { Q_UNUSED(version) }
    /// Called by the client once the lifecycle handshake is complete.
    virtual void setInitialized() { }
    /// Forget the server-side session (after it expired); the next initialize starts a new one.
    virtual void resetSession() { }

    /// A short description for diagnostics, e.g. "stdio: npx -y server" or "http: URL".
    [[nodiscard]] virtual QString describe() const = 0;
    /// Recent server output useful when something fails (the stdio server's stderr tail).
    [[nodiscard]] virtual QStringList diagnostics() const { return {}; }
    [[nodiscard]] bool isOpen() const { return m_open; }

Q_SIGNALS:
    void opened();
    void messageReceived(const JsonRpc::Message &message, const MessageOrigin &origin = {});
    void closed(const QString &reason);
    void errorOccurred(const QString &message);
    /// One line the server wrote to its log (stderr for stdio servers).
    void serverLog(const QString &line);
    /// The server no longer knows our session (HTTP 404): the client must initialize again.
    void sessionExpired();

protected:
    void markOpened();
    void markClosed(const QString &reason);

private:
    bool m_open = false;
    bool m_closed = false;
};
