#include "httpstreamconnection.h"

#include "logging.h"

#include <QNetworkProxy>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>

#if QT_CONFIG(ssl)
#include <QSslSocket>
#endif

namespace {

constexpr qint64 kMaxChunkLine = 1024; // "<hex size>[;extensions]"

/// The proxy QNetworkAccessManager would take for `url` (the application's, or the system's
/// such as https_proxy), if a socket can go through it: one that tunnels (CONNECT, SOCKS).
QNetworkProxy proxyFor(const QUrl &url)
{
    const QList<QNetworkProxy> proxies
            = QNetworkProxyFactory::proxyForQuery(QNetworkProxyQuery(url));
    for (const QNetworkProxy &proxy : proxies) {
        if (proxy.type() == QNetworkProxy::NoProxy || proxy.type() == QNetworkProxy::DefaultProxy
            || proxy.capabilities().testFlag(QNetworkProxy::TunnelingCapability))
            return proxy;
    }
    return QNetworkProxy(QNetworkProxy::NoProxy);
}

bool hasLineBreak(const QByteArray &bytes)
{
    return bytes.contains('\r') || bytes.contains('\n');
}

} // namespace

HttpStreamConnection::HttpStreamConnection(QObject *parent)
    : QObject(parent)
{ }

HttpStreamConnection::~HttpStreamConnection()
{
    dropSocket();
}

void HttpStreamConnection::start(const QByteArray &method, const QUrl &url,
                                 const QList<QPair<QByteArray, QByteArray>> &headers,
                                 const QByteArray &body)
{
    if (m_state != State::Idle)
        return;
    m_state = State::Head;
    m_host = url.host();
    const QString scheme = url.scheme().toLower();
    const bool tls = scheme == QLatin1String("https");
    const auto failLater = [this](Failure failure, const QString &message) {
        QTimer::singleShot(0, this, [this, failure, message] { fail(failure, message); });
    };
    if ((!tls && scheme != QLatin1String("http")) || url.host().isEmpty()) {
        failLater(Failure::UnsupportedUrl,
                  tr("%1 is not an http or https URL").arg(url.toDisplayString()));
        return;
    }
    for (const auto &[name, value] : headers) {
        // A line break would let a value (an API key from a config) add headers of its own.
        if (hasLineBreak(name) || hasLineBreak(value) || name.isEmpty()) {
            failLater(Failure::UnsupportedUrl,
                      tr("the request header %1 contains a line break")
                              .arg(QString::fromLatin1(name.left(64))));
            return;
        }
    }
    const quint16 port = quint16(url.port(tls ? 443 : 80));

    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    if (url.port() != -1)
        host += ':' + QByteArray::number(port);
    QByteArray request = method + ' ' + target + " HTTP/1.1\r\nHost: " + host
            + "\r\nConnection: close\r\nAccept-Encoding: identity\r\nContent-Length: "
            + QByteArray::number(body.size()) + "\r\n";
    for (const auto &[name, value] : headers) {
        const QByteArray lower = name.toLower();
        if (lower == "host" || lower == "connection" || lower == "content-length"
            || lower == "accept-encoding" || lower == "transfer-encoding")
            continue; // set above
        request += name + ": " + value + "\r\n";
    }
    request += "\r\n";
    request += body;

    const auto send = [this, request] {
        if (m_socket)
            m_socket->write(request);
    };
#if QT_CONFIG(ssl)
    QSslSocket *tlsSocket = nullptr;
#endif
    if (tls) {
#if QT_CONFIG(ssl)
        if (!QSslSocket::supportsSsl()) {
            failLater(Failure::UnsupportedUrl, tr("TLS is not available for %1").arg(m_host));
            return;
        }
        tlsSocket = new QSslSocket(this);
        m_socket = tlsSocket;
        // Sent once the handshake verified the server: the key never goes to another one.
        connect(tlsSocket, &QSslSocket::encrypted, this, send);
#else
        failLater(Failure::UnsupportedUrl, tr("TLS is not available for %1").arg(m_host));
        return;
#endif
    } else {
        m_socket = new QTcpSocket(this);
        connect(m_socket, &QTcpSocket::connected, this, send);
    }
    m_socket->setProxy(proxyFor(url));
    m_socket->setReadBufferSize(kSocketBufferBytes);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpStreamConnection::pump);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpStreamConnection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &HttpStreamConnection::onSocketError);
#if QT_CONFIG(ssl)
    if (tlsSocket) {
        tlsSocket->connectToHostEncrypted(url.host(), port);
        return;
    }
#endif
    m_socket->connectToHost(url.host(), port);
}

void HttpStreamConnection::abort()
{
    m_state = State::Done;
    m_reported = true; // no signal from here on
    dropSocket();
}

void HttpStreamConnection::dropSocket()
{
    if (!m_socket)
        return;
    QTcpSocket *socket = m_socket;
    m_socket = nullptr;
    socket->disconnect(this);
    socket->abort();
    socket->deleteLater();
}

