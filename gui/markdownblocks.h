#pragma once

#include <QString>
#include <QStringView>

#include <vector>

/// Markdown that arrives piece by piece (a model's streamed answer), rendered without the
/// quadratic cost of re-parsing a growing text: the text is split into closed blocks (ended by a
/// blank line; a code fence stays one block until its closing fence) and the open tail. Each
/// closed block is parsed at most once with QTextDocument::setMarkdown (GitHub dialect without
/// underline, no raw HTML), lazily: when html() is first asked for after it closed (a card is
/// shown), not when it closes, so a long session opened from its log parses only what is seen.
/// The HTML fragments are cached; the tail stays plain text until finish(). Links other than
/// http(s)/mailto lose their target and images become their alt text, so untrusted text cannot
/// run script or load anything.
class MarkdownBlocks
{
public:
    /// Appends streamed text; closes and renders every block this completes.
    void append(QStringView text);
    /// Replaces everything with `text` and renders it whole (a known, complete text).
    void setText(const QString &text);
    /// The text is complete: the open tail is rendered as the last block.
    void finish();
    void clear();

    /// Every character appended so far.
    [[nodiscard]] const QString &source() const { return m_source; }
    /// The open tail (not yet rendered; empty after finish()).
    [[nodiscard]] QString tail() const { return m_source.mid(m_blockStart); }
    [[nodiscard]] qsizetype tailSize() const { return m_source.size() - m_blockStart; }
    /// HTML of the closed blocks (body fragments, no <html>/<head>); renders the blocks closed
    /// since the last call (each block once).
    [[nodiscard]] const QString &html() const;
    /// Closed blocks not yet rendered (html() renders them).
    [[nodiscard]] qsizetype unrenderedBlocks() const
    {
        return qsizetype(m_blocks.size()) - m_rendered;
    }
    [[nodiscard]] bool finished() const { return m_finished; }

    /// Renders one complete Markdown text to a safe HTML fragment (counts as one parse).
    [[nodiscard]] static QString render(const QString &markdown);
    /// True when `text` looks like Markdown (headings, lists, fences, emphasis, links, tables).
    [[nodiscard]] static bool looksLikeMarkdown(QStringView text);
    /// Markdown parses done by this process (render() calls): tests assert linear cost with it.
    [[nodiscard]] static qint64 parseCount();

private:
    void scanLines();
    void closeBlock(qsizetype end);

    struct Block
    {
        qsizetype start = 0;
        qsizetype end = 0;
    };

    QString m_source;
    std::vector<Block> m_blocks; ///< the closed blocks in m_source, in order
    mutable QString m_html; ///< the first m_rendered blocks, rendered
    mutable qsizetype m_rendered = 0;
    qsizetype m_blockStart = 0; ///< start of the open block in m_source
    qsizetype m_scanPos = 0; ///< start of the first line not yet examined
    QChar m_fenceChar; ///< '`' or '~' inside a code fence, null outside
    int m_fenceLength = 0;
    bool m_finished = false;
};
