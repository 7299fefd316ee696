#include "markdownexport.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <optional>

namespace {

const QLatin1String kIteration("iteration");
const QLatin1String kCallId("call_id");

/// Line breaks as "\n" only: a lone "\r" ends a line in Markdown too.
QString normalizedLines(const QString &text)
{
    QString out = text;
    out.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    out.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    // Other control characters (NUL, ESC, …) show as the replacement character.
    for (QChar &c : out) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\n' && u != u'\t') || u == 0x7f || u == 0x2028 || u == 0x2029)
            c = QChar(0xfffd);
    }
    return out;
}

/// One line: every control character (line breaks too) becomes a space.
QString oneLine(const QString &text, int maxChars = 200)
{
    QString out = text.left(maxChars);
    for (QChar &c : out) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u == 0x7f || u == 0x2028 || u == 0x2029)
            c = QLatin1Char(' ');
    }
    if (text.size() > maxChars)
        out += QStringLiteral("…");
    return out;
}

int longestBacktickRun(const QString &text)
{
    int longest = 0;
    int run = 0;
    for (const QChar c : text) {
        run = c == u'`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

QString utcTime(const QDateTime &time, bool withDate)
{
    if (!time.isValid())
        return QStringLiteral("unknown time");
    return time.toUTC().toString(withDate ? QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")
                                          : QStringLiteral("HH:mm:ss.zzz"))
            + QStringLiteral(" UTC");
}

QString duration(qint64 ms)
{
    if (ms < 0)
        return QStringLiteral("unknown");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60 * 1000)
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 2);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

QString between(const QDateTime &from, const QDateTime &to)
{
    if (!from.isValid() || !to.isValid())
        return QStringLiteral("unknown");
    return duration(from.msecsTo(to));
}

QString str(const StreamEvent &e, const char *key)
{
    return e.data.value(QLatin1String(key)).toString();
}

/// One step of a turn, as the export shows it.
struct Step
{
    enum class Kind { Think, Tool, Notice };
    Kind kind = Kind::Think;
    StreamEvent start; ///< thinking, tool_call, or the notice itself
    QDateTime end; ///< Think: when the model call ended
    QString text; ///< Think: the text the model streamed in this iteration
    std::optional<StreamEvent> acting; ///< Tool: the first acting event
    std::optional<StreamEvent> result; ///< Tool: its observing event
};

/// A turn gathered from its events.
struct TurnView
{
    QList<Step> steps;
    std::optional<StreamEvent> answer; ///< final_response
    std::optional<StreamEvent> error; ///< the error that ended it
    QString input; ///< the user's message (thinking.input on iteration 1)
};

TurnView gather(const QList<const StreamEvent *> &events)
{
    TurnView view;
    qsizetype openThink = -1; // the Think step whose model call has not ended yet
    QHash<QString, qsizetype> toolByCall;
    const auto closeThink = [&](const QDateTime &at) {
        if (openThink >= 0) {
            view.steps[openThink].end = at;
            openThink = -1;
        }
    };
    for (const StreamEvent *e : events) {
        switch (e->type) {
        case StreamEventType::Thinking: {
            closeThink(e->ts);
            if (view.input.isEmpty() && e->data.contains(QLatin1String("input")))
                view.input = str(*e, "input");
            Step step;
            step.kind = Step::Kind::Think;
            step.start = *e;
            view.steps.append(step);
            openThink = view.steps.size() - 1;
            break;
        }
        case StreamEventType::PartialResponse:
            if (openThink >= 0)
                view.steps[openThink].text += str(*e, "delta");
            break;
        case StreamEventType::ToolCall: {
            closeThink(e->ts);
            Step step;
            step.kind = Step::Kind::Tool;
            step.start = *e;
            view.steps.append(step);
            toolByCall.insert(str(*e, "call_id"), view.steps.size() - 1);
            break;
        }
        case StreamEventType::Acting:
        case StreamEventType::Observing: {
            const auto it = toolByCall.constFind(str(*e, "call_id"));
            if (it == toolByCall.cend())
                break;
            Step &step = view.steps[*it];
            if (e->type == StreamEventType::Acting && !step.acting)
                step.acting = *e;
            if (e->type == StreamEventType::Observing && !step.result)
                step.result = *e;
            break;
        }
        case StreamEventType::FinalResponse:
            closeThink(e->ts);
            view.answer = *e;
            break;
        case StreamEventType::Error:
            closeThink(e->ts);
            view.error = *e;
            [[fallthrough]];
        case StreamEventType::Elicitation:
        case StreamEventType::Sampling: {
            Step step;
            step.kind = Step::Kind::Notice;
            step.start = *e;
            view.steps.append(step);
            break;
        }
        case StreamEventType::SessionStart:
        case StreamEventType::SessionEnd:
        case StreamEventType::StreamReset:
            break;
        }
    }
    if (openThink >= 0 && !events.isEmpty())
        closeThink(events.constLast()->ts);
    return view;
}

QString contentBlocks(const QJsonArray &content)
{
    using namespace MarkdownExport;
    QString out;
    for (const QJsonValue &v : content) {
        const QJsonObject block = v.toObject();
        const QString type = block.value(QLatin1String("type")).toString();
        const QString mime = block.value(QLatin1String("mimeType")).toString();
        if (type == QLatin1String("text")) {
            out += fenced(block.value(QLatin1String("text")).toString(), QStringLiteral("text"));
            if (block.value(QLatin1String("truncated")).toBool())
                out += QStringLiteral("*(the text was cut at 1 MiB)*\n\n");
        } else if (type == QLatin1String("image") || type == QLatin1String("audio")) {
            const QString data = block.value(QLatin1String("data")).toString();
            const qint64 bytes = data.size() * 3 / 4
                    - (data.endsWith(QLatin1String("=="))        ? 2
                               : data.endsWith(QLatin1Char('=')) ? 1
                                                                 : 0);
            out += QStringLiteral("*(%1%2, %3, not included)*\n\n")
                           .arg(type == QLatin1String("image") ? QStringLiteral("an image")
                                                               : QStringLiteral("audio"),
                                mime.isEmpty() ? QString() : QLatin1Char(' ') + codeSpan(mime),
                                byteSizeText(std::max<qint64>(0, bytes)));
        } else if (type == QLatin1String("resource")) {
            const QJsonObject resource = block.value(QLatin1String("resource")).toObject();
            out += QStringLiteral("Resource %1\n\n")
                           .arg(codeSpan(resource.value(QLatin1String("uri")).toString()));
            if (resource.value(QLatin1String("text")).isString())
                out += fenced(resource.value(QLatin1String("text")).toString(),
                              QStringLiteral("text"));
        } else if (type == QLatin1String("resource_link")) {
            out += QStringLiteral("Link to resource %1\n\n")
                           .arg(codeSpan(block.value(QLatin1String("uri")).toString()));
        } else {
            out += QStringLiteral("*(a %1 block, not included)*\n\n").arg(codeSpan(type));
        }
    }
    return out;
}

QString toolStep(int number, const Step &step)
{
    using namespace MarkdownExport;
    const StreamEvent &call = step.start;
    const QString server = str(call, "server");
    QString out = QStringLiteral("### %1. Tool call: %2 › %3\n\n")
                          .arg(number)
                          .arg(server.isEmpty() ? QStringLiteral("*(unknown server)*")
                                                : codeSpan(server),
                               codeSpan(str(call, "tool")));
    QString timing = QStringLiteral("Started %1").arg(utcTime(call.ts, false));
    const QJsonValue durationMs
            = step.result ? step.result->data.value(QLatin1String("duration_ms")) : QJsonValue();
    if (durationMs.isDouble())
        timing += QStringLiteral(" · took %1").arg(duration(durationMs.toInteger()));
    else if (step.result)
        timing += QStringLiteral(" · took %1").arg(between(call.ts, step.result->ts));
    const QString approval = str(call, "approval");
    if (approval == QLatin1String("required")) {
        timing += QStringLiteral(" · approval required");
        if (step.acting)
            timing += QStringLiteral(" (approved after %1)").arg(between(call.ts, step.acting->ts));
    } else if (approval == QLatin1String("denied")) {
        timing += QStringLiteral(" · denied by the approval policy");
    }
    out += timing + QStringLiteral("\n\nArguments:\n\n");
    const QJsonObject arguments = call.data.value(QLatin1String("arguments")).toObject();
    out += fenced(QString::fromUtf8(QJsonDocument(arguments).toJson(
                          arguments.isEmpty() ? QJsonDocument::Compact : QJsonDocument::Indented)),
                  QStringLiteral("json"));
    if (!step.result)
        return out + QStringLiteral("*No result: the turn ended before the tool answered.*\n\n");
    const bool isError = step.result->data.value(QLatin1String("is_error")).toBool();
    out += isError ? QStringLiteral("**Result (error):**\n\n") : QStringLiteral("Result:\n\n");
    const QJsonArray content = step.result->data.value(QLatin1String("content")).toArray();
    out += content.isEmpty() ? QStringLiteral("*(empty)*\n\n") : contentBlocks(content);
    return out;
}

QString noticeStep(int number, const Step &step)
{
    using namespace MarkdownExport;
    const StreamEvent &e = step.start;
    const QString when = utcTime(e.ts, false);
    switch (e.type) {
    case StreamEventType::Error:
        return QStringLiteral("### %1. Error %2\n\nAt %3%4\n\n%5")
                .arg(number)
                .arg(codeSpan(str(e, "code")), when,
                     e.data.value(QLatin1String("retryable")).toBool()
                             ? QStringLiteral(" · retryable")
                             : QString(),
                     quoted(str(e, "message")));
    case StreamEventType::Elicitation: {
        QString out = QStringLiteral("### %1. Question from %2\n\nAt %3\n\n")
                              .arg(number)
                              .arg(codeSpan(str(e, "server")), when);
        if (str(e, "status") == QLatin1String("cancelled"))
            return out + QStringLiteral("*Withdrawn by the server:* ")
                    + escapedInline(str(e, "reason")) + QStringLiteral("\n\n");
        return out + quoted(str(e, "message"));
    }
    case StreamEventType::Sampling: {
        QString out = QStringLiteral("### %1. %2 asked to use the model\n\nAt %3")
                              .arg(number)
                              .arg(codeSpan(str(e, "server")), when);
        if (str(e, "status") == QLatin1String("cancelled"))
            return out + QStringLiteral(" · withdrawn by the server\n\n");
        return out + QStringLiteral(" · approval %1\n\n").arg(escapedInline(str(e, "approval")));
    }
    default:
        break;
    }
    return {};
}

QString turnSection(int index, const TurnRecord &turn, const QString &fallbackInput,
                    const QList<const StreamEvent *> &events)
{
    using namespace MarkdownExport;
    const TurnView view = gather(events);
    QString out = QStringLiteral("## Turn %1 · %2\n\n").arg(index).arg(turnStateName(turn.state));
    QString stopReason;
    if (view.answer)
        stopReason = escapedInline(str(*view.answer, "stop_reason"));
    else if (view.error)
        stopReason = QStringLiteral("error ") + codeSpan(str(*view.error, "code"));
    else
        stopReason = turnStateName(turn.state);
    out += QStringLiteral("- Started: %1\n").arg(utcTime(turn.started, true));
    out += QStringLiteral("- Duration: %1\n").arg(between(turn.started, turn.ended));
    out += QStringLiteral("- Iterations: %1\n").arg(turn.iterations);
    out += QStringLiteral("- Stop reason: %1\n")
                   .arg(stopReason.isEmpty() ? QStringLiteral("unknown") : stopReason);
    if (view.answer && view.answer->data.value(QLatin1String("usage")).isObject()) {
        const QJsonObject usage = view.answer->data.value(QLatin1String("usage")).toObject();
        out += QStringLiteral("- Tokens: %1 in, %2 out\n")
                       .arg(usage.value(QLatin1String("input_tokens")).toInteger())
                       .arg(usage.value(QLatin1String("output_tokens")).toInteger());
    }
    out += QStringLiteral("\n### You\n\n");
    out += quoted(view.input.isEmpty() ? fallbackInput : view.input);

    int number = 0;
    for (qsizetype i = 0; i < view.steps.size(); ++i) {
        const Step &step = view.steps.at(i);
        ++number;
        switch (step.kind) {
        case Step::Kind::Think: {
            const int iteration = int(step.start.data.value(kIteration).toInteger());
            out += QStringLiteral("### %1. Thinking (iteration %2)\n\nStarted %3 · took %4\n\n")
                           .arg(number)
                           .arg(iteration)
                           .arg(utcTime(step.start.ts, false), between(step.start.ts, step.end));
            // The text of the iteration that answered is the answer, shown below.
            const bool answered
                    = view.answer && view.answer->data.value(kIteration).toInteger() == iteration;
            if (!step.text.isEmpty() && !answered)
                out += QStringLiteral("Thought:\n\n") + quoted(step.text);
            break;
        }
        case Step::Kind::Tool:
            out += toolStep(number, step);
            break;
        case Step::Kind::Notice:
            out += noticeStep(number, step);
            break;
        }
    }
    if (view.answer) {
        out += QStringLiteral("### Answer\n\nAt %1\n\n").arg(utcTime(view.answer->ts, false));
        const QString content = str(*view.answer, "content");
        out += content.isEmpty() ? QStringLiteral("*(no answer)*\n\n") : quoted(content);
    } else if (!view.error) {
        out += QStringLiteral("*The turn ended without an answer (%1).*\n\n")
                       .arg(turnStateName(turn.state));
    }
    return out;
}

QString roleName(ChatMessage::Role role)
{
    switch (role) {
    case ChatMessage::Role::System:
        return QStringLiteral("System");
    case ChatMessage::Role::User:
        return QStringLiteral("You");
    case ChatMessage::Role::Assistant:
        return QStringLiteral("Assistant");
    case ChatMessage::Role::Tool:
        return QStringLiteral("Tool");
    }
    return {};
}

} // namespace

