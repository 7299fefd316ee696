// The Redis store's cost per event against its floor, in the same run on the same redis-server
// (tests/fixtures' RedisServer, AOF on): events/s persisted with a window of appends in flight
// and latency per event one at a time, for RedisSessionStore::appendEvent (group commit: the
// appends that queue while one call is in flight go as one fenced Lua script: check the lease,
// take the seqs, XADD each, update the record and the index, PUBLISH) against a pipelined raw
// XADD of the same payload over the same connection class, against the script with one event
// per call, and against redis-benchmark's XADD with the same pipeline depth. Run by hand
// (docs/benchmarks.md).
//
//   redis_store_bench [rounds=3] [events=20000] [window=64] [always|everysec]
#include "redisconnection.h"
#include "redisscripts.h"
#include "redisserver.h"
#include "redissessionstore.h"

#include <QAbstractEventDispatcher>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace {

/// Runs the event loop until `done`, sleeping in it when nothing is ready, as a server's loop
/// does. (processEvents with a time limit drops WaitForMoreEvents: the bench used to spin on
/// non-blocking polls, so this process took a whole core whatever it did, and its CPU per
/// event was only the inverse of its rate.)
void spinUntil(const std::function<bool()> &done)
{
    while (!done())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
}

StreamEvent payload(int i)
{
    return StreamEvent::make(
            StreamEventType::PartialResponse,
            {{QStringLiteral("iteration"), 1},
             {QStringLiteral("text"),
              QStringLiteral("The quick brown fox jumps over the lazy dog, step %1 of the answer "
                             "that streams in small parts as the model writes it.")
                      .arg(i)}},
            QStringLiteral("turn-1"));
}

double median(QList<double> v)
{
    std::sort(v.begin(), v.end());
    return v.isEmpty() ? 0 : v.at(v.size() / 2);
}

/// Runs `count` operations with at most `window` in flight; returns the seconds taken.
double windowed(int count, int window, const std::function<void(std::function<void()>)> &op)
{
    int started = 0, finished = 0;
    QObject scope; // the queued calls below die with this call (the last one comes after it)
    std::function<void()> next;
    next = [&] {
        while (started < count && started - finished < window) {
            ++started;
            op([&] {
                ++finished;
                // Issue the next one from the event loop, as a server's turn does.
                QMetaObject::invokeMethod(
                        &scope, [&] { next(); }, Qt::QueuedConnection);
            });
        }
    };
    QElapsedTimer t;
    t.start();
    next();
    spinUntil([&] { return finished == count; });
    return double(t.nsecsElapsed()) / 1e9;
}

/// Median latency (µs) of `count` operations one at a time.
double sequential(int count, const std::function<void(std::function<void()>)> &op)
{
    QList<double> us;
    us.reserve(count);
    for (int i = 0; i < count; ++i) {
        bool done = false;
        QElapsedTimer t;
        t.start();
        op([&] { done = true; });
        spinUntil([&] { return done; });
        us.append(double(t.nsecsElapsed()) / 1e3);
    }
    return median(us);
}

double redisBenchmark(quint16 port, int events, int window, const QByteArray &json)
{
    QProcess p;
    p.start(QStringLiteral("redis-benchmark"),
            {QStringLiteral("-p"), QString::number(port), QStringLiteral("-n"),
             QString::number(events), QStringLiteral("-P"), QString::number(window),
             QStringLiteral("-q"), QStringLiteral("XADD"), QStringLiteral("rb:stream"),
             QStringLiteral("*"), QStringLiteral("e"), QString::fromUtf8(json)});
    p.waitForFinished(120000);
    const QString out = QString::fromUtf8(p.readAll());
    const auto m = QRegularExpression(QStringLiteral("([0-9.]+) requests per second")).match(out);
    return m.hasMatch() ? m.captured(1).toDouble() : 0;
}

/// CPU seconds this process used so far (user + system).
double selfCpu()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec)
            + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// CPU seconds redis-server used so far (INFO cpu: its main thread and the others).
double redisCpu(RedisConnection &raw)
{
    double cpu = -1;
    raw.command({"INFO", "cpu"}, [&](const RedisReply &r) {
        cpu = 0;
        for (const QByteArray &line : r.str.split('\n')) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:"))
                cpu += line.mid(line.indexOf(':') + 1).trimmed().toDouble();
        }
    });
    spinUntil([&] { return cpu >= 0; });
    return cpu;
}

