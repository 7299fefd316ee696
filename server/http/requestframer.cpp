#include "requestframer.h"

namespace {

constexpr qsizetype kMaxChunkSizeLine = 32; // hex digits only: 16 of them overflow already

bool isTokenChar(char c)
{
    // RFC 9110 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (const char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

/// Visible characters only (no spaces, no controls): a request target.
bool isVisible(QByteArrayView s)
{
    for (const char c : s) {
        if (uchar(c) <= 0x20 || uchar(c) == 0x7f)
            return false;
    }
    return !s.isEmpty();
}

/// A field value: visible characters, spaces, tabs and obs-text; no other controls.
bool isFieldValue(QByteArrayView s)
{
    for (const char c : s) {
        if ((uchar(c) < 0x20 && c != '\t') || uchar(c) == 0x7f)
            return false;
    }
    return true;
}

QString printable(QByteArrayView s)
{
    QString out = QString::fromLatin1(s.first(std::min<qsizetype>(s.size(), 80)));
    for (QChar &c : out) {
        if (c.unicode() < 0x20 || c.unicode() >= 0x7f)
            c = QLatin1Char('?');
    }
    return s.size() > 80 ? out + QStringLiteral("…") : out;
}

} // namespace

QByteArray RequestHead::value(QByteArrayView name) const
{
    for (const auto &h : headers) {
        if (h.first == name)
            return h.second;
    }
    return {};
}

QByteArray RequestHead::path() const
{
    QByteArray t = target;
    if (!t.startsWith('/')) {
        // absolute-form: drop "scheme://authority"
        const qsizetype scheme = t.indexOf("://");
        const qsizetype slash = scheme < 0 ? -1 : t.indexOf('/', scheme + 3);
        t = slash < 0 ? QByteArray("/") : t.mid(slash);
    }
    const qsizetype q = t.indexOf('?');
    return q < 0 ? t : t.left(q);
}

QByteArray RequestHead::query() const
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? QByteArray() : target.mid(q + 1);
}

RequestFramer::RequestFramer(Limits limits)
    : m_limits(limits)
{ }

void RequestFramer::reset()
{
    if (m_state == State::Failed)
        return;
    m_state = State::Idle;
    m_head = {};
    m_line.clear();
    m_headBytes = 0;
    m_remaining = 0;
    m_bodyBytes = 0;
    m_bodyLimit = 0;
}

RequestFramer::Event RequestFramer::fail(ApiError::Code code, const QString &message)
{
    m_state = State::Failed;
    m_error = {code, message};
    return Event::Failed;
}

qsizetype RequestFramer::feed(QByteArrayView data, Event *event)
{
    *event = Event::None;
    qsizetype i = 0;
    while (i < data.size()) {
        switch (m_state) {
        case State::Failed:
        case State::Complete:
            return i; // nothing more belongs to this request
        case State::Idle:
            m_state = State::RequestLine;
            *event = Event::Started;
            return i;
        case State::Body: {
            const qsizetype n = qsizetype(std::min<qint64>(m_remaining, data.size() - i));
            i += n;
            m_remaining -= n;
            if (m_remaining == 0) {
                m_state = State::Complete;
                *event = Event::RequestComplete;
                return i;
            }
            break;
        }
        case State::ChunkData: {
            const qsizetype n = qsizetype(std::min<qint64>(m_remaining, data.size() - i));
            i += n;
            m_remaining -= n;
            if (m_remaining == 0)
                m_state = State::ChunkDataEnd;
            break;
        }
        case State::ChunkDataEnd:
        case State::LastChunkEnd: {
            // Exactly CRLF after chunk data and after the last chunk (no trailers).
            const char c = data[i++];
            const bool ok = m_line.isEmpty() ? c == '\r' : c == '\n';
            if (!ok) {
                *event = m_state == State::LastChunkEnd
                        ? fail(ApiError::Code::BadChunk,
                               QStringLiteral("the chunked body must end with an empty line "
                                              "(trailers are not accepted)"))
                        : fail(ApiError::Code::BadChunk,
                               QStringLiteral("chunk data must be followed by CRLF"));
                return i;
            }
            if (m_line.isEmpty()) {
                m_line += c;
                break;
            }
            m_line.clear();
            if (m_state == State::LastChunkEnd) {
                m_state = State::Complete;
                *event = Event::RequestComplete;
                return i;
            }
            m_state = State::ChunkSize;
            break;
        }
        case State::RequestLine:
        case State::Headers:
        case State::ChunkSize: {
            const char c = data[i++];
            if (m_state != State::ChunkSize && ++m_headBytes > m_limits.maxHeaderBytes) {
                *event = fail(ApiError::Code::HeadersTooLarge,
                              QStringLiteral("the request head is larger than %1 bytes")
                                      .arg(m_limits.maxHeaderBytes));
                return i;
            }
            if (c != '\n') {
                m_line += c;
                if (m_state == State::RequestLine && m_line.size() > m_limits.maxRequestLineBytes) {
                    *event = fail(ApiError::Code::RequestLineTooLong,
                                  QStringLiteral("the request line is longer than %1 bytes")
                                          .arg(m_limits.maxRequestLineBytes));
                    return i;
                }
                if (m_state == State::ChunkSize && m_line.size() > kMaxChunkSizeLine) {
                    *event = fail(ApiError::Code::BadChunk,
                                  QStringLiteral("a chunk-size line is too long"));
                    return i;
                }
                break;
            }
            if (!m_line.endsWith('\r')) {
                *event = fail(ApiError::Code::BadLine,
                              QStringLiteral("lines of the request must end with CRLF"));
                return i;
            }
            m_line.chop(1);
            if (m_line.contains('\r')) {
                *event = fail(ApiError::Code::BadLine,
                              QStringLiteral("a bare CR inside a line of the request"));
                return i;
            }
            const Event e = onLine();
            m_line.clear();
            if (e != Event::None) {
                *event = e;
                return i;
            }
            break;
        }
        }
    }
    return i;
}

