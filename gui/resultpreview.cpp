#include "resultpreview.h"

#include "markdownblocks.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QVariantMap>

#include <algorithm>

namespace {

// The text a result block carries (text blocks and embedded text resources).
QString blockText(const QJsonObject &block, bool *hasText)
{
    const QString type = block.value(QLatin1String("type")).toString();
    *hasText = true;
    if (type == QLatin1String("text"))
        return block.value(QLatin1String("text")).toString();
    if (type == QLatin1String("resource")) {
        const QJsonObject resource = block.value(QLatin1String("resource")).toObject();
        if (resource.contains(QLatin1String("text")))
            return resource.value(QLatin1String("text")).toString();
    }
    *hasText = false;
    return {};
}

QString describeBlock(const QJsonObject &block)
{
    const QString type = block.value(QLatin1String("type")).toString();
    if (type == QLatin1String("image") || type == QLatin1String("audio"))
        return QStringLiteral("[%1: %2, %3 bytes base64]")
                .arg(type, block.value(QLatin1String("mimeType")).toString())
                .arg(block.value(QLatin1String("data")).toString().size());
    if (type == QLatin1String("resource_link"))
        return QStringLiteral("[resource link: %1 %2]")
                .arg(block.value(QLatin1String("name")).toString(),
                     block.value(QLatin1String("uri")).toString());
    if (type == QLatin1String("resource"))
        return QStringLiteral("[resource: %1]")
                .arg(block.value(QLatin1String("resource"))
                             .toObject()
                             .value(QLatin1String("uri"))
                             .toString());
    return QStringLiteral("[%1]").arg(type);
}

} // namespace

ResultPreview::ResultPreview(QJsonArray content)
    : m_content(std::move(content))
{ }

QString ResultPreview::previewOf(const QString &text, bool *truncated)
{
    qsizetype end = text.size();
    int lines = 0;
    qsizetype bytes = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text.at(i).unicode();
        bytes += c < 0x80 ? 1 : (c < 0x800 || (c >= 0xDC00 && c < 0xE000) ? 2 : 3);
        if (bytes > kPreviewBytes) {
            end = i;
            break;
        }
        if (c == u'\n' && ++lines >= kPreviewLines) {
            end = i;
            break;
        }
    }
    if (end > 0 && end < text.size() && text.at(end - 1).isHighSurrogate())
        --end;
    *truncated = end < text.size();
    return *truncated ? text.left(end) : text;
}

QString ResultPreview::fenced(const QString &text, const QString &language)
{
    int longest = 0;
    int run = 0;
    for (const QChar c : text) {
        run = c == QLatin1Char('`') ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    const QString fence(std::max(3, longest + 1), QLatin1Char('`'));
    return fence + language + QLatin1Char('\n') + text
            + (text.endsWith(QLatin1Char('\n')) ? QString() : QStringLiteral("\n")) + fence;
}

void ResultPreview::classify() const
{
    if (m_classified)
        return;
    m_classified = true;
    m_views.resize(size_t(m_content.size()));
    m_fullBytes = 0;
    m_truncated = false;
    for (qsizetype i = 0; i < m_content.size(); ++i) {
        const QJsonObject block = m_content.at(i).toObject();
        BlockView &view = m_views[size_t(i)];
        const QString text = blockText(block, &view.hasText);
        if (!view.hasText)
            continue;
        const QByteArray utf8 = text.toUtf8();
        view.bytes = utf8.size();
        m_fullBytes += view.bytes;
        bool truncated = false;
        const QString preview = previewOf(text, &truncated);
        view.truncated = truncated || block.value(QLatin1String("truncated")).toBool();
        m_truncated = m_truncated || view.truncated;
        const QString trimmed = text.trimmed();
        if (trimmed.startsWith(QLatin1Char('{')) || trimmed.startsWith(QLatin1Char('['))) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(utf8, &error);
            if (error.error == QJsonParseError::NoError && !doc.isNull()) {
                view.format = Format::Json;
                bool cut = false;
                view.rendered
                        = previewOf(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)), &cut);
                if (cut) {
                    view.truncated = true;
                    m_truncated = true;
                }
                continue;
            }
        }
        if (MarkdownBlocks::looksLikeMarkdown(preview)) {
            view.format = Format::Markdown;
            view.rendered = MarkdownBlocks::render(preview);
        }
    }
}

bool ResultPreview::truncated() const
{
    classify();
    return m_truncated;
}

qint64 ResultPreview::fullBytes() const
{
    classify();
    return m_fullBytes;
}

QVariantList ResultPreview::blocks() const
{
    classify();
    QVariantList list;
    for (qsizetype i = 0; i < m_content.size(); ++i) {
        const QJsonObject block = m_content.at(i).toObject();
        const BlockView &view = m_views[size_t(i)];
        if (!view.hasText) {
            list.append(block.toVariantMap());
            continue;
        }
        bool hasText = false;
        bool truncated = false;
        const QString preview = previewOf(blockText(block, &hasText), &truncated);
        QVariantMap map;
        if (block.value(QLatin1String("type")) == QLatin1String("resource")) {
            QVariantMap resource = block.value(QLatin1String("resource")).toObject().toVariantMap();
            resource.insert(QStringLiteral("text"), preview);
            map.insert(QStringLiteral("type"), QStringLiteral("resource"));
            map.insert(QStringLiteral("resource"), resource);
        } else {
            map.insert(QStringLiteral("type"), QStringLiteral("text"));
        }
        map.insert(QStringLiteral("text"), preview);
        map.insert(QStringLiteral("format"),
                   view.format == Format::Json               ? QStringLiteral("json")
                           : view.format == Format::Markdown ? QStringLiteral("markdown")
                                                             : QStringLiteral("text"));
        if (view.format == Format::Markdown)
            map.insert(QStringLiteral("html"), view.rendered);
        if (view.format == Format::Json)
            map.insert(QStringLiteral("pretty"), view.rendered);
        map.insert(QStringLiteral("truncated"), view.truncated);
        map.insert(QStringLiteral("bytes"), view.bytes);
        list.append(map);
    }
    return list;
}

QString ResultPreview::previewText() const
{
    QStringList parts;
    for (const QJsonValue value : m_content) {
        const QJsonObject block = value.toObject();
        bool hasText = false;
        const QString text = blockText(block, &hasText);
        bool truncated = false;
        parts << (hasText ? previewOf(text, &truncated) : describeBlock(block));
    }
    return parts.join(QLatin1Char('\n'));
}

QString ResultPreview::fullText() const
{
    QStringList parts;
    for (const QJsonValue value : m_content) {
        const QJsonObject block = value.toObject();
        bool hasText = false;
        const QString text = blockText(block, &hasText);
        parts << (hasText ? text : describeBlock(block));
    }
    return parts.join(QLatin1Char('\n'));
}

QString ResultPreview::markdown() const
{
    classify();
    QStringList parts;
    for (qsizetype i = 0; i < m_content.size(); ++i) {
        const QJsonObject block = m_content.at(i).toObject();
        bool hasText = false;
        const QString text = blockText(block, &hasText);
        if (!hasText) {
            parts << describeBlock(block);
            continue;
        }
        const Format format = m_views[size_t(i)].format;
        if (format == Format::Markdown) {
            parts << text;
        } else if (format == Format::Json) {
            const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
            parts << fenced(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)),
                            QStringLiteral("json"));
        } else {
            parts << fenced(text, QString());
        }
    }
    return parts.join(QStringLiteral("\n\n"));
}
