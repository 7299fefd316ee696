#pragma once

#include "storetypes.h"

#include <QString>

/// A session as a readable Markdown conversation: its title, then each turn with the user's
/// message, the model's thoughts, each tool call (server › tool, its arguments as a fenced
/// JSON block, its result: the text, or a note for images and audio; errors marked) and the
/// answer, each step with its start time and duration, and the turn's stop reason and token
/// usage, all taken from the event log.
///
/// Everything in a session is untrusted text (the user's, the model's, an MCP server's): it
/// never changes the document's structure. Prose goes into block quotes (a quote contains
/// whatever Markdown it holds), code into fences longer than any backtick run in it, names
/// into code spans, the title is escaped.
namespace MarkdownExport {
[[nodiscard]] QString fromArchive(const SessionArchive &archive);

/// `text` in a fenced block with `info` ("json", "text"): the fence is longer than any run of
/// backticks in the text.
[[nodiscard]] QString fenced(const QString &text, const QString &info);
/// `text` as a code span on one line (line breaks and control characters become spaces).
[[nodiscard]] QString codeSpan(const QString &text);
/// `text` as a block quote, every line of it quoted.
[[nodiscard]] QString quoted(const QString &text);
/// `text` on one line with every Markdown punctuation character escaped.
[[nodiscard]] QString escapedInline(const QString &text);
} // namespace MarkdownExport
