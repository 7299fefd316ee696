#include "offlinetoolcatalog.h"

#include <QHash>

namespace {

const QSet<QString> &fillerWords()
{
    static const QSet<QString> words {
            QStringLiteral("a"),        QStringLiteral("an"),        QStringLiteral("and"),
            QStringLiteral("the"),      QStringLiteral("with"),      QStringLiteral("call"),
            QStringLiteral("tool"),     QStringLiteral("using"),     QStringLiteral("use"),
            QStringLiteral("run"),      QStringLiteral("please"),    QStringLiteral("to"),
            QStringLiteral("for"),      QStringLiteral("on"),        QStringLiteral("of"),
            QStringLiteral("by"),       QStringLiteral("via"),       QStringLiteral("invoke"),
            QStringLiteral("execute"),  QStringLiteral("me"),        QStringLiteral("can"),
            QStringLiteral("you"),      QStringLiteral("could"),     QStringLiteral("args"),
            QStringLiteral("argument"), QStringLiteral("arguments"), QStringLiteral("input"),
            QStringLiteral("it"),       QStringLiteral("is"),        QStringLiteral("what"),
            QStringLiteral("this"),     QStringLiteral("that"),      QStringLiteral("my"),
            QStringLiteral("i"),        QStringLiteral("do"),        QStringLiteral("does"),
            QStringLiteral("get"),      QStringLiteral("in"),        QStringLiteral("at"),
            QStringLiteral("from"),     QStringLiteral("or"),        QStringLiteral("be"),
            QStringLiteral("are"),      QStringLiteral("some"),      QStringLiteral("want"),
            QStringLiteral("would"),    QStringLiteral("like"),      QStringLiteral("now"),
            QStringLiteral("tell"),     QStringLiteral("show"),      QStringLiteral("give"),
            QStringLiteral("which"),    QStringLiteral("how"),       QStringLiteral("named"),
            QStringLiteral("called"),   QStringLiteral("returns"),   QStringLiteral("return"),
    };
    return words;
}

QString stem(QString word)
{
    if (word.size() > 5 && word.endsWith(QLatin1String("ing")))
        word.chop(3);
    else if (word.size() > 4 && word.endsWith(QLatin1String("es")))
        word.chop(2);
    else if (word.size() > 3 && word.endsWith(QLatin1Char('s'))
             && !word.endsWith(QLatin1String("ss")))
        word.chop(1);
    return word;
}

/// Stem -> concept, so that "add 2 and 3" finds a tool that "returns the sum". Kept small on
/// purpose: each entry is a word people use for what the example servers' tools do.
const QHash<QString, QString> &concepts()
{
    static const QHash<QString, QString> table = [] {
        const QList<QStringList> groups {
                {"sum", "add", "plus", "total", "addition"},
                {"product", "multiply", "times"},
                {"difference", "subtract", "minus"},
                {"delete", "remove", "erase"},
                {"search", "find", "lookup"},
                {"read", "open", "view"},
                {"write", "save"},
                {"create", "make", "new"},
                {"directory", "folder", "dir"},
                {"move", "rename"},
                {"echo", "repeat"},
                {"env", "environment", "variable"},
                {"image", "picture", "logo"},
        };
        QHash<QString, QString> out;
        for (const QStringList &group : groups) {
            const QString meaning = stem(group.first());
            for (const QString &word : group)
                out.insert(stem(word), meaning);
        }
        return out;
    }();
    return table;
}

QString conceptOf(const QString &stemmed)
{
    return concepts().value(stemmed, stemmed);
}

struct Word
{
    QString stem;
    QString meaning;
    qsizetype end; ///< where the word ends in the text
};

/// The meaningful words of `text` (camelCase split, lower-cased, fillers and words shorter than
/// three letters left out), each once, stemmed.
QList<Word> wordsOf(const QString &text)
{
    static const QRegularExpression word(QStringLiteral("[\\p{L}\\p{N}]+"));
    static const QRegularExpression camel(QStringLiteral("([a-z])([A-Z])"));
    QList<Word> out;
    QSet<QString> seen;
    auto it = word.globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        QString raw = m.captured(0);
        raw.replace(camel, QStringLiteral("\\1 \\2"));
        for (const QString &part : raw.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            if (part.size() < 3 || fillerWords().contains(part))
                continue;
            const QString s = stem(part);
            if (seen.contains(s)) {
                // The same word again: the later mention moves the end.
                for (Word &w : out) {
                    if (w.stem == s)
                        w.end = m.capturedEnd();
                }
                continue;
            }
            seen.insert(s);
            out.append({s, conceptOf(s), m.capturedEnd()});
        }
    }
    return out;
}

void collect(const QString &text, QSet<QString> *stems, QSet<QString> *conceptSet)
{
    for (const Word &w : wordsOf(text)) {
        stems->insert(w.stem);
        conceptSet->insert(w.meaning);
    }
}

} // namespace

