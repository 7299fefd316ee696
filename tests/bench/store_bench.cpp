// Session store benchmarks (docs/benchmarks.md, "Stores", issue 9), in-process with the real
// stores. Every SQLite figure is measured against a floor in the same run, alternating round by
// round: raw sqlite3 C API inserts of the same event rows into the same table (the store's
// schema), under the same durability (WAL, exclusive locking, the same `synchronous`), with a
// prepared statement and the data already serialized, one transaction per batch of the size
// the store is offered (1: one event at a time; 100: bursts of 100 appends in flight).
//
//   append   events/s persisted (first post to last callback) and the latency of one event at
//            a time (post to callback), the store vs the floor; the memory store for reference
//   list     with 100,000 stored sessions: the first page of 50, a page deep in the list
//            (cursor), a title filter that matches few, open one session (loadSession: record,
//            20 messages, 2 turns), count
//   resume   readEvents of a 10,000-event session from seq 0 and from seq 5,000
//
//   store_bench [--rounds 5] [--dir DIR] [--sessions 100000]
// Prints one line per measurement and round, then the medians and ratios as Markdown tables.

#include <memorysessionstore.h>
#include <sqlitesessionstore.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace {

template<typename T, typename F> StoreResult<T> await(F call)
{
    std::optional<StoreResult<T>> result;
    QEventLoop loop;
    call(SessionStore::Done<T>([&](StoreResult<T> r) {
        result.emplace(std::move(r));
        loop.quit();
    }));
    if (!result)
        loop.exec();
    return std::move(*result);
}

[[noreturn]] void die(const QString &what)
{
    std::fprintf(stderr, "store_bench: %s\n", qPrintable(what));
    std::exit(1);
}

template<typename T> T must(StoreResult<T> r, const char *what)
{
    if (!r.ok())
        die(QStringLiteral("%1: %2").arg(QLatin1String(what), r.error().message));
    return std::move(r.value());
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

StreamEvent chunk(int n)
{
    return StreamEvent::make(StreamEventType::PartialResponse,
                             {{QStringLiteral("iteration"), 1},
                              {QStringLiteral("content"),
                               QStringLiteral("streamed text of a model reply, chunk %1 ....")
                                       .arg(n, 8, 10, QLatin1Char('0'))}},
                             QStringLiteral("turn-1"));
}

struct AppendResult
{
    double eventsPerSecond = 0;
    double medianLatencyUs = 0; ///< per batch (batch 1: per event)
};

/// The store: `n` appends on one session, offered in batches of `batch` (all posted at once,
/// the next batch after the last callback).
AppendResult storeAppends(SessionStore &store, int n, int batch)
{
    SessionRecord record;
    record.id = QStringLiteral("bench");
    must(await<SessionRecord>([&](auto d) { store.createSession(record, d); }), "create");
    const Lease lease
            = must(await<Lease>([&](auto d) { store.beginTurn("bench", "turn-1", d); }), "begin");
    std::vector<StreamEvent> events;
    events.reserve(size_t(n));
    for (int i = 0; i < n; ++i)
        events.push_back(chunk(i));
    std::vector<double> latencies;
    QElapsedTimer total;
    total.start();
    for (int i = 0; i < n; i += batch) {
        const int count = std::min(batch, n - i);
        int answered = 0;
        QEventLoop loop;
        QElapsedTimer one;
        one.start();
        for (int j = 0; j < count; ++j)
            store.appendEvent(lease, events[size_t(i + j)], [&](StoreResult<StreamEvent> r) {
                if (!r.ok())
                    die(r.error().message);
                if (++answered == count)
                    loop.quit();
            });
        if (answered < count)
            loop.exec();
        latencies.push_back(double(one.nsecsElapsed()) / 1000.0);
    }
    AppendResult result;
    result.eventsPerSecond = n / (double(total.nsecsElapsed()) / 1e9);
    result.medianLatencyUs = median(latencies);
    return result;
}

/// The floor: the same rows with the raw C API into a database of the store's schema.
AppendResult floorAppends(const QString &path, int n, int batch, bool full)
{
    {
        SqliteSessionStore store(path); // the schema, then closed
        must(await<bool>([&](auto d) { store.open(d); }), "floor schema");
    }
    sqlite3 *db = nullptr;
    if (sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE, nullptr)
        != SQLITE_OK)
        die(QStringLiteral("floor: cannot open %1").arg(path));
    const auto exec = [db](const char *sql) {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            die(QStringLiteral("floor: %1: %2").arg(QLatin1String(sql), sqlite3_errmsg(db)));
    };
    exec("PRAGMA locking_mode = EXCLUSIVE");
    exec("PRAGMA journal_mode = WAL");
    exec(full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    exec("INSERT INTO sessions (id, created_ms, updated_ms) VALUES ('bench', 0, 0)");
    sqlite3_stmt *insert = nullptr;
    sqlite3_stmt *begin = nullptr;
    sqlite3_stmt *commit = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO events (session_id, seq, turn_id, type, ts_ms, data) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       -1, &insert, nullptr);
    sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, nullptr);
    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr);
    std::vector<QByteArray> data;
    data.reserve(size_t(n));
    for (int i = 0; i < n; ++i)
        data.push_back(QJsonDocument(chunk(i).data).toJson(QJsonDocument::Compact));
    const qint64 ts = QDateTime::currentMSecsSinceEpoch();
    std::vector<double> latencies;
    QElapsedTimer total;
    total.start();
    for (int i = 0; i < n; i += batch) {
        const int count = std::min(batch, n - i);
        QElapsedTimer one;
        one.start();
        sqlite3_step(begin);
        sqlite3_reset(begin);
        for (int j = 0; j < count; ++j) {
            const QByteArray &d = data[size_t(i + j)];
            sqlite3_bind_text(insert, 1, "bench", 5, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 2, i + j + 1);
            sqlite3_bind_text(insert, 3, "turn-1", 6, SQLITE_STATIC);
            sqlite3_bind_text(insert, 4, "partial_response", 16, SQLITE_STATIC);
            sqlite3_bind_int64(insert, 5, ts);
            sqlite3_bind_text(insert, 6, d.constData(), int(d.size()), SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE)
                die(QStringLiteral("floor insert: %1").arg(sqlite3_errmsg(db)));
            sqlite3_reset(insert);
        }
        if (sqlite3_step(commit) != SQLITE_DONE)
            die(QStringLiteral("floor commit: %1").arg(sqlite3_errmsg(db)));
        sqlite3_reset(commit);
        latencies.push_back(double(one.nsecsElapsed()) / 1000.0);
    }
    AppendResult result;
    result.eventsPerSecond = n / (double(total.nsecsElapsed()) / 1e9);
    result.medianLatencyUs = median(latencies);
    sqlite3_finalize(insert);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return result;
}

