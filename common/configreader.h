#pragma once

#include "configerror.h"
#include "jsonpositions.h"
#include "valuerange.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QStringList>

#include <optional>

/// Typed reads from a config document that name every mistake with its place. Each read takes
/// the object, the JSON Pointer of that object and the key; an absent key is "not set"
/// (nothing), a wrong type, an out-of-range number or an unknown choice is an error (also
/// nothing) with file, line, column and what would be valid. Unknown keys are never looked at,
/// so they stay ignored (other hosts add their own).
class ConfigReader
{
public:
    /// `positions` from JsonPositions::scan() of the text (empty: positions unknown).
    explicit ConfigReader(QString file = {}, JsonPositions positions = {});

    /// An error about the value at `pointer` (JSON Pointer); `message` is the whole text.
    void error(const QString &pointer, const QString &message);
    /// An error placed at the member's key rather than its value.
    void errorAtKey(const QString &pointer, const QString &message);
    [[nodiscard]] const QList<ConfigError> &errors() const { return m_errors; }
    [[nodiscard]] QList<ConfigError> takeErrors() { return std::exchange(m_errors, {}); }
    [[nodiscard]] const QString &file() const { return m_file; }
    [[nodiscard]] const JsonPositions &positions() const { return m_positions; }

    [[nodiscard]] std::optional<double> number(const QJsonObject &object, const QString &at,
                                               const QString &key, const ValueRange &range);
    [[nodiscard]] std::optional<qint64> integer(const QJsonObject &object, const QString &at,
                                                const QString &key, const ValueRange &range);
    [[nodiscard]] std::optional<QString> string(const QJsonObject &object, const QString &at,
                                                const QString &key);
    [[nodiscard]] std::optional<bool> boolean(const QJsonObject &object, const QString &at,
                                              const QString &key);
    [[nodiscard]] std::optional<QJsonObject> object(const QJsonObject &object, const QString &at,
                                                    const QString &key);
    [[nodiscard]] std::optional<QJsonArray> array(const QJsonObject &object, const QString &at,
                                                  const QString &key);
    /// An array of strings.
    [[nodiscard]] std::optional<QStringList> stringList(const QJsonObject &object,
                                                        const QString &at, const QString &key);
    /// One of `choices` (name -> value; matched case-insensitively, spaces trimmed); the error
    /// lists `shown` (the names to offer, without aliases).
    template<typename T>
    [[nodiscard]] std::optional<T> choice(const QJsonValue &value, const QString &pointer,
                                          const QList<QPair<QString, T>> &choices,
                                          const QStringList &shown)
    {
        if (!value.isString()) {
            error(pointer,
                  QStringLiteral("%1 must be one of %2, not %3")
                          .arg(settingName(pointer), shown.join(QStringLiteral(", ")),
                               typeName(value)));
            return std::nullopt;
        }
        const QString name = value.toString().trimmed().toLower();
        for (const auto &[n, v] : choices) {
            if (n == name)
                return v;
        }
        error(pointer,
              QStringLiteral("%1 must be one of %2, got \"%3\"")
                      .arg(settingName(pointer), shown.join(QStringLiteral(", ")),
                           value.toString()));
        return std::nullopt;
    }

    /// "/server/port" -> "server.port"; "/approval/tools/fs~1write" -> "approval.tools.fs/write".
    [[nodiscard]] static QString settingName(const QString &pointer);
    /// "a string", "a number", … for messages.
    [[nodiscard]] static QString typeName(const QJsonValue &value);

private:
    [[nodiscard]] bool typed(const QJsonValue &value, QJsonValue::Type type, const QString &pointer,
                             const char *expected);

    QString m_file;
    JsonPositions m_positions;
    QList<ConfigError> m_errors;
};
