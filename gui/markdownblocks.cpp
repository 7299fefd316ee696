#include "markdownblocks.h"

#include <QRegularExpression>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QUrl>

#include <vector>

namespace {

qint64 s_parses = 0;

// GitHub's dialect (tables, task lists, strike-through, autolinks) without underline, which
// would turn `_word_` into underlined text instead of italics, and without raw HTML: model
// output and tool results are untrusted.
QTextDocument::MarkdownFeatures markdownFeatures()
{
    // md4c's MD_FLAG_UNDERLINE; Qt 6.4 sets it in the GitHub dialect without naming it.
    constexpr int kUnderline = 0x4000;
    const int bits = (int(QTextDocument::MarkdownDialectGitHub) & ~kUnderline)
            | int(QTextDocument::MarkdownNoHTML);
    return QTextDocument::MarkdownFeatures(QFlag(bits));
}

bool safeLink(const QString &href)
{
    const QString scheme = QUrl(href).scheme().toLower();
    return scheme == QLatin1String("http") || scheme == QLatin1String("https")
            || scheme == QLatin1String("mailto");
}

// Links to anything but the web or mail lose their target; images (which a view would fetch)
// become a visible placeholder with their address.
void sanitize(QTextDocument &doc)
{
    struct Edit
    {
        int position;
        int length;
        bool image;
        QTextCharFormat format;
    };
    std::vector<Edit> edits;
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!fragment.isValid())
                continue;
            const QTextCharFormat format = fragment.charFormat();
            if (format.isImageFormat())
                edits.push_back({fragment.position(), fragment.length(), true, format});
            else if (format.isAnchor() && !safeLink(format.anchorHref()))
                edits.push_back({fragment.position(), fragment.length(), false, format});
        }
    }
    for (auto it = edits.rbegin(); it != edits.rend(); ++it) {
        QTextCursor cursor(&doc);
        cursor.setPosition(it->position);
        cursor.setPosition(it->position + it->length, QTextCursor::KeepAnchor);
        QTextCharFormat plain = it->format;
        plain.setAnchor(false);
        plain.clearProperty(QTextFormat::AnchorHref);
        plain.clearProperty(QTextFormat::AnchorName);
        plain.clearProperty(QTextFormat::IsAnchor);
        plain.setForeground(QBrush());
        plain.setFontUnderline(false);
        if (it->image) {
            plain.setObjectType(QTextFormat::NoObject);
            plain.clearProperty(QTextFormat::ImageName);
            cursor.insertText(QStringLiteral("[image: %1]").arg(it->format.toImageFormat().name()),
                              QTextCharFormat());
        } else {
            cursor.setCharFormat(plain);
        }
    }
}

QString bodyOf(const QString &html)
{
    qsizetype start = html.indexOf(QLatin1String("<body"));
    if (start < 0)
        return html;
    start = html.indexOf(QLatin1Char('>'), start);
    if (start < 0)
        return html;
    const qsizetype end = html.lastIndexOf(QLatin1String("</body>"));
    if (end < start)
        return html.mid(start + 1);
    return html.mid(start + 1, end - start - 1).trimmed();
}

bool isBlank(QStringView line)
{
    for (const QChar c : line) {
        if (!c.isSpace())
            return false;
    }
    return true;
}

// A fence line: up to three spaces, then three or more '`' or '~'. Sets char and length.
bool fenceOf(QStringView line, QChar *fenceChar, int *length)
{
    qsizetype i = 0;
    while (i < line.size() && i < 3 && line[i] == QLatin1Char(' '))
        ++i;
    if (i >= line.size() || (line[i] != QLatin1Char('`') && line[i] != QLatin1Char('~')))
        return false;
    const QChar c = line[i];
    qsizetype n = 0;
    while (i + n < line.size() && line[i + n] == c)
        ++n;
    if (n < 3)
        return false;
    *fenceChar = c;
    *length = int(n);
    return true;
}

} // namespace

void MarkdownBlocks::append(QStringView text)
{
    if (text.isEmpty())
        return;
    m_finished = false;
    m_source.append(text);
    scanLines();
}

void MarkdownBlocks::setText(const QString &text)
{
    clear();
    m_source = text;
    finish();
}

void MarkdownBlocks::finish()
{
    if (m_source.size() > m_blockStart)
        closeBlock(m_source.size());
    m_scanPos = m_source.size();
    m_fenceChar = QChar();
    m_finished = true;
}

void MarkdownBlocks::clear()
{
    *this = MarkdownBlocks();
}

void MarkdownBlocks::scanLines()
{
    // Only lines not yet seen are examined, so streaming costs linear time overall.
    for (;;) {
        const qsizetype nl = m_source.indexOf(QLatin1Char('\n'), m_scanPos);
        if (nl < 0)
            return;
        const QStringView line = QStringView(m_source).mid(m_scanPos, nl - m_scanPos);
        const qsizetype next = nl + 1;
        QChar c;
        int length = 0;
        if (!m_fenceChar.isNull()) {
            // A closing fence: the same character, at least as long, nothing after it.
            if (fenceOf(line, &c, &length) && c == m_fenceChar && length >= m_fenceLength
                && isBlank(line.trimmed().mid(length))) {
                m_fenceChar = QChar();
                m_scanPos = next;
                closeBlock(next);
                continue;
            }
        } else if (fenceOf(line, &c, &length)) {
            // A fence starts its own block: what came before it is closed first.
            if (m_scanPos > m_blockStart)
                closeBlock(m_scanPos);
            m_fenceChar = c;
            m_fenceLength = length;
        } else if (isBlank(line)) {
            if (isBlank(QStringView(m_source).mid(m_blockStart, m_scanPos - m_blockStart)))
                m_blockStart = next; // blank lines between blocks belong to none
            else
                closeBlock(next);
        }
        m_scanPos = next;
    }
}

void MarkdownBlocks::closeBlock(qsizetype end)
{
    const qsizetype start = m_blockStart;
    m_blockStart = end;
    if (isBlank(QStringView(m_source).mid(start, end - start)))
        return;
    m_blocks.push_back({start, end});
}

const QString &MarkdownBlocks::html() const
{
    for (; m_rendered < qsizetype(m_blocks.size()); ++m_rendered) {
        const Block &b = m_blocks[size_t(m_rendered)];
        m_html += render(m_source.mid(b.start, b.end - b.start));
    }
    return m_html;
}

QString MarkdownBlocks::render(const QString &markdown)
{
    ++s_parses;
    QTextDocument doc;
    doc.setMarkdown(markdown, markdownFeatures());
    sanitize(doc);
    return bodyOf(doc.toHtml());
}

bool MarkdownBlocks::looksLikeMarkdown(QStringView text)
{
    static const QRegularExpression pattern(QStringLiteral(
            R"((^|\n)\s{0,3}(#{1,6}\s+\S|[-*+]\s+\S|\d{1,3}[.)]\s+\S|>\s|```|~~~|\|.*\|\s*(\n|$))|\*\*[^*\n]+\*\*|\[[^\]\n]+\]\([^)\s]+\)|`[^`\n]+`)"));
    return pattern.match(text.left(4096).toString()).hasMatch();
}

qint64 MarkdownBlocks::parseCount()
{
    return s_parses;
}