/// Timings in ms of `fn`, `reps` times.
std::vector<double> timeMs(int reps, const std::function<void()> &fn)
{
    std::vector<double> out;
    for (int i = 0; i < reps; ++i) {
        QElapsedTimer t;
        t.start();
        fn();
        out.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return out;
}

/// Fills `store` with `sessions` sessions (one of them, "target", with 20 messages and 2
/// turns) and one session "long" with 10,000 events.
void populate(SessionStore &store, int sessions)
{
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch() - qint64(sessions) * 1000;
    constexpr int burst = 1000;
    for (int i = 0; i < sessions; i += burst) {
        int answered = 0;
        const int count = std::min(burst, sessions - i);
        QEventLoop loop;
        for (int j = 0; j < count; ++j) {
            SessionRecord r;
            r.id = QStringLiteral("s%1").arg(i + j, 6, 10, QLatin1Char('0'));
            r.title = QStringLiteral("Conversation number %1 about things").arg(i + j);
            r.created = StreamEvent::utcFromMSecs(t0 + (i + j) * 1000LL);
            r.updated = r.created;
            store.createSession(r, [&](StoreResult<SessionRecord> res) {
                if (!res.ok())
                    die(res.error().message);
                if (++answered == count)
                    loop.quit();
            });
        }
        if (answered < count)
            loop.exec();
    }
    SessionRecord target;
    target.id = QStringLiteral("target");
    must(await<SessionRecord>([&](auto d) { store.createSession(target, d); }), "target");
    for (int turn = 1; turn <= 2; ++turn) {
        const Lease lease = must(await<Lease>([&](auto d) {
                                     store.beginTurn("target", QStringLiteral("t%1").arg(turn), d);
                                 }),
                                 "begin");
        for (int m = 0; m < 10; ++m) {
            const ChatMessage message = m % 2 ? ChatMessage::assistant(QString(400, 'a'))
                                              : ChatMessage::user(QString(100, 'u'));
            must(await<bool>([&](auto d) { store.appendMessage(lease, message, d); }), "message");
        }
        TurnRecord t;
        t.state = TurnState::Answered;
        must(await<bool>([&](auto d) { store.endTurn(lease, t, d); }), "end");
    }
    SessionRecord longOne;
    longOne.id = QStringLiteral("long");
    must(await<SessionRecord>([&](auto d) { store.createSession(longOne, d); }), "long");
    const Lease lease
            = must(await<Lease>([&](auto d) { store.beginTurn("long", "turn-1", d); }), "begin");
    int answered = 0;
    QEventLoop loop;
    for (int i = 0; i < 10000; ++i)
        store.appendEvent(lease, chunk(i), [&](StoreResult<StreamEvent> r) {
            if (!r.ok())
                die(r.error().message);
            if (++answered == 10000)
                loop.quit();
        });
    if (answered < 10000)
        loop.exec();
    TurnRecord t;
    t.state = TurnState::Answered;
    must(await<bool>([&](auto d) { store.endTurn(lease, t, d); }), "end");
}

struct Table
{
    std::map<QString, std::vector<double>> values; ///< name -> one value per round

    void add(const QString &name, double v)
    {
        values[name].push_back(v);
        std::printf("%s %.3f\n", qPrintable(name), v);
        std::fflush(stdout);
    }
    [[nodiscard]] double med(const QString &name) const
    {
        const auto it = values.find(name);
        return it == values.end() ? 0 : median(it->second);
    }
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("rounds"),
                                          QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption dirOption(QStringLiteral("dir"),
                                       QStringLiteral("folder for the databases (a real disk)"),
                                       QStringLiteral("dir"), QDir::tempPath());
    const QCommandLineOption sessionsOption(QStringLiteral("sessions"),
                                            QStringLiteral("stored sessions for the list"),
                                            QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption modeOption(QStringLiteral("only"),
                                        QStringLiteral("one append mode (seq, burst100, full-seq, "
                                                       "full-burst100), no lists"),
                                        QStringLiteral("mode"));
    parser.addOptions({roundsOption, dirOption, sessionsOption, modeOption});
    parser.process(app);
    const int rounds = std::max(1, parser.value(roundsOption).toInt());
    const int sessions = std::max(1000, parser.value(sessionsOption).toInt());
    QLoggingCategory::setFilterRules(QStringLiteral("mcphost.*.info=false"));
    QTemporaryDir dir(parser.value(dirOption) + QStringLiteral("/store_bench-XXXXXX"));
    if (!dir.isValid())
        die(QStringLiteral("cannot make a folder in %1").arg(parser.value(dirOption)));
    std::printf("# store_bench: SQLite %s, databases in %s, %d rounds\n", sqlite3_libversion(),
                qPrintable(dir.path()), rounds);

    struct Mode
    {
        const char *name;
        int n;
        int batch;
        bool full;
    };
    const Mode modes[] = {{"seq", 5000, 1, false},
                          {"burst100", 50000, 100, false},
                          {"full-seq", 300, 1, true},
                          {"full-burst100", 10000, 100, true}};
    Table table;
    int file = 0;
    for (int round = 0; round < rounds; ++round) {
        for (const Mode &m : modes) {
            const QString base = QString::fromLatin1(m.name);
            if (parser.isSet(modeOption) && parser.value(modeOption) != base)
                continue;
            // Alternate which one goes first.
            for (int k = 0; k < 2; ++k) {
                const bool floorFirst = round % 2 == 0;
                const bool runFloor = (k == 0) == floorFirst;
                const QString path = dir.filePath(QStringLiteral("a%1.db").arg(++file));
                AppendResult r;
                if (runFloor) {
                    r = floorAppends(path, m.n, m.batch, m.full);
                    table.add(base + QStringLiteral(" floor rate"), r.eventsPerSecond);
                    table.add(base + QStringLiteral(" floor latency"), r.medianLatencyUs);
                } else {
                    SqliteSessionStore::Options options;
                    options.synchronous = m.full ? SqliteSessionStore::Synchronous::Full
                                                 : SqliteSessionStore::Synchronous::Normal;
                    SqliteSessionStore store(path, options);
                    must(await<bool>([&](auto d) { store.open(d); }), "open");
                    r = storeAppends(store, m.n, m.batch);
                    table.add(base + QStringLiteral(" sqlite rate"), r.eventsPerSecond);
                    table.add(base + QStringLiteral(" sqlite latency"), r.medianLatencyUs);
                }
                QFile::remove(path);
                QFile::remove(path + QStringLiteral("-wal"));
            }
            if (!m.full) {
                MemorySessionStore memory;
                must(await<bool>([&](auto d) { memory.open(d); }), "open");
                const AppendResult r = storeAppends(memory, m.n, m.batch);
                table.add(base + QStringLiteral(" memory rate"), r.eventsPerSecond);
                table.add(base + QStringLiteral(" memory latency"), r.medianLatencyUs);
            }
        }
    }

    if (parser.isSet(modeOption))
        return 0;
    // Lists, opening a session and resuming, on 100,000 sessions: SQLite (reopened, so that
    // nothing is cached but what SQLite itself caches), and memory for reference.
    const QString listPath = dir.filePath(QStringLiteral("list.db"));
    {
        SqliteSessionStore store(listPath);
        must(await<bool>([&](auto d) { store.open(d); }), "open");
        QElapsedTimer t;
        t.start();
        populate(store, sessions);
        std::printf("# populated %d sessions in %.1f s\n", sessions, t.elapsed() / 1000.0);
    }
    MemorySessionStore memory;
    must(await<bool>([&](auto d) { memory.open(d); }), "open");
    populate(memory, sessions);
    std::printf("# %s: %.1f MB\n", qPrintable(listPath), QFileInfo(listPath).size() / 1e6);

    SqliteSessionStore sqlite(listPath);
    QElapsedTimer openTimer;
    openTimer.start();
    must(await<bool>([&](auto d) { sqlite.open(d); }), "open");
    std::printf("# open() of the 100,000-session database: %.1f ms\n",
                openTimer.nsecsElapsed() / 1e6);
    const auto measure = [&](SessionStore &store, const QString &kind) {
        SessionQuery deep;
        deep.limit = 50;
        {
            // The cursor of a page half way down the list.
            SessionQuery q;
            q.limit = 500;
            QString cursor;
            for (int i = 0; i < sessions / 1000; ++i) {
                q.cursor = cursor;
                cursor = must(await<SessionPage>([&](auto d) { store.listSessions(q, d); }), "list")
                                 .nextCursor;
            }
            deep.cursor = cursor;
        }
        SessionQuery first;
        first.limit = 50;
        SessionQuery filter;
        filter.limit = 50;
        filter.titleContains = QStringLiteral("NUMBER 4242 ABOUT");
        for (int round = 0; round < rounds; ++round) {
            table.add(kind + QStringLiteral(" list first page"), median(timeMs(20, [&] {
                          must(await<SessionPage>([&](auto d) { store.listSessions(first, d); }),
                               "list");
                      })));
            table.add(kind + QStringLiteral(" list deep page"), median(timeMs(20, [&] {
                          must(await<SessionPage>([&](auto d) { store.listSessions(deep, d); }),
                               "list");
                      })));
            table.add(kind + QStringLiteral(" list title filter"), median(timeMs(5, [&] {
                          const auto page = must(await<SessionPage>([&](auto d) {
                                                     store.listSessions(filter, d);
                                                 }),
                                                 "list");
                          if (page.sessions.size() != 1)
                              die(QStringLiteral("filter found %1").arg(page.sessions.size()));
                      })));
            table.add(
                    kind + QStringLiteral(" open session"), median(timeMs(20, [&] {
                        const auto data = must(
                                await<SessionData>([&](auto d) { store.loadSession("target", d); }),
                                "load");
                        if (data.messages.size() != 20)
                            die(QStringLiteral("target has %1 messages").arg(data.messages.size()));
                    })));
            table.add(kind + QStringLiteral(" count"), median(timeMs(20, [&] {
                          must(await<qint64>([&](auto d) { store.countSessions(d); }), "count");
                      })));
            for (const qint64 from : {qint64(0), qint64(5000)}) {
                table.add(kind + QStringLiteral(" resume from %1").arg(from), median(timeMs(5, [&] {
                              const auto page = must(await<EventPage>([&](auto d) {
                                                         store.readEvents("long", from, 10000, d);
                                                     }),
                                                     "read");
                              if (page.events.size() != 10000 - from)
                                  die(QStringLiteral("read %1 events").arg(page.events.size()));
                          })));
            }
        }
    };
    measure(sqlite, QStringLiteral("sqlite"));
    measure(memory, QStringLiteral("memory"));

    std::printf("\n## Appends (medians of %d rounds)\n\n", rounds);
    std::printf("| mode | memory ev/s | sqlite ev/s | floor ev/s | sqlite/floor | sqlite latency "
                "(µs) | floor latency (µs) | added (µs) |\n|---|---|---|---|---|---|---|---|\n");
    for (const Mode &m : modes) {
        const QString b = QString::fromLatin1(m.name);
        const double s = table.med(b + " sqlite rate");
        const double f = table.med(b + " floor rate");
        const double sl = table.med(b + " sqlite latency");
        const double fl = table.med(b + " floor latency");
        const double mem = table.med(b + " memory rate");
        std::printf("| %s (%d events, batch %d) | %s | %.0f | %.0f | **%.2f** | %.1f | %.1f | %.1f "
                    "|\n",
                    m.name, m.n, m.batch, mem > 0 ? qPrintable(QString::number(mem, 'f', 0)) : "-",
                    s, f, s / f, sl, fl, sl - fl);
    }
    std::printf(
            "\n## %d sessions (ms, medians)\n\n| operation | sqlite | memory |\n|---|---|---|\n",
            sessions);
    for (const char *op : {"list first page", "list deep page", "list title filter", "open session",
                           "count", "resume from 0", "resume from 5000"})
        std::printf("| %s | %.2f | %.2f |\n", op, table.med(QStringLiteral("sqlite ") + op),
                    table.med(QStringLiteral("memory ") + op));
    return 0;
}