bool OfflineToolCatalog::isFillerWord(const QString &lowerCaseWord)
{
    return fillerWords().contains(lowerCaseWord);
}

OfflineToolCatalog::OfflineToolCatalog(const QList<ToolDefinition> &tools)
{
    static const QRegularExpression separators(QStringLiteral("[_\\-\\s]+"));
    m_entries.reserve(tools.size());
    for (const ToolDefinition &tool : tools) {
        Entry e;
        e.name = tool.name;
        e.description = tool.description;
        if (!tool.name.isEmpty()) {
            // The name as written, and with '_' / '-' / spaces used interchangeably.
            QStringList parts = tool.name.split(separators, Qt::SkipEmptyParts);
            for (QString &p : parts)
                p = QRegularExpression::escape(p);
            e.namePattern
                    = QRegularExpression(QStringLiteral("(?<![\\w\\-])(?:%1|%2)(?![\\w\\-])")
                                                 .arg(QRegularExpression::escape(tool.name),
                                                      parts.join(QStringLiteral("[_\\-\\s]"))),
                                         QRegularExpression::CaseInsensitiveOption
                                                 | QRegularExpression::UseUnicodePropertiesOption);
            e.namePattern.optimize();
        }
        collect(tool.name, &e.nameWords, &e.nameConcepts);
        collect(tool.description, &e.descriptionWords, &e.descriptionConcepts);
        m_entries.append(std::move(e));
    }
}

bool OfflineToolCatalog::describes(const QList<ToolDefinition> &tools) const
{
    if (tools.size() != m_entries.size())
        return false;
    for (qsizetype i = 0; i < tools.size(); ++i) {
        if (tools.at(i).name != m_entries.at(i).name
            || tools.at(i).description != m_entries.at(i).description)
            return false;
    }
    return true;
}

OfflineToolCatalog::Match OfflineToolCatalog::matchByName(const QString &message) const
{
    Match best;
    qsizetype bestLength = -1;
    qsizetype bestPos = -1;
    for (int i = 0; i < m_entries.size(); ++i) {
        const Entry &e = m_entries.at(i);
        if (e.name.isEmpty())
            continue;
        const QRegularExpressionMatch m = e.namePattern.match(message);
        if (!m.hasMatch())
            continue;
        if (e.name.size() > bestLength
            || (e.name.size() == bestLength && m.capturedStart() < bestPos)) {
            best = {i, m.capturedEnd()};
            bestLength = e.name.size();
            bestPos = m.capturedStart();
        }
    }
    return best;
}

OfflineToolCatalog::Match OfflineToolCatalog::matchByDescription(const QString &message,
                                                                 const FillCheck &canFill) const
{
    // Scores, doubled to stay integers: a word of the tool's name 4, of its description 2; the
    // same through a synonym 2 and 1; required arguments the message fills 4. At least 4 wins,
    // unless tied.
    constexpr int kThreshold = 4;
    const QList<Word> words = wordsOf(message);
    if (words.isEmpty())
        return {};
    // Equal scores go to the tool with fewer name words the message leaves out
    // ("list directory" is list_directory rather than list_directory_with_sizes).
    struct Rank
    {
        int score = 0;
        int unmatchedNameWords = 0;
        [[nodiscard]] bool beats(const Rank &o) const
        {
            return score != o.score ? score > o.score : unmatchedNameWords < o.unmatchedNameWords;
        }
        [[nodiscard]] bool ties(const Rank &o) const
        {
            return score == o.score && unmatchedNameWords == o.unmatchedNameWords;
        }
    };
    int best = -1;
    Rank bestRank;
    Rank secondRank;
    qsizetype bestEnd = 0;
    for (int i = 0; i < m_entries.size(); ++i) {
        const Entry &e = m_entries.at(i);
        Rank rank;
        qsizetype end = 0;
        int matchedNameWords = 0;
        for (const Word &w : words) {
            int s = 0;
            if (e.nameWords.contains(w.stem))
                s = 4;
            else if (e.descriptionWords.contains(w.stem) || e.nameConcepts.contains(w.meaning))
                s = 2;
            else if (e.descriptionConcepts.contains(w.meaning))
                s = 1;
            if (s == 4 || (s == 2 && e.nameConcepts.contains(w.meaning)))
                ++matchedNameWords;
            if (s > 0) {
                rank.score += s;
                end = std::max(end, w.end);
            }
        }
        if (rank.score == 0)
            continue;
        rank.unmatchedNameWords = std::max(0, int(e.nameWords.size()) - matchedNameWords);
        if (canFill && canFill(i, end))
            rank.score += 4;
        if (best < 0 || rank.beats(bestRank)) {
            if (best >= 0)
                secondRank = bestRank;
            bestRank = rank;
            best = i;
            bestEnd = end;
        } else if (rank.beats(secondRank) || rank.ties(secondRank)) {
            secondRank = rank;
        }
    }
    if (best < 0 || bestRank.score < kThreshold || bestRank.ties(secondRank))
        return {};
    return {best, bestEnd};
}