namespace MarkdownExport {

QString fenced(const QString &text, const QString &info)
{
    const QString fence(std::max(3, longestBacktickRun(text) + 1), QLatin1Char('`'));
    QString body = normalizedLines(text);
    if (!body.endsWith(QLatin1Char('\n')))
        body += QLatin1Char('\n');
    return fence + oneLine(info) + QLatin1Char('\n') + body + fence + QStringLiteral("\n\n");
}

QString codeSpan(const QString &text)
{
    const QString line = oneLine(text);
    if (line.isEmpty())
        return QStringLiteral("*(none)*");
    const QString ticks(longestBacktickRun(line) + 1, QLatin1Char('`'));
    // A space on each side keeps a backtick at either end from joining the delimiters
    // (Markdown drops one such space on each side).
    const bool pad = line.startsWith(QLatin1Char('`')) || line.endsWith(QLatin1Char('`'))
            || (line.startsWith(QLatin1Char(' ')) && line.endsWith(QLatin1Char(' ')));
    return pad ? ticks + QLatin1Char(' ') + line + QLatin1Char(' ') + ticks : ticks + line + ticks;
}

QString quoted(const QString &text)
{
    const QString body = normalizedLines(text);
    if (body.trimmed().isEmpty())
        return QStringLiteral("> *(empty)*\n\n");
    QString out;
    const QStringList lines = body.split(QLatin1Char('\n'));
    for (const QString &line : lines)
        out += line.isEmpty() ? QStringLiteral(">\n")
                              : QStringLiteral("> ") + line + QLatin1Char('\n');
    // The blank line ends the quote: nothing after it continues the quoted paragraph.
    return out + QLatin1Char('\n');
}

QString escapedInline(const QString &text)
{
    QString out;
    const QString line = oneLine(text);
    out.reserve(line.size() * 2);
    for (const QChar c : line) {
        if (c.unicode() < 0x80 && c.isPunct())
            out += QLatin1Char('\\');
        else if (c.unicode() < 0x80 && c.isSymbol())
            out += QLatin1Char('\\');
        out += c;
    }
    return out;
}

QString fromArchive(const SessionArchive &archive)
{
    const SessionRecord &r = archive.data.session;
    QString out = QStringLiteral("# %1\n\n")
                          .arg(r.title.isEmpty() ? QStringLiteral("Untitled session")
                                                 : escapedInline(r.title));
    out += QStringLiteral("- Session: %1\n").arg(codeSpan(r.id));
    out += QStringLiteral("- Created: %1\n").arg(utcTime(r.created, true));
    out += QStringLiteral("- Last activity: %1\n").arg(utcTime(r.updated, true));
    out += QStringLiteral("- Turns: %1 · messages: %2 · events: %3\n\n")
                   .arg(archive.data.turns.size())
                   .arg(archive.data.messages.size())
                   .arg(archive.events.size());

    QHash<QString, QList<const StreamEvent *>> byTurn;
    QList<const StreamEvent *> outside;
    for (const StreamEvent &e : archive.events) {
        if (e.turnId.isEmpty())
            outside.append(&e);
        else
            byTurn[e.turnId].append(&e);
    }
    QStringList userMessages;
    for (const ChatMessage &m : archive.data.messages) {
        if (m.role == ChatMessage::Role::User)
            userMessages.append(m.text);
    }
    for (qsizetype i = 0; i < archive.data.turns.size(); ++i) {
        const TurnRecord &t = archive.data.turns.at(i);
        out += turnSection(int(i + 1), t, userMessages.value(i), byTurn.value(t.id));
    }
    if (archive.data.turns.isEmpty() && !archive.data.messages.isEmpty()) {
        // A session without a recorded turn (none ran here): its messages as they are.
        out += QStringLiteral("## Conversation\n\n");
        for (const ChatMessage &m : archive.data.messages) {
            out += QStringLiteral("### %1\n\n").arg(roleName(m.role));
            out += quoted(m.text);
        }
    }
    bool heading = false;
    for (const StreamEvent *e : outside) {
        if (e->type != StreamEventType::Error && e->type != StreamEventType::SessionEnd)
            continue;
        if (!heading)
            out += QStringLiteral("## Session events\n\n");
        heading = true;
        if (e->type == StreamEventType::SessionEnd)
            out += QStringLiteral("- %1: the session ended (%2)\n")
                           .arg(utcTime(e->ts, true), escapedInline(str(*e, "reason")));
        else
            out += QStringLiteral("- %1: error %2: %3\n")
                           .arg(utcTime(e->ts, true), codeSpan(str(*e, "code")),
                                escapedInline(str(*e, "message")));
    }
    if (heading)
        out += QLatin1Char('\n');
    return out;
}

} // namespace MarkdownExport
