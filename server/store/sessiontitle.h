#pragma once

#include <QString>

#include <optional>

/// A session's title: taken from its first user message until someone renames it.
///
/// fromMessage() keeps the first non-empty line, with control characters turned into spaces
/// and runs of white space collapsed, cut to at most kMaxDerivedChars characters (code points;
/// a cut one ends in "…"). validate() checks a title a client asks for: 1..kMaxChars characters
/// after trimming, one line, no control characters.
namespace SessionTitle {

constexpr int kMaxDerivedChars = 80;
constexpr int kMaxChars = 200;

[[nodiscard]] QString fromMessage(const QString &message);
/// The trimmed title, or nullopt with the reason for people in `*why`.
[[nodiscard]] std::optional<QString> validate(const QString &title, QString *why);

} // namespace SessionTitle
