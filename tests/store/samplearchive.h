#pragma once

// A realistic session for the export tests, written through the memory store the way the core
// writes a turn (leases, store-assigned seqs, turn spans): three turns, an approved tool call
// with a text result, a failing tool and a model error, an image result, a question from an
// MCP server, a cancelled turn. Times are fixed so that durations are known.

#include "memorysessionstore.h"
#include "storetypes.h"

#include <QJsonArray>
#include <QTest>
#include <QTimeZone>

#include <functional>
#include <optional>

namespace SampleArchive {

/// The value of an asynchronous store call (fails the test when it fails or never answers).
template<typename T> std::optional<T> wait(const std::function<void(SessionStore::Done<T>)> &call)
{
    std::optional<StoreResult<T>> result;
    call([&result](StoreResult<T> r) { result.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, 5000)) {
        qWarning("the store did not answer");
        return std::nullopt;
    }
    if (!result->ok()) {
        qWarning("store: %s", qPrintable(result->error().message));
        return std::nullopt;
    }
    return result->value();
}

inline QDateTime at(int second, int ms = 0)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    return QDateTime(QDate(2026, 12, 1), QTime(13, 31, second, ms), QTimeZone::UTC);
#else
    return QDateTime(QDate(2026, 12, 1), QTime(13, 31, second, ms), Qt::UTC);
#endif
}

/// One turn as the agent writes it: `events` appended under the turn's lease, then `messages`,
/// then the turn ended in `state`.
struct TurnScript
{
    QString turnId;
    QList<StreamEvent> events;
    QList<ChatMessage> messages;
    TurnState state = TurnState::Answered;
    int iterations = 1;
};

inline StreamEvent ev(StreamEventType type, const QDateTime &ts, const QJsonObject &data)
{
    StreamEvent e = StreamEvent::make(type, data);
    e.ts = ts;
    return e;
}

