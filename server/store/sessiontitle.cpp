#include "sessiontitle.h"

#include <QList>
#include <QStringView>

namespace {

bool isControl(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029;
}

} // namespace

namespace SessionTitle {

QString fromMessage(const QString &message)
{
    // The first line with something on it; a message is bounded by the chat API, but only
    // the head is looked at here.
    QString line;
    for (const QStringView part : QStringView(message).split(u'\n')) {
        if (!part.trimmed().isEmpty()) {
            line = part.left(4 * kMaxDerivedChars).toString();
            break;
        }
    }
    QList<uint> out;
    bool space = false;
    for (const uint c : line.toUcs4()) {
        const bool blank = isControl(c) || QChar::isSpace(c);
        if (blank) {
            space = !out.isEmpty();
            continue;
        }
        if (space)
            out.append(' ');
        space = false;
        out.append(c);
    }
    if (out.size() > kMaxDerivedChars) {
        out.resize(kMaxDerivedChars - 1);
        while (!out.isEmpty() && out.last() == ' ')
            out.removeLast();
        out.append(0x2026); // …
    }
    return QString::fromUcs4(reinterpret_cast<const char32_t *>(out.constData()), out.size());
}

std::optional<QString> validate(const QString &title, QString *why)
{
    const QString trimmed = title.trimmed();
    const QList<uint> chars = trimmed.toUcs4();
    if (chars.isEmpty()) {
        *why = QStringLiteral("title must not be empty");
        return std::nullopt;
    }
    if (chars.size() > kMaxChars) {
        *why = QStringLiteral("title has %1 characters; at most %2 are allowed")
                       .arg(chars.size())
                       .arg(kMaxChars);
        return std::nullopt;
    }
    for (const uint c : chars) {
        if (isControl(c)) {
            *why = QStringLiteral("title must be one line without control characters");
            return std::nullopt;
        }
    }
    return trimmed;
}

} // namespace SessionTitle
