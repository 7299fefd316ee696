#pragma once

#include "chatmodel.h"

#include <QList>
#include <QRegularExpression>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>

/// What the built-in offline model knows about a request's tools, prepared once per tool list
/// (each name as a compiled pattern, the keywords of each name and description), so that a call
/// only matches the user's message against it. OfflineModel keeps one and rebuilds it when the
/// tool list changes (describes() says whether it still fits).
class OfflineToolCatalog
{
public:
    /// A tool found in a message: its index in the tool list, and where the words that named
    /// it end in the message (the arguments usually follow them).
    struct Match
    {
        int tool = -1;
        qsizetype end = -1;
    };
    /// Says whether the required arguments of tool `index` can be filled from the message, the
    /// part after the words that named the tool starting at `restStart`.
    using FillCheck = std::function<bool(int index, qsizetype restStart)>;

    explicit OfflineToolCatalog(const QList<ToolDefinition> &tools);

    /// True if `tools` has exactly the names and descriptions this catalog was prepared from.
    [[nodiscard]] bool describes(const QList<ToolDefinition> &tools) const;
    [[nodiscard]] qsizetype size() const { return m_entries.size(); }

    /// The tool the message names (whole word; `_`, `-` and spaces interchangeable): the longest
    /// name wins, then the earliest mention.
    [[nodiscard]] Match matchByName(const QString &message) const;
    /// The tool whose name and description words (stemmed, with a few synonyms such as add/sum)
    /// best match the message's words; a tool whose required arguments the message fills
    /// (`canFill`) scores higher. No tool when the best score is weak or tied.
    [[nodiscard]] Match matchByDescription(const QString &message, const FillCheck &canFill) const;

    /// Words that say nothing about which tool or what value is meant ("the", "please", …).
    [[nodiscard]] static bool isFillerWord(const QString &lowerCaseWord);

private:
    struct Entry
    {
        QString name;
        QString description;
        QRegularExpression namePattern;
        QSet<QString> nameWords; ///< stems
        QSet<QString> descriptionWords;
        QSet<QString> nameConcepts; ///< stems mapped through the synonyms
        QSet<QString> descriptionConcepts;
    };

    QList<Entry> m_entries;
};
