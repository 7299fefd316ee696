#include "sseparser.h"

namespace {
constexpr char kBom[] = "\xEF\xBB\xBF";
}

void SseParser::resetConnection()
{
    m_pending.clear();
    m_data.clear();
    m_type.clear();
    m_blockRetry.reset();
    m_blockHasId = false;
    m_hasData = false;
    m_started = false;
    m_skipLf = false;
}

QList<SseEvent> SseParser::feed(QByteArrayView bytes)
{
    QList<SseEvent> out;
    if (!m_started) {
        // Strip a UTF-8 BOM at the very start; it may itself arrive split across reads.
        QByteArray head = m_pending + bytes.toByteArray();
        m_pending.clear();
        if (head.size() < 3 && QByteArrayView(kBom).startsWith(head)) {
            m_pending = head;
            return out;
        }
        m_started = true;
        if (head.startsWith(kBom))
            head.remove(0, 3);
        return feed(head);
    }

    qsizetype pos = 0;
    const qsizetype n = bytes.size();
    const char *p = bytes.data();
    if (m_skipLf && n > 0) {
        if (p[0] == '\n')
            pos = 1;
        m_skipLf = false;
    }
    while (pos < n) {
        qsizetype end = pos;
        while (end < n && p[end] != '\n' && p[end] != '\r')
            ++end;
        if (end == n) {
            m_pending.append(p + pos, n - pos);
            break;
        }
        if (m_pending.isEmpty()) {
            processLine(QByteArrayView(p + pos, end - pos), out);
        } else {
            m_pending.append(p + pos, end - pos);
            processLine(m_pending, out);
            m_pending.clear();
        }
        if (p[end] == '\r') {
            if (end + 1 < n) {
                if (p[end + 1] == '\n')
                    ++end;
            } else {
                m_skipLf = true; // a LF may open the next chunk
            }
        }
        pos = end + 1;
    }
    return out;
}

void SseParser::processLine(QByteArrayView line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        dispatch(out);
        return;
    }
    if (line.front() == ':') {
        if (m_onComment) {
            QByteArrayView text = line.sliced(1);
            if (text.startsWith(' '))
                text = text.sliced(1);
            m_onComment(text);
        }
        return;
    }
    QByteArrayView field = line;
    QByteArrayView value;
    const qsizetype colon = line.indexOf(':');
    if (colon >= 0) {
        field = line.first(colon);
        value = line.sliced(colon + 1);
        if (value.startsWith(' '))
            value = value.sliced(1);
    }
    if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_type = value.toByteArray();
    } else if (field == "id") {
        if (!value.contains('\0')) {
            m_lastEventId = value.toByteArray();
            m_blockHasId = true;
        }
    } else if (field == "retry") {
        bool digits = !value.isEmpty();
        for (char c : value)
            digits = digits && c >= '0' && c <= '9';
        if (digits) {
            bool ok = false;
            const int ms = value.toInt(&ok);
            if (ok) {
                m_retry = ms;
                m_blockRetry = ms;
            }
        }
    }
    // Unknown fields are ignored, as the standard says.
}

void SseParser::dispatch(QList<SseEvent> &out)
{
    if (m_hasData) {
        SseEvent e;
        e.id = m_lastEventId;
        e.hasId = m_blockHasId;
        if (!m_type.isEmpty())
            e.type = m_type;
        e.data = std::move(m_data);
        e.retry = m_blockRetry;
        out.append(std::move(e));
    }
    m_data = QByteArray();
    m_type.clear();
    m_hasData = false;
    m_blockHasId = false;
    m_blockRetry.reset();
}
