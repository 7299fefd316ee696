#pragma once

#include <QJsonArray>
#include <QString>
#include <QVariantList>

#include <vector>

/// One tool result (its MCP content blocks) as the timeline shows it: each text block capped
/// to a preview (kPreviewBytes / kPreviewLines) and classified as plain text, Markdown or JSON;
/// Markdown previews rendered to safe HTML (MarkdownBlocks::render), JSON ones indented.
/// The classification and rendering happen once, when a view first asks for them (the card is
/// shown, the step copied), not when the result arrives: a session opened from its log does
/// not render the results nobody looks at.
class ResultPreview
{
public:
    /// Bounds of a result's preview (per text block).
    static constexpr qsizetype kPreviewBytes = 4096;
    static constexpr int kPreviewLines = 40;

    ResultPreview() = default;
    explicit ResultPreview(QJsonArray content);

    /// The blocks as they came (held once, whole).
    [[nodiscard]] const QJsonArray &content() const { return m_content; }
    /// The preview is shorter than the result (a block was cut, or the server truncated it).
    [[nodiscard]] bool truncated() const;
    /// The whole result's text, in UTF-8 bytes.
    [[nodiscard]] qint64 fullBytes() const;
    /// The blocks for a view: maps; text blocks capped to the preview, with `format`
    /// "text"|"markdown"|"json", `html` / `pretty`, `truncated`, `bytes`.
    [[nodiscard]] QVariantList blocks() const;
    /// The previews' text, one block a line (non-text blocks described).
    [[nodiscard]] QString previewText() const;
    /// The whole result's text (non-text blocks described).
    [[nodiscard]] QString fullText() const;
    /// The whole result as Markdown to copy: Markdown as is, JSON and text fenced.
    [[nodiscard]] QString markdown() const;

    /// The first kPreviewBytes / kPreviewLines of `text`, cut at a character boundary.
    [[nodiscard]] static QString previewOf(const QString &text, bool *truncated);
    /// A fence (of backticks) longer than any run of them in `text`, around it.
    [[nodiscard]] static QString fenced(const QString &text, const QString &language);

private:
    enum class Format : quint8 { Text, Markdown, Json };
    struct BlockView
    {
        bool hasText = false;
        Format format = Format::Text;
        bool truncated = false;
        qint64 bytes = 0; ///< the whole text's UTF-8 size
        QString rendered; ///< the preview's HTML (Markdown) or indented JSON
    };

    void classify() const;

    QJsonArray m_content;
    mutable std::vector<BlockView> m_views; ///< per block, once classified
    mutable bool m_classified = false;
    mutable bool m_truncated = false;
    mutable qint64 m_fullBytes = 0;
};
