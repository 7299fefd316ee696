// The Redis store's cost per event against its floor, in the same run on the same redis-server
// (tests/fixtures' RedisServer, AOF on): events/s persisted with a window of appends in flight
// and latency per event one at a time, for RedisSessionStore::appendEvent (a fenced Lua script:
// check the lease, INCR the seq, XADD, update the record and the index, PUBLISH) against a
// pipelined raw XADD of the same payload over the same connection class, and against
// redis-benchmark's XADD with the same pipeline depth. Run by hand (docs/benchmarks.md).
//
//   redis_store_bench [rounds=3] [events=20000] [window=64] [always|everysec]
#include "redisconnection.h"
#include "redisscripts.h"
#include "redisserver.h"
#include "redissessionstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

namespace {

void spinUntil(const std::function<bool()> &done)
{
    while (!done())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
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
    std::function<void()> next;
    next = [&] {
        while (started < count && started - finished < window) {
            ++started;
            op([&] {
                ++finished;
                // Issue the next one from the event loop, as a server's turn does.
                QMetaObject::invokeMethod(
                        QCoreApplication::instance(), [&] { next(); }, Qt::QueuedConnection);
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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
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
        int n = 0;
        const double ts = windowed(events, window, [&](std::function<void()> done) {
            store.appendEvent(*lease, payload(++n), [done](StoreResult<StreamEvent> r) {
                if (!r.ok())
                    std::fprintf(stderr, "append failed: %s\n", qPrintable(r.error().message));
                done();
            });
        });
        storeRate.append(events / ts);
        // The append script alone over the raw connection (no store around it, fence 0).
        const QByteArray sk = "bench:s:" + id.toUtf8();
        raw.command({"HSET", sk, "seq", "0", "fence", "0"}, [](const RedisReply &) {});
        int m = 0;
        const double tsc = windowed(events, window, [&](std::function<void()> done) {
            raw.evalScript(RedisScripts::append(), {sk, sk + ":e", sk + ":i", sk + ":l"},
                           {"0", json, "1", "0000000000000001:x", "", "bench:chan", "w",
                            QByteArray::number(++m)},
                           [done](const RedisReply &) { done(); });
        });
        scriptRate.append(events / tsc);
        const QByteArray key = "raw:" + id.toUtf8();
        const double tr = windowed(events, window, [&](std::function<void()> done) {
            raw.command({"XADD", key, "*", "e", json}, [done](const RedisReply &) { done(); });
        });
        rawRate.append(events / tr);
        benchRate.append(redisBenchmark(redis.port(), events, window, json));
        storeLat.append(sequential(latencyCount, [&](std::function<void()> done) {
            store.appendEvent(*lease, payload(++n), [done](StoreResult<StreamEvent>) { done(); });
        }));
        rawLat.append(sequential(latencyCount, [&](std::function<void()> done) {
            raw.command({"XADD", key, "*", "e", json}, [done](const RedisReply &) { done(); });
        }));
        std::printf("round %d: store %.0f ev/s, script alone %.0f/s, raw XADD %.0f/s, "
                    "redis-benchmark %.0f/s; latency store %.1f us, raw %.1f us\n",
                    round + 1, storeRate.constLast(), scriptRate.constLast(), rawRate.constLast(),
                    benchRate.constLast(), storeLat.constLast(), rawLat.constLast());
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
    std::printf("store rate / raw XADD %.2f, / redis-benchmark %.2f, / script alone %.2f\n",
                median(storeRate) / median(rawRate), median(storeRate) / median(benchRate),
                median(storeRate) / median(scriptRate));
    return 0;
}