/// How many script calls redis-server ran so far.
qint64 scriptCalls(RedisConnection &raw)
{
    qint64 calls = -1;
    raw.command({"INFO", "commandstats"}, [&](const RedisReply &r) {
        calls = 0;
        const qsizetype at = r.str.indexOf("cmdstat_evalsha:calls=");
        if (at >= 0)
            calls = r.str.mid(at + 22, 20).split(',').value(0).toLongLong();
    });
    spinUntil([&] { return calls >= 0; });
    return calls;
}

/// CPU per event (µs) of this process and of redis-server over one phase: a measure that
/// other processes' load on the machine changes far less than a rate.
struct CpuCost
{
    double self = 0;
    double redis = 0;
    double passes = 0; ///< event-loop wake-ups per 100 events
};

/// Event-loop wake-ups so far (QAbstractEventDispatcher::awake): each costs a poll of every
/// socket, pipe and timer.
qint64 g_wakeUps = 0;

CpuCost measured(RedisConnection &raw, int events, const std::function<void()> &phase)
{
    const double s0 = selfCpu(), r0 = redisCpu(raw);
    const qint64 w0 = g_wakeUps;
    phase();
    const qint64 w1 = g_wakeUps;
    const double s1 = selfCpu(), r1 = redisCpu(raw);
    return {(s1 - s0) * 1e6 / events, (r1 - r0) * 1e6 / events, double(w1 - w0) * 100 / events};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::awake, &app,
                     [] { ++g_wakeUps; });
    const QStringList a = app.arguments();
    const int rounds = a.size() > 1 ? a.at(1).toInt() : 3;
    const int events = a.size() > 2 ? a.at(2).toInt() : 20000;
    const int window = a.size() > 3 ? a.at(3).toInt() : 64;
    const bool always = a.size() <= 4 || a.at(4) != QLatin1String("everysec");
    const int latencyCount = 2000;

    RedisServer redis(always ? RedisServer::Aof::On : RedisServer::Aof::EverySec);
    if (!redis.start()) {
        std::fprintf(stderr, "%s\n", qPrintable(redis.error()));
        return 1;
    }
    QString why;
    auto options = *RedisSessionStore::optionsFromUrl(redis.url(), &why);
    options.redis.commandTimeoutMs = 30000;
    RedisSessionStore store(options);
    bool opened = false;
    store.open([&](StoreResult<bool> r) { opened = r.ok() || (std::exit(1), false); });
    spinUntil([&] { return opened; });
    RedisConnection raw(options.redis);
    raw.registerScript(RedisScripts::append());
    raw.start();
    spinUntil([&] { return raw.isReady(); });

    StreamEvent sample = payload(0);
    sample.sessionId = QStringLiteral("bench-session");
    sample.ts = QDateTime::currentDateTimeUtc();
    const QByteArray json = QJsonDocument(sample.toJson()).toJson(QJsonDocument::Compact);

    QList<double> storeRate, scriptRate, rawRate, benchRate, storeLat, rawLat;
    QList<double> storeSelf, storeRedis, rawSelf, rawRedis, storeBatch, storePasses, rawPasses;
    for (int round = 0; round < rounds; ++round) {
        const QString id = QStringLiteral("bench-%1").arg(round);
        bool ready = false;
        std::optional<Lease> lease;
        SessionRecord rec;
        rec.id = id;
        store.createSession(rec, [&](StoreResult<SessionRecord>) {
            store.beginTurn(id, QStringLiteral("turn-1"), [&](StoreResult<Lease> l) {
                lease = l.value();
                ready = true;
            });
        });
        spinUntil([&] { return ready; });
        QTimer renew; // the benchmark's turn keeps its lease, as the core's turns do
        QObject::connect(&renew, &QTimer::timeout, &store,
                         [&] { store.renewLease(*lease, [](StoreResult<Lease>) {}); });
        renew.start(2000);
        // The events are made before the phases, as the raw XADD's JSON is: what is measured
        // is the store's work on an event the core hands it, not the making of the event.
        QList<StreamEvent> made;
        made.reserve(events + latencyCount);
        for (int i = 0; i < events + latencyCount; ++i)
            made.append(payload(i + 1));
        int n = 0;
        double ts = 0;
        const qint64 calls0 = scriptCalls(raw);
        const CpuCost sc = measured(raw, events, [&] {
            ts = windowed(events, window, [&](std::function<void()> done) {
                store.appendEvent(*lease, made.at(n++), [done](StoreResult<StreamEvent> r) {
                    if (!r.ok())
                        std::fprintf(stderr, "append failed: %s\n", qPrintable(r.error().message));
                    done();
                });
            });
        });
        storeRate.append(events / ts);
        // Renewals run a script too: a few in a phase of seconds.
        storeBatch.append(double(events) / double(std::max<qint64>(1, scriptCalls(raw) - calls0)));
        storeSelf.append(sc.self);
        storeRedis.append(sc.redis);
        storePasses.append(sc.passes);
        // The append script alone, one event per call, over the raw connection (no store
        // around it, fence 0).
        const QByteArray sk = "bench:s:" + id.toUtf8();
        raw.command({"HSET", sk, "seq", "0", "fence", "0"}, [](const RedisReply &) {});
        int m = 0;
        const double tsc = windowed(events, window, [&](std::function<void()> done) {
            raw.evalScript(RedisScripts::append(), {sk, sk + ":e", sk + ":i", sk + ":l"},
                           {"0", "1", "0000000000000001:x", "bench:chan", "w",
                            QByteArray::number(++m), "x", "1", "", json},
                           [done](const RedisReply &) { done(); });
        });
        scriptRate.append(events / tsc);
        const QByteArray key = "raw:" + id.toUtf8();
        double tr = 0;
        const CpuCost rc = measured(raw, events, [&] {
            tr = windowed(events, window, [&](std::function<void()> done) {
                raw.command({"XADD", key, "*", "e", json}, [done](const RedisReply &) { done(); });
            });
        });
        rawRate.append(events / tr);
        rawSelf.append(rc.self);
        rawRedis.append(rc.redis);
        rawPasses.append(rc.passes);
        benchRate.append(redisBenchmark(redis.port(), events, window, json));
        storeLat.append(sequential(latencyCount, [&](std::function<void()> done) {
            store.appendEvent(*lease, made.at(n++), [done](StoreResult<StreamEvent>) { done(); });
        }));
        rawLat.append(sequential(latencyCount, [&](std::function<void()> done) {
            raw.command({"XADD", key, "*", "e", json}, [done](const RedisReply &) { done(); });
        }));
        std::printf("round %d: store %.0f ev/s, script alone %.0f/s, raw XADD %.0f/s, "
                    "redis-benchmark %.0f/s; latency store %.1f us, raw %.1f us; CPU per event "
                    "store %.1f us here + %.1f us in Redis, raw XADD %.1f + %.1f us; %.1f events "
                    "per script call; event-loop wake-ups per 100 events store %.1f, raw %.1f\n",
                    round + 1, storeRate.constLast(), scriptRate.constLast(), rawRate.constLast(),
                    benchRate.constLast(), storeLat.constLast(), rawLat.constLast(),
                    storeSelf.constLast(), storeRedis.constLast(), rawSelf.constLast(),
                    rawRedis.constLast(), storeBatch.constLast(), storePasses.constLast(),
                    rawPasses.constLast());
        std::fflush(stdout);
    }
    bool statsDone = false;
    raw.command({"INFO", "commandstats"}, [&](const RedisReply &r) {
        for (const QByteArray &line : r.str.split('\n')) {
            if (line.startsWith("cmdstat_evalsha") || line.startsWith("cmdstat_xadd"))
                std::printf("redis: %s\n", line.trimmed().constData());
        }
        statsDone = true;
    });
    spinUntil([&] { return statsDone; });
    std::printf("\nappendfsync %s, %d events a round, window %d, payload %lld bytes, %d rounds\n",
                always ? "always" : "everysec", events, window, qlonglong(json.size()), rounds);
    std::printf("| measure | RedisSessionStore | append script alone | raw XADD (ours) | "
                "redis-benchmark XADD |\n");
    std::printf("|---|---|---|---|---|\n");
    std::printf("| events/s (median) | %.0f | %.0f | %.0f | %.0f |\n", median(storeRate),
                median(scriptRate), median(rawRate), median(benchRate));
    std::printf("| latency per event, one at a time (median us) | %.1f | | %.1f | |\n",
                median(storeLat), median(rawLat));
    std::printf("| CPU per event in this process / in redis-server (median us) | %.1f / %.1f | | "
                "%.1f / %.1f | |\n",
                median(storeSelf), median(storeRedis), median(rawSelf), median(rawRedis));
    std::printf("| events per script call (median) | %.1f | 1 | | |\n", median(storeBatch));
    std::printf("| event-loop wake-ups per 100 events (median) | %.1f | | %.1f | |\n",
                median(storePasses), median(rawPasses));
    std::printf("store rate / raw XADD %.2f, / redis-benchmark %.2f, / script alone %.2f\n",
                median(storeRate) / median(rawRate), median(storeRate) / median(benchRate),
                median(storeRate) / median(scriptRate));
    return 0;
}
