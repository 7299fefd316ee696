#include "jsonpositions.h"

#include <QJsonArray>
#include <QJsonDocument>

// A small recursive scanner: the text has been validated by QJsonDocument already, so it only
// needs to find where things are, not to report errors (it stops quietly on anything odd).
class JsonPositionScanner
{
public:
    JsonPositionScanner(const QByteArray &text, JsonPositions *out)
        : m_text(text)
        , m_out(out)
    { }

    void run()
    {
        skipSpace();
        const JsonPositions::Position at = here();
        m_out->m_entries.insert(QString(), {at, at});
        value(QString(), 0);
    }

private:
    static constexpr int kMaxDepth = 1024;

    [[nodiscard]] bool atEnd() const { return m_i >= m_text.size(); }
    [[nodiscard]] char peek() const { return atEnd() ? '\0' : m_text.at(m_i); }
    [[nodiscard]] JsonPositions::Position here() const { return {m_line, m_column}; }

    void advance()
    {
        if (atEnd())
            return;
        const auto c = static_cast<unsigned char>(m_text.at(m_i++));
        if (c == '\n') {
            ++m_line;
            m_column = 1;
        } else if ((c & 0xC0) != 0x80) { // not a UTF-8 continuation byte: a new character
            ++m_column;
        }
    }

    void skipSpace()
    {
        while (!atEnd()) {
            const char c = peek();
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                return;
            advance();
        }
    }

    // At '"': returns the decoded string and moves past it.
    QString string()
    {
        const qsizetype start = m_i;
        bool escaped = false;
        advance(); // opening quote
        while (!atEnd() && peek() != '"') {
            if (peek() == '\\') {
                escaped = true;
                advance();
            }
            advance();
        }
        advance(); // closing quote
        const QByteArray raw = m_text.mid(start, m_i - start);
        if (!escaped)
            return QString::fromUtf8(raw.mid(1, raw.size() - 2));
        return QJsonDocument::fromJson("[" + raw + "]").array().at(0).toString();
    }

    void value(const QString &pointer, int depth)
    {
        if (depth > kMaxDepth)
            return;
        skipSpace();
        const char c = peek();
        if (c == '{') {
            advance();
            for (;;) {
                skipSpace();
                if (peek() == '}' || peek() != '"') {
                    advance();
                    return;
                }
                const JsonPositions::Position keyAt = here();
                const QString key = string();
                skipSpace();
                advance(); // ':'
                skipSpace();
                const QString child = JsonPositions::child(pointer, key);
                m_out->m_entries.insert(child, {keyAt, here()});
                value(child, depth + 1);
                skipSpace();
                if (peek() == ',') {
                    advance();
                    continue;
                }
                advance(); // '}'
                return;
            }
        }
        if (c == '[') {
            advance();
            for (qsizetype index = 0;; ++index) {
                skipSpace();
                if (peek() == ']' || atEnd()) {
                    advance();
                    return;
                }
                const QString child = JsonPositions::child(pointer, index);
                m_out->m_entries.insert(child, {here(), here()});
                value(child, depth + 1);
                skipSpace();
                if (peek() == ',') {
                    advance();
                    continue;
                }
                advance(); // ']'
                return;
            }
        }
        if (c == '"') {
            string();
            return;
        }
        // A number, true, false or null.
        while (!atEnd()) {
            const char d = peek();
            if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\n' || d == '\r')
                return;
            advance();
        }
    }

    const QByteArray &m_text;
    JsonPositions *m_out;
    qsizetype m_i = 0;
    int m_line = 1;
    int m_column = 1;
};

JsonPositions JsonPositions::scan(const QByteArray &text)
{
    JsonPositions positions;
    JsonPositionScanner(text, &positions).run();
    return positions;
}

JsonPositions::Position JsonPositions::atOffset(const QByteArray &text, qsizetype offset)
{
    Position p {1, 1};
    const qsizetype end = std::min(offset, text.size());
    for (qsizetype i = 0; i < end; ++i) {
        const auto c = static_cast<unsigned char>(text.at(i));
        if (c == '\n') {
            ++p.line;
            p.column = 1;
        } else if ((c & 0xC0) != 0x80) {
            ++p.column;
        }
    }
    return p;
}

JsonPositions::Position JsonPositions::key(const QString &pointer) const
{
    return m_entries.value(pointer).key;
}

JsonPositions::Position JsonPositions::value(const QString &pointer) const
{
    return m_entries.value(pointer).value;
}

QString JsonPositions::child(const QString &pointer, const QString &key)
{
    QString escaped = key;
    escaped.replace(QLatin1Char('~'), QLatin1String("~0"));
    escaped.replace(QLatin1Char('/'), QLatin1String("~1"));
    return pointer + QLatin1Char('/') + escaped;
}

QString JsonPositions::child(const QString &pointer, qsizetype index)
{
    return pointer + QLatin1Char('/') + QString::number(index);
}
