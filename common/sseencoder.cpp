#include "sseencoder.h"

namespace SseEncoder {

void appendEvent(QByteArray &out, QByteArrayView data, QByteArrayView type, QByteArrayView id)
{
    if (!id.isEmpty()) {
        out.append("id: ");
        out.append(id);
        out.append('\n');
    }
    if (!type.isEmpty()) {
        out.append("event: ");
        out.append(type);
        out.append('\n');
    }
    // Split on CRLF, CR or LF: each piece is one data line.
    qsizetype start = 0;
    const qsizetype n = data.size();
    for (qsizetype i = 0; i <= n; ++i) {
        if (i == n || data[i] == '\n' || data[i] == '\r') {
            out.append("data: ");
            out.append(data.sliced(start, i - start));
            out.append('\n');
            if (i < n && data[i] == '\r' && i + 1 < n && data[i + 1] == '\n')
                ++i;
            start = i + 1;
        }
    }
    out.append('\n');
}

QByteArray event(QByteArrayView data, QByteArrayView type, QByteArrayView id)
{
    QByteArray out;
    out.reserve(data.size() + type.size() + id.size() + 32);
    appendEvent(out, data, type, id);
    return out;
}

QByteArray comment(QByteArrayView text)
{
    QByteArray out(": ");
    out.append(text);
    out.append("\n\n");
    return out;
}

QByteArray retry(int milliseconds)
{
    return "retry: " + QByteArray::number(milliseconds) + "\n\n";
}

} // namespace SseEncoder
