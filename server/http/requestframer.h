#pragma once

#include "apierror.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

/// The request line and headers of one HTTP/1.1 request, as the framer accepted them.
struct RequestHead
{
    QByteArray method;
    QByteArray target; ///< as sent: origin-form ("/path?q") or absolute-form ("http://h/path")
    QByteArray version; ///< "HTTP/1.1" or "HTTP/1.0"
    QList<QPair<QByteArray, QByteArray>> headers; ///< names lower-case, values trimmed
    qint64 contentLength = 0; ///< 0 when there is no body or it is chunked
    bool chunked = false;

    /// The first value of a header (`name` in lower case), or empty.
    [[nodiscard]] QByteArray value(QByteArrayView name) const;
    /// The path of the target (without query), for absolute-form the part after the authority.
    [[nodiscard]] QByteArray path() const;
    /// The query of the target (after '?'), still percent-encoded.
    [[nodiscard]] QByteArray query() const;
    [[nodiscard]] bool hasBody() const { return chunked || contentLength > 0; }
};

/// A strict, incremental HTTP/1.1 request-framing parser: it reads the bytes of a connection
/// as they arrive and finds where each request (request line, headers, body by Content-Length
/// or chunked) begins and ends, refusing anything ambiguous or over a limit before it is
/// buffered: a request line over `maxRequestLineBytes` (414), a header block over
/// `maxHeaderBytes` or with more than `maxHeaderCount` headers (431), malformed lines, a
/// missing or repeated Host, repeated/negative/non-digit/overflowing Content-Length,
/// Transfer-Encoding other than `chunked` or together with Content-Length, bad chunk-size
/// lines, chunk extensions and trailers (400), and a body over `maxBodyBytes` or the request's
/// own `bodyLimit` (413, from Content-Length before the body is read; while reading for
/// chunked).
///
/// It only frames: it keeps no body. It accepts a subset of what QtHttpServer parses, so
/// that both always agree on where a request ends.
class RequestFramer
{
public:
    struct Limits
    {
        qint64 maxRequestLineBytes = 8192;
        qint64 maxHeaderBytes = 32768; ///< request line + headers + the empty line
        int maxHeaderCount = 100;
        qint64 maxBodyBytes = 1024 * 1024;
        /// The body limit of one request, from its head (a route with a larger or smaller
        /// limit than maxBodyBytes); unset: maxBodyBytes for every request.
        std::function<qint64(const RequestHead &)> bodyLimit;
    };

    enum class Event {
        None, ///< every byte consumed, the request goes on
        Started, ///< the first byte of a request arrived (consumed up to it)
        HeadComplete, ///< head() is filled; the body (if any) follows
        RequestComplete, ///< the request's last byte was consumed; call reset() for the next
        Failed, ///< error() says why; nothing further is parsed
    };

    struct Error
    {
        ApiError::Code code = ApiError::Code::BadRequestLine; ///< its status says 400/413/414/431
        QString message;
    };

    explicit RequestFramer(Limits limits);

    /// Consumes bytes from `data` until an event happens or the data ends; returns how many
    /// were consumed and sets *event. Call again with the rest after an event.
    qsizetype feed(QByteArrayView data, Event *event);
    /// After RequestComplete: starts looking for the next request.
    void reset();

    [[nodiscard]] bool isIdle() const { return m_state == State::Idle; }
    [[nodiscard]] bool isComplete() const { return m_state == State::Complete; }
    [[nodiscard]] bool hasFailed() const { return m_state == State::Failed; }
    [[nodiscard]] const RequestHead &head() const { return m_head; }
    [[nodiscard]] const Error &error() const { return m_error; }
    [[nodiscard]] const Limits &limits() const { return m_limits; }

private:
    enum class State {
        Idle,
        RequestLine,
        Headers,
        Body,
        ChunkSize,
        ChunkData,
        ChunkDataEnd,
        LastChunkEnd,
        Complete,
        Failed
    };

    Event fail(ApiError::Code code, const QString &message);
    Event onLine(); ///< m_line holds a complete line without CRLF
    Event onRequestLine();
    Event onHeaderLine();
    Event onHeadEnd();
    Event onChunkSizeLine();

    Limits m_limits;
    State m_state = State::Idle;
    RequestHead m_head;
    Error m_error;
    QByteArray m_line;
    qint64 m_headBytes = 0;
    qint64 m_remaining = 0; ///< body or chunk bytes still to come
    qint64 m_bodyBytes = 0; ///< chunked: body bytes announced so far
    qint64 m_bodyLimit = 0; ///< this request's body limit (set when its head ends)
};