RequestFramer::Event RequestFramer::onLine()
{
    switch (m_state) {
    case State::RequestLine:
        return onRequestLine();
    case State::Headers:
        return m_line.isEmpty() ? onHeadEnd() : onHeaderLine();
    case State::ChunkSize:
        return onChunkSizeLine();
    default:
        return Event::None;
    }
}

RequestFramer::Event RequestFramer::onRequestLine()
{
    if (m_line.isEmpty())
        return Event::None; // RFC 9112 2.2: an empty line before the request line is ignored
    const QList<QByteArray> parts = m_line.split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)) || !isVisible(parts.at(1)))
        return fail(ApiError::Code::BadRequestLine,
                    QStringLiteral("the request line must be \"METHOD target HTTP/1.1\", got "
                                   "\"%1\"")
                            .arg(printable(m_line)));
    if (parts.at(2) != "HTTP/1.1" && parts.at(2) != "HTTP/1.0")
        return fail(ApiError::Code::BadHttpVersion,
                    QStringLiteral("only HTTP/1.1 and HTTP/1.0 are spoken here, not \"%1\"")
                            .arg(printable(parts.at(2))));
    m_head.method = parts.at(0);
    m_head.target = parts.at(1);
    m_head.version = parts.at(2);
    const QByteArray &t = m_head.target;
    const bool origin = t.startsWith('/');
    const bool asterisk = t == "*" && m_head.method == "OPTIONS";
    const bool absolute = t.size() > 7 && t.left(7).toLower() == "http://";
    if (!origin && !asterisk && !absolute)
        return fail(ApiError::Code::BadRequestTarget,
                    QStringLiteral("the request target must be a path (or an http:// URL), not "
                                   "\"%1\"")
                            .arg(printable(t)));
    m_state = State::Headers;
    return Event::None;
}

RequestFramer::Event RequestFramer::onHeaderLine()
{
    if (m_line.startsWith(' ') || m_line.startsWith('\t'))
        return fail(ApiError::Code::BadHeader,
                    QStringLiteral("folded header lines (obs-fold) are not accepted"));
    if (m_head.headers.size() >= m_limits.maxHeaderCount)
        return fail(ApiError::Code::TooManyHeaders,
                    QStringLiteral("the request has more than %1 headers")
                            .arg(m_limits.maxHeaderCount));
    const qsizetype colon = m_line.indexOf(':');
    const QByteArray name = colon < 0 ? QByteArray() : m_line.left(colon);
    const QByteArray value = colon < 0 ? QByteArray() : m_line.mid(colon + 1).trimmed();
    if (!isToken(name))
        return fail(ApiError::Code::BadHeader,
                    QStringLiteral("a header line must be \"Name: value\", got \"%1\"")
                            .arg(printable(m_line)));
    if (!isFieldValue(value))
        return fail(ApiError::Code::BadHeader,
                    QStringLiteral("header %1 holds control characters")
                            .arg(QString::fromLatin1(name)));
    m_head.headers.append({name.toLower(), value});
    return Event::None;
}

