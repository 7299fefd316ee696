#include "timelinetext.h"

#include <QJsonDocument>
#include <QJsonValue>
#include <QStringList>
#include <QVariant>

namespace {

constexpr int kSummaryValueChars = 40;
constexpr int kSummaryChars = 120;

QString oneLine(QString text, int max)
{
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    text.replace(QLatin1Char('\r'), QLatin1Char(' '));
    text.replace(QLatin1Char('\t'), QLatin1Char(' '));
    if (text.size() > max)
        text = text.left(max - 1) + QChar(0x2026);
    return text;
}

} // namespace

QString TimelineText::argsSummary(const QJsonObject &args)
{
    QStringList parts;
    int length = 0;
    for (auto it = args.begin(); it != args.end() && length < kSummaryChars; ++it) {
        const QJsonValue v = it.value();
        QString value;
        if (v.isString())
            value = v.toString();
        else if (v.isObject() || v.isArray())
            value = QString::fromUtf8(
                    v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
        else
            value = v.toVariant().toString();
        const QString part = it.key() + QLatin1String(": ") + oneLine(value, kSummaryValueChars);
        length += part.size() + 2;
        parts.append(part);
    }
    return oneLine(parts.join(QLatin1String(", ")), kSummaryChars);
}

QString TimelineText::lastMessageText(const QJsonArray &messages)
{
    for (qsizetype i = messages.size() - 1; i >= 0; --i) {
        const QJsonValue content = messages.at(i).toObject().value(QLatin1String("content"));
        if (content.isObject()
            && content.toObject().value(QLatin1String("type")) == QLatin1String("text"))
            return content.toObject().value(QLatin1String("text")).toString();
        if (content.isArray()) {
            for (const QJsonValue block : content.toArray()) {
                if (block.toObject().value(QLatin1String("type")) == QLatin1String("text"))
                    return block.toObject().value(QLatin1String("text")).toString();
            }
        }
        if (content.isString())
            return content.toString();
    }
    return {};
}

QString TimelineText::seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 1) + QLatin1String(" s");
}

QString TimelineText::countOf(int n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}