QByteArray HttpStreamConnection::header(const QByteArray &name) const
{
    const QByteArray lower = name.toLower();
    QByteArray out;
    for (const auto &[n, v] : m_headers) {
        if (n != lower)
            continue;
        if (!out.isEmpty())
            out += ", ";
        out += v;
    }
    return out;
}

bool HttpStreamConnection::takeLine(QByteArray *line, qint64 max)
{
    if (!m_socket->canReadLine()) {
        // The bounded buffer is full without a line break: no line of ours is this long.
        if (m_socket->bytesAvailable() >= std::min(max, kSocketBufferBytes)
            || (m_closed && m_socket->bytesAvailable() > 0)) {
            fail(m_state == State::Head ? Failure::Protocol : Failure::BrokenBody,
                 tr("%1 sent a line of the response longer than %2 bytes").arg(m_host).arg(max));
        }
        return false;
    }
    *line = m_socket->readLine(max + 2);
    if (!line->endsWith('\n')) {
        fail(m_state == State::Head ? Failure::Protocol : Failure::BrokenBody,
             tr("%1 sent a line of the response longer than %2 bytes").arg(m_host).arg(max));
        return false;
    }
    line->chop(1);
    if (line->endsWith('\r'))
        line->chop(1);
    return true;
}

bool HttpStreamConnection::readHead()
{
    QByteArray line;
    while (m_state == State::Head) {
        if (!takeLine(&line, kMaxHeadBytes))
            return false;
        m_headBytes += line.size() + 2;
        if (m_headBytes > kMaxHeadBytes) {
            fail(Failure::Protocol,
                 tr("%1 sent a response head longer than %2 bytes").arg(m_host).arg(kMaxHeadBytes));
            return false;
        }
        if (m_status == 0) {
            // "HTTP/1.1 200 OK"
            const QList<QByteArray> parts = line.split(' ');
            bool ok = false;
            const int status = parts.size() >= 2 ? parts.at(1).toInt(&ok) : 0;
            if (!line.startsWith("HTTP/1.") || !ok || status < 100 || status > 999) {
                fail(Failure::Protocol,
                     tr("%1 did not answer with HTTP/1.x: \"%2\"")
                             .arg(m_host, QString::fromLatin1(line.left(80))));
                return false;
            }
            m_status = status;
            continue;
        }
        if (!line.isEmpty()) {
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0 || line.at(0) == ' ' || line.at(0) == '\t') {
                fail(Failure::Protocol,
                     tr("%1 sent a malformed response header: \"%2\"")
                             .arg(m_host, QString::fromLatin1(line.left(80))));
                return false;
            }
            if (m_headers.size() >= kMaxHeaders) {
                fail(Failure::Protocol,
                     tr("%1 sent more than %2 response headers").arg(m_host).arg(kMaxHeaders));
                return false;
            }
            m_headers.append({line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
            continue;
        }
        // The end of the head. An interim response (100 Continue, 103) is followed by the real
        // one.
        if (m_status < 200 && m_status != 101) {
            m_status = 0;
            m_headers.clear();
            continue;
        }
        return headComplete();
    }
    return true;
}

bool HttpStreamConnection::headComplete()
{
    const QByteArray encoding = header("content-encoding").toLower();
    if (!encoding.isEmpty() && encoding != "identity") {
        fail(Failure::Protocol,
             tr("%1 sent a compressed body (Content-Encoding: %2), which was not asked for")
                     .arg(m_host, QString::fromLatin1(encoding.left(40))));
        return false;
    }
    const QByteArray transfer = header("transfer-encoding").toLower();
    const QByteArray length = header("content-length");
    if (transfer.contains("chunked")) {
        m_state = State::ChunkSize;
    } else if (m_status == 204 || m_status == 304) {
        m_state = State::Done;
    } else if (!length.isEmpty()) {
        bool ok = false;
        m_remaining = length.toLongLong(&ok);
        if (!ok || m_remaining < 0) {
            fail(Failure::Protocol,
                 tr("%1 sent an invalid Content-Length: %2")
                         .arg(m_host, QString::fromLatin1(length.left(40))));
            return false;
        }
        m_state = m_remaining == 0 ? State::Done : State::Length;
    } else {
        m_state = State::UntilClose;
    }
    const QPointer<HttpStreamConnection> self(this);
    const State framing = m_state;
    m_state = State::Head; // not Done while the receiver looks at the head
    Q_EMIT responseStarted();
    if (!self || m_state == State::Done)
        return false; // aborted by the receiver
    m_state = framing;
    return true;
}

void HttpStreamConnection::pump()
{
    if (m_pumping || !m_socket || m_reported)
        return;
    m_pumping = true;
    const QPointer<HttpStreamConnection> self(this);
    QByteArray line;
    while (m_socket && m_state != State::Done) {
        if (m_state == State::Head) {
            if (!readHead() || !self)
                break;
            if (m_state == State::Done) {
                if (m_failure == Failure::None)
                    finish(); // a response without a body
                break;
            }
            continue;
        }
        // One piece of the body: the receiver handles it before more is read.
        QByteArray piece;
        while (piece.size() < kPieceBytes && m_state != State::Done) {
            if (m_state == State::ChunkSize) {
                if (!takeLine(&line, kMaxChunkLine))
                    break;
                const qsizetype semicolon = line.indexOf(';');
                bool ok = false;
                const QByteArray hex = (semicolon < 0 ? line : line.left(semicolon)).trimmed();
                m_remaining = hex.size() <= 15 ? hex.toLongLong(&ok, 16) : -1;
                if (!ok || m_remaining < 0) {
                    fail(Failure::BrokenBody,
                         tr("%1 sent a malformed chunk size: \"%2\"")
                                 .arg(m_host, QString::fromLatin1(line.left(40))));
                    break;
                }
                m_state = m_remaining == 0 ? State::Trailers : State::ChunkData;
            } else if (m_state == State::ChunkEnd) {
                if (!takeLine(&line, kMaxChunkLine))
                    break;
                if (!line.isEmpty()) {
                    fail(Failure::BrokenBody,
                         tr("%1 sent a chunk longer than it said").arg(m_host));
                    break;
                }
                m_state = State::ChunkSize;
            } else if (m_state == State::Trailers) {
                if (!takeLine(&line, kMaxHeadBytes))
                    break;
                m_headBytes += line.size() + 2;
                if (m_headBytes > 2 * kMaxHeadBytes) {
                    fail(Failure::BrokenBody, tr("%1 sent too many trailers").arg(m_host));
                    break;
                }
                if (line.isEmpty())
                    m_state = State::Done;
            } else {
                // ChunkData, Length, UntilClose
                qint64 want = kPieceBytes - piece.size();
                if (m_state != State::UntilClose)
                    want = std::min(want, m_remaining);
                const QByteArray bytes = m_socket->read(want);
                if (bytes.isEmpty())
                    break;
                piece += bytes;
                if (m_state == State::UntilClose)
                    continue;
                m_remaining -= bytes.size();
                if (m_remaining == 0)
                    m_state = m_state == State::Length ? State::Done : State::ChunkEnd;
            }
        }
        if (!piece.isEmpty()) {
            Q_EMIT bodyData(piece);
            if (!self)
                return;
            if (!m_socket)
                break; // aborted by the receiver
        }
        if (m_failure != Failure::None)
            break; // reported below, after what came before it
        if (m_state == State::Done) {
            finish();
            break;
        }
        if (piece.isEmpty())
            break; // needs more bytes
    }
    if (!self)
        return;
    m_pumping = false;
    if (m_failure != Failure::None) {
        reportFailure();
        return;
    }
    if (m_closed && m_state != State::Done && m_socket && m_socket->bytesAvailable() == 0)
        onDisconnected();
}

void HttpStreamConnection::finish()
{
    if (m_failure != Failure::None || !m_socket || m_reported)
        return;
    m_state = State::Done;
    m_reported = true;
    dropSocket();
    Q_EMIT finished();
}

void HttpStreamConnection::onDisconnected()
{
    if (m_state == State::Done || !m_socket)
        return;
    m_closed = true;
    if (m_pumping)
        return; // pump() comes back here when it is done
    // What the socket still holds is read first.
    if (m_socket->bytesAvailable() > 0) {
        pump();
        if (m_pumping || m_state == State::Done || !m_socket || m_socket->bytesAvailable() > 0)
            return; // pump() comes back here when it has read the rest
    }
    if (m_state == State::UntilClose) {
        finish();
        return;
    }
    if (m_status == 0)
        fail(Failure::ConnectionFailed,
             tr("%1 closed the connection without a response").arg(m_host));
    else
        fail(Failure::BrokenBody,
             tr("%1 closed the connection before the end of the response").arg(m_host));
}

void HttpStreamConnection::onSocketError()
{
    if (!m_socket || m_state == State::Done)
        return;
    const QAbstractSocket::SocketError error = m_socket->error();
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onDisconnected(); // a close, as far as HTTP is concerned
        return;
    }
    Failure failure = m_status ? Failure::BrokenBody : Failure::ConnectionFailed;
    if (error == QAbstractSocket::HostNotFoundError)
        failure = Failure::HostNotFound;
    else if (error == QAbstractSocket::SslHandshakeFailedError
             || error == QAbstractSocket::SslInternalError
             || error == QAbstractSocket::SslInvalidUserDataError)
        failure = Failure::Tls;
    fail(failure, m_socket->errorString());
}

void HttpStreamConnection::fail(Failure failure, const QString &message)
{
    if (m_failure != Failure::None || m_reported)
        return;
    qCDebug(lcLlm).noquote() << "HTTP response from" << m_host << "failed:" << message;
    m_state = State::Done;
    m_failure = failure;
    m_errorString = message;
    if (!m_pumping)
        reportFailure(); // else pump() first delivers what it decoded before the failure
}

void HttpStreamConnection::reportFailure()
{
    if (m_reported)
        return;
    m_reported = true;
    dropSocket();
    Q_EMIT finished();
}