RequestFramer::Event RequestFramer::onHeadEnd()
{
    int hosts = 0;
    int lengths = 0;
    int encodings = 0;
    QByteArray length;
    QByteArray encoding;
    for (const auto &h : std::as_const(m_head.headers)) {
        if (h.first == "host") {
            ++hosts;
        } else if (h.first == "content-length") {
            ++lengths;
            length = h.second;
        } else if (h.first == "transfer-encoding") {
            ++encodings;
            encoding = h.second;
        }
    }
    if (hosts == 0)
        return fail(ApiError::Code::MissingHost, QStringLiteral("the request has no Host header"));
    if (hosts > 1)
        return fail(ApiError::Code::BadHost,
                    QStringLiteral("the request has more than one Host header"));
    const QByteArray host = m_head.value("host");
    if (host.isEmpty() || !isVisible(host))
        return fail(ApiError::Code::BadHost,
                    QStringLiteral("the Host header is empty or malformed"));
    if (!m_head.target.startsWith('/') && m_head.target != "*") {
        // absolute-form: the authority is the host (RFC 9112 3.2.2); it must be the one Host
        // names, so that the Host checks see the host the request is really for.
        QByteArray authority = m_head.target.mid(7);
        const qsizetype end = authority.indexOf('/');
        if (end >= 0)
            authority.truncate(end);
        const qsizetype q = authority.indexOf('?');
        if (q >= 0)
            authority.truncate(q);
        if (authority.toLower() != host.toLower())
            return fail(ApiError::Code::BadHost,
                        QStringLiteral("the request target names host \"%1\" but Host is \"%2\"")
                                .arg(printable(authority), printable(host)));
    }
    if (lengths > 1)
        return fail(ApiError::Code::BadContentLength,
                    QStringLiteral("the request has more than one Content-Length header"));
    if (encodings > 0) {
        if (lengths > 0)
            return fail(ApiError::Code::BadTransferEncoding,
                        QStringLiteral("Transfer-Encoding and Content-Length together are "
                                       "ambiguous"));
        if (encodings > 1 || encoding.toLower() != "chunked")
            return fail(ApiError::Code::BadTransferEncoding,
                        QStringLiteral("only \"Transfer-Encoding: chunked\" is accepted, not "
                                       "\"%1\"")
                                .arg(printable(encoding)));
        m_head.chunked = true;
    }
    if (lengths == 1) {
        bool digits = !length.isEmpty() && length.size() <= 18;
        for (const char c : std::as_const(length))
            digits = digits && c >= '0' && c <= '9';
        if (!digits)
            return fail(ApiError::Code::BadContentLength,
                        QStringLiteral("Content-Length must be a number of bytes, not \"%1\"")
                                .arg(printable(length)));
        m_head.contentLength = length.toLongLong();
    }
    m_bodyLimit = m_limits.bodyLimit ? std::min(m_limits.bodyLimit(m_head), m_limits.maxBodyBytes)
                                     : m_limits.maxBodyBytes;
    if (m_head.contentLength > m_bodyLimit)
        return fail(ApiError::Code::BodyTooLarge,
                    QStringLiteral("the request body has %1 bytes; the limit is %2")
                            .arg(m_head.contentLength)
                            .arg(m_bodyLimit));
    if (m_head.chunked) {
        m_state = State::ChunkSize;
    } else if (m_head.contentLength > 0) {
        m_state = State::Body;
        m_remaining = m_head.contentLength;
    } else {
        m_state = State::Complete;
        return Event::RequestComplete; // the guard learns of the head through the request
    }
    return Event::HeadComplete;
}

RequestFramer::Event RequestFramer::onChunkSizeLine()
{
    // 1*HEXDIG only: no extensions, no whitespace (QtHttpServer 6.4 parses those loosely).
    qint64 size = 0;
    bool ok = !m_line.isEmpty() && m_line.size() <= 15;
    for (const char c : std::as_const(m_line)) {
        int v = -1;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        ok = ok && v >= 0;
        if (ok)
            size = size * 16 + v;
    }
    if (!ok)
        return fail(ApiError::Code::BadChunk,
                    QStringLiteral("a chunk size must be hex digits, got \"%1\"")
                            .arg(printable(m_line)));
    if (size > m_bodyLimit - m_bodyBytes)
        return fail(ApiError::Code::BodyTooLarge,
                    QStringLiteral("the chunked request body is larger than the limit of %1 "
                                   "bytes")
                            .arg(m_bodyLimit));
    m_bodyBytes += size;
    if (size == 0) {
        m_state = State::LastChunkEnd;
    } else {
        m_state = State::ChunkData;
        m_remaining = size;
    }
    return Event::None;
}