inline QList<TurnScript> turns()
{
    using T = StreamEventType;
    QList<TurnScript> list;
    // Turn 1: a thought, an echo that needs approval, then the answer.
    TurnScript t1;
    t1.turnId = QStringLiteral("turn-1-aaaa");
    t1.iterations = 2;
    t1.events = {
            ev(T::Thinking, at(44, 151), {{"iteration", 1}, {"input", "Echo hi please"}}),
            ev(T::PartialResponse, at(44, 199), {{"iteration", 1}, {"delta", "Let me "}}),
            ev(T::PartialResponse, at(44, 239), {{"iteration", 1}, {"delta", "check."}}),
            ev(T::ToolCall, at(44, 551),
               {{"iteration", 1},
                {"call_id", "call_a"},
                {"server", "fixture"},
                {"tool", "echo"},
                {"arguments", QJsonObject {{"message", "hi"}}},
                {"approval", "required"}}),
            ev(T::Acting, at(46, 51), {{"iteration", 1}, {"call_id", "call_a"}, {"tool", "echo"}}),
            ev(T::Observing, at(46, 58),
               {{"iteration", 1},
                {"call_id", "call_a"},
                {"tool", "echo"},
                {"is_error", false},
                {"duration_ms", 7},
                {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", "Echo: hi"}}}}}),
            ev(T::Thinking, at(46, 60), {{"iteration", 2}}),
            ev(T::PartialResponse, at(46, 300), {{"iteration", 2}, {"delta", "Done: hi"}}),
            ev(T::FinalResponse, at(46, 420),
               {{"iteration", 2},
                {"iterations", 2},
                {"content", "Done: hi"},
                {"stop_reason", "answer"},
                {"usage", QJsonObject {{"input_tokens", 60}, {"output_tokens", 6}}}}),
    };
    t1.messages = {ChatMessage::user(QStringLiteral("Echo hi please")),
                   ChatMessage::assistant(QStringLiteral("Let me check."),
                                          {{QStringLiteral("call_a"), QStringLiteral("echo"),
                                            QJsonObject {{"message", "hi"}}}}),
                   ChatMessage::toolResult(QStringLiteral("call_a"), QStringLiteral("echo"),
                                           QStringLiteral("Echo: hi")),
                   ChatMessage::assistant(QStringLiteral("Done: hi"))};
    list.append(t1);

    // Turn 2: a failing tool, a question from the server, then the model fails.
    TurnScript t2;
    t2.turnId = QStringLiteral("turn-2-bbbb");
    t2.state = TurnState::Failed;
    t2.iterations = 2;
    t2.events = {
            ev(T::Thinking, at(50, 0), {{"iteration", 1}, {"input", "Try the failing tool"}}),
            ev(T::ToolCall, at(50, 100),
               {{"iteration", 1},
                {"call_id", "call_fail"},
                {"server", "fixture"},
                {"tool", "fail"},
                {"arguments", QJsonObject {{"reason", "disk full"}}},
                {"approval", "auto"}}),
            ev(T::Acting, at(50, 100), {{"iteration", 1}, {"call_id", "call_fail"}}),
            ev(T::Elicitation, at(50, 200),
               {{"request_id", "elic_1"},
                {"server", "fixture"},
                {"message", "Which disk?"},
                {"schema", QJsonObject {{"type", "object"}}}}),
            ev(T::Observing, at(51, 100),
               {{"iteration", 1},
                {"call_id", "call_fail"},
                {"tool", "fail"},
                {"is_error", true},
                {"duration_ms", 1000},
                {"content", QJsonArray {QJsonObject {{"type", "text"}, {"text", "disk full"}}}}}),
            ev(T::Thinking, at(51, 200), {{"iteration", 2}}),
            ev(T::Error, at(51, 300),
               {{"code", "server"},
                {"message", "the model's server had an error (HTTP 500): upstream exploded"},
                {"retryable", true}}),
    };
    t2.messages = {ChatMessage::user(QStringLiteral("Try the failing tool")),
                   ChatMessage::assistant({},
                                          {{QStringLiteral("call_fail"), QStringLiteral("fail"),
                                            QJsonObject {{"reason", "disk full"}}}}),
                   ChatMessage::toolResult(QStringLiteral("call_fail"), QStringLiteral("fail"),
                                           QStringLiteral("disk full"), true)};
    list.append(t2);

    // Turn 3: an image, then the user cancels.
    TurnScript t3;
    t3.turnId = QStringLiteral("turn-3-cccc");
    t3.state = TurnState::Cancelled;
    t3.events = {
            ev(T::Thinking, at(55, 0), {{"iteration", 1}, {"input", "Show me a picture"}}),
            ev(T::ToolCall, at(55, 10),
               {{"iteration", 1},
                {"call_id", "call_img"},
                {"server", "fixture"},
                {"tool", "image"},
                {"arguments", QJsonObject {}},
                {"approval", "auto"}}),
            ev(T::Acting, at(55, 10), {{"iteration", 1}, {"call_id", "call_img"}}),
            ev(T::Observing, at(55, 30),
               {{"iteration", 1},
                {"call_id", "call_img"},
                {"tool", "image"},
                {"is_error", false},
                {"duration_ms", 20},
                {"content",
                 QJsonArray {QJsonObject {{"type", "image"},
                                          {"mimeType", "image/png"},
                                          {"data", "iVBORw0KGgo="}}}}}),
            ev(T::FinalResponse, at(55, 40),
               {{"iteration", 1},
                {"iterations", 1},
                {"content", ""},
                {"stop_reason", "cancelled"},
                {"usage", QJsonObject {{"input_tokens", 20}, {"output_tokens", 3}}}}),
    };
    t3.messages = {ChatMessage::user(QStringLiteral("Show me a picture"))};
    list.append(t3);
    return list;
}

/// Writes `scripts` into a new session `id` of `store`; false (with a warning) on failure.
inline bool write(SessionStore &store, const QString &id, const QList<TurnScript> &scripts)
{
    SessionRecord record;
    record.id = id;
    record.created = at(40);
    if (!wait<SessionRecord>([&](auto done) { store.createSession(record, done); }))
        return false;
    for (const TurnScript &script : scripts) {
        const auto lease
                = wait<Lease>([&](auto done) { store.beginTurn(id, script.turnId, done); });
        if (!lease)
            return false;
        for (StreamEvent e : script.events) {
            e.turnId = script.turnId;
            if (!wait<StreamEvent>([&](auto done) { store.appendEvent(*lease, e, done); }))
                return false;
        }
        for (const ChatMessage &m : script.messages) {
            if (!wait<bool>([&](auto done) { store.appendMessage(*lease, m, done); }))
                return false;
        }
        TurnRecord turn;
        turn.state = script.state;
        turn.iterations = script.iterations;
        if (!wait<bool>([&](auto done) { store.endTurn(*lease, turn, done); }))
            return false;
    }
    // An event outside any turn (as the core writes when a session ends).
    StreamEvent end = ev(StreamEventType::SessionEnd, at(59), {{"reason", "shutdown"}});
    return wait<StreamEvent>([&](auto done) {
               store.appendEvent(Lease {id, {}, 0}, end, done);
           })
            .has_value();
}

/// Everything `store` has of session `id`, as an export reads it.
inline std::optional<SessionArchive> read(SessionStore &store, const QString &id)
{
    const auto data = wait<SessionData>([&](auto done) { store.loadSession(id, done); });
    if (!data)
        return std::nullopt;
    SessionArchive archive;
    archive.data = *data;
    const auto page = wait<EventPage>([&](auto done) { store.readEvents(id, 0, 10000, done); });
    if (!page)
        return std::nullopt;
    archive.events = page->events;
    return archive;
}

/// The sample session `id` (written through a memory store and read back). The store stamps
/// turns and the last activity with the time it ran; they are set to the script's times so
/// that what the tests compare is fixed.
inline std::optional<SessionArchive> make(const QString &id,
                                          const QList<TurnScript> &scripts = turns())
{
    MemorySessionStore store;
    if (!write(store, id, scripts))
        return std::nullopt;
    auto archive = read(store, id);
    if (!archive)
        return std::nullopt;
    for (qsizetype i = 0; i < archive->data.turns.size() && i < scripts.size(); ++i) {
        archive->data.turns[i].started = scripts.at(i).events.constFirst().ts;
        archive->data.turns[i].ended = scripts.at(i).events.constLast().ts;
    }
    archive->data.session.updated = archive->events.constLast().ts;
    return archive;
}

} // namespace SampleArchive
