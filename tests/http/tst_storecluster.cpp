// Sessions that survive: the real mcp-hostd on the SQLite store killed with SIGKILL mid-turn
// and started again on the same file; and three mcp-hostd on one real redis-server behind a
// real haproxy (round robin, no stickiness) that behave as one server: a turn streams to
// clients of every instance, a client that reconnects mid-turn through the balancer lands on
// another instance and misses nothing, two sends to one session at once run one turn, an
// owner killed mid-turn has its turn closed as interrupted by another, and /health tells a
// stalled Redis.

#include "apitestsupport.h"
#include "haproxyserver.h"
#include "httptestsupport.h"
#include "redisserver.h"

#include <QSet>
#include <QTest>

using namespace HttpTest;
using namespace ApiTest;

class tst_StoreCluster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sqliteKilledMidTurn();
    void threeInstancesBehindHaproxy();
    void ownerKilledMidTurn();
    void stalledRedisIsReported();
    void cleanupTestCase();

private:
    /// Starts `n` instances on the Redis store (each with its own config folder).
    bool startCluster(int n);
    [[nodiscard]] static QString createSession(quint16 port);
    /// The seqs 1..n without a hole or a double.
    static bool contiguous(const QList<qint64> &seqs, qint64 *last = nullptr);

    ScriptedLlm m_llm;
    RedisServer m_redis;
    std::vector<std::unique_ptr<HostProcess>> m_hosts;
    HaproxyServer m_proxy;
};

void tst_StoreCluster::initTestCase()
{
    QVERIFY2(m_llm.start(), "scripted LLM did not start");
    QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
}

void tst_StoreCluster::cleanupTestCase()
{
    m_proxy.stop();
    m_hosts.clear();
    m_redis.stop();
}

bool tst_StoreCluster::contiguous(const QList<qint64> &seqs, qint64 *last)
{
    for (qsizetype i = 0; i < seqs.size(); ++i) {
        if (seqs.at(i) != i + 1)
            return false;
    }
    if (last)
        *last = seqs.size();
    return true;
}

QString tst_StoreCluster::createSession(quint16 port)
{
    RestClient rest(port);
    const Reply r = rest.post(QStringLiteral("/api/v3/sessions"), {});
    return r.status == 201 ? r.json().value("session_id").toString() : QString();
}

bool tst_StoreCluster::startCluster(int n)
{
    m_hosts.clear();
    for (int i = 0; i < n; ++i) {
        auto host = std::make_unique<HostProcess>();
        host->useLlm(m_llm);
        const QString error = host->start({QStringLiteral("--store"), m_redis.url(0)});
        RestClient rest(host->port);
        if (!error.isEmpty() || !waitForServersReady(rest)) {
            qWarning("instance %d: %s", i, qPrintable(error));
            return false;
        }
        m_hosts.push_back(std::move(host));
    }
    return true;
}

void tst_StoreCluster::sqliteKilledMidTurn()
{
    QTemporaryDir dir;
    const QString store = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("s.db"));
    auto host = std::make_unique<HostProcess>();
    host->useLlm(m_llm);
    QVERIFY2(host->start({QStringLiteral("--store"), store}).isEmpty(), host->err.constData());
    RestClient ready(host->port);
    QVERIFY(waitForServersReady(ready)); // the slow tool must exist when the model calls it
    const QString id = createSession(host->port);
    QVERIFY(!id.isEmpty());
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 200}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("after the restart"))}));
    Stream stream(host->port);
    QVERIFY(stream.open(id));
    RestClient rest(host->port);
    QCOMPARE(rest.post(QStringLiteral("/api/v3/chat/send"),
                       {{"session_id", id}, {"message", "work slowly"}})
                     .status,
             202);
    // Killed while the tool reports progress: every step seen so far was committed.
    QVERIFY(stream.waitForType(QStringLiteral("acting")) >= 0);
    QVERIFY(TestSupport::waitFor([&] { return stream.ofType("acting").size() >= 3; }, 20000));
    const QList<StreamEvent> seen = stream.events;
    ::kill(pid_t(host->process.processId()), SIGKILL);
    QVERIFY(host->waitForExit(10000));
    host.reset();

    auto again = std::make_unique<HostProcess>();
    again->useLlm(m_llm);
    QVERIFY2(again->start({QStringLiteral("--store"), store}).isEmpty(), again->err.constData());
    // The sidebar's view: the session is listed, its turn reads interrupted.
    RestClient rest2(again->port);
    QVERIFY(waitForServersReady(rest2));
    const Reply list = rest2.get(QStringLiteral("/api/v3/sessions"));
    QCOMPARE(list.status, 200);
    QCOMPARE(list.json()
                     .value("sessions")
                     .toArray()
                     .first()
                     .toObject()
                     .value("session_id")
                     .toString(),
             id);
    const Reply detail = rest2.get(QStringLiteral("/api/v3/sessions/") + id);
    QCOMPARE(detail.status, 200);
    const QJsonArray turns = detail.json().value("turns").toArray();
    QCOMPARE(turns.size(), 1);
    QCOMPARE(turns.first().toObject().value("state").toString(), QStringLiteral("interrupted"));
    QVERIFY(!detail.json().value("busy").toBool());

    Stream replay(again->port);
    QVERIFY(replay.open(id, 0));
    QVERIFY(replay.waitForType(QStringLiteral("error")) >= 0);
    qint64 last = 0;
    QVERIFY2(contiguous(replay.seqs(), &last), qPrintable(replay.types().join(',')));
    // Every event shown before the kill is there, the same, in the same place.
    for (const StreamEvent &e : seen) {
        if (e.type == StreamEventType::SessionStart)
            continue;
        QVERIFY(e.seq <= last);
        const StreamEvent stored = replay.events.at(int(e.seq)); // [0] is session_start
        QCOMPARE(stored.seq, e.seq);
        QCOMPARE(stored.type, e.type);
        QCOMPARE(stored.data, e.data);
    }
    const StreamEvent closing = replay.events.last();
    QCOMPARE(closing.data.value("code").toString(), QStringLiteral("turn_interrupted"));
    QVERIFY(!closing.turnId.isEmpty());

    // The session goes on, its seqs too.
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Still here."))}));
    QCOMPARE(
            rest2.post(QStringLiteral("/api/v3/chat/send"), {{"session_id", id}, {"message", "hi"}})
                    .status,
            202);
    QVERIFY(replay.waitForType(QStringLiteral("final_response")) >= 0);
    QVERIFY2(contiguous(replay.seqs()), qPrintable(replay.types().join(',')));
}

void tst_StoreCluster::threeInstancesBehindHaproxy()
{
    QVERIFY(startCluster(3));
    QList<quint16> ports;
    for (const auto &h : m_hosts)
        ports << h->port;
    QVERIFY2(m_proxy.start(ports), qPrintable(m_proxy.error() + m_proxy.config()));
    const quint16 lb = m_proxy.port();
    const QString id = createSession(lb);
    QVERIFY(!id.isEmpty());

    // A client on each instance, and one through the balancer that will reconnect mid-turn.
    std::vector<std::unique_ptr<Stream>> direct;
    for (quint16 port : ports) {
        direct.push_back(std::make_unique<Stream>(port));
        QVERIFY(direct.back()->open(id));
    }
    Stream roaming(lb);
    QVERIFY(roaming.open(id));

    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 20}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("All instances saw this."), 4)}));
    // Two sends at once to the same session through two instances: one runs, one is refused.
    auto apiA = apiFor(ports.at(0));
    auto apiB = apiFor(ports.at(1));
    QList<int> statuses;
    QObject context;
    for (ApiClient *api : {apiA.get(), apiB.get()}) {
        api->request(
                "POST", QStringLiteral("/api/v3/chat/send"),
                QJsonDocument(QJsonObject {{"session_id", id}, {"message", "go"}})
                        .toJson(QJsonDocument::Compact),
                {}, &context,
                [&statuses](const ApiResponse &r, const std::optional<McpHostClient::ApiError> &) {
                    statuses << r.status;
                });
    }
    QVERIFY(TestSupport::waitFor([&] { return statuses.size() == 2; }, 20000));
    std::sort(statuses.begin(), statuses.end());
    QCOMPARE(statuses, (QList<int> {202, 409}));

    // Mid-turn the roaming client's connection drops; it resumes through the balancer, which
    // sends it to the next instance.
    QVERIFY(TestSupport::waitFor([&] { return roaming.ofType("acting").size() >= 3; }, 20000));
    const qint64 resumeAt = roaming.seqs().last();
    roaming.client.close();
    QVERIFY(roaming.open(id, resumeAt));
    for (const auto &s : direct)
        QVERIFY(s->waitForType(QStringLiteral("final_response"), 60000) >= 0);
    QVERIFY(roaming.waitForType(QStringLiteral("final_response"), 60000) >= 0);

    // Every client saw the same log: 1..n, nothing missing, nothing twice, same content.
    qint64 n = 0;
    QVERIFY2(contiguous(direct.front()->seqs(), &n), qPrintable(direct.front()->types().join(',')));
    for (const auto &s : direct) {
        QVERIFY2(contiguous(s->seqs()), qPrintable(s->types().join(',')));
        QCOMPARE(s->seqs().size(), direct.front()->seqs().size());
        QCOMPARE(s->events.last().data, direct.front()->events.last().data);
    }
    QVERIFY2(contiguous(roaming.seqs()), qPrintable(roaming.types().join(',')));
    QCOMPARE(roaming.seqs().size(), int(n));
    QCOMPARE(roaming.events.last().data.value("content").toString(),
             QStringLiteral("All instances saw this."));
    // The balancer spread the requests: every instance holds a stream of this session.
    for (quint16 port : ports) {
        RestClient rest(port);
        QVERIFY(rest.get(QStringLiteral("/api/v3/sessions/") + id)
                        .json()
                        .value("connections")
                        .toInt()
                >= 1);
    }
}

void tst_StoreCluster::ownerKilledMidTurn()
{
    if (m_hosts.size() < 3)
        QVERIFY(startCluster(3));
    const QString id = createSession(m_hosts.at(0)->port);
    QVERIFY(!id.isEmpty());
    Stream watcher(m_hosts.at(1)->port);
    QVERIFY(watcher.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 400}, {"delay_ms", 100}})})}));
    RestClient owner(m_hosts.at(0)->port);
    QCOMPARE(
            owner.post(QStringLiteral("/api/v3/chat/send"), {{"session_id", id}, {"message", "go"}})
                    .status,
            202);
    QVERIFY(watcher.waitForType(QStringLiteral("acting")) >= 0);
    ::kill(pid_t(m_hosts.at(0)->process.processId()), SIGKILL);
    QElapsedTimer clock;
    clock.start();
    // Another instance takes the expired lease and closes the turn (lease 10 s + reaper 2 s).
    const int closed = watcher.waitForType(QStringLiteral("error"), 30000);
    QVERIFY2(closed >= 0, qPrintable(watcher.types().join(',')));
    QCOMPARE(watcher.events.at(closed).data.value("code").toString(),
             QStringLiteral("turn_interrupted"));
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(contiguous(watcher.seqs()));
    // The session goes on, on a live instance.
    RestClient other(m_hosts.at(2)->port);
    QVERIFY(TestSupport::waitFor(
            [&] {
                return !other.get(QStringLiteral("/api/v3/sessions/") + id)
                                .json()
                                .value("busy")
                                .toBool();
            },
            10000));
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Back."))}));
    QCOMPARE(other.post(QStringLiteral("/api/v3/chat/send"),
                        {{"session_id", id}, {"message", "again"}})
                     .status,
             202);
    QVERIFY(watcher.waitForType(QStringLiteral("final_response"), 30000) >= 0);
    QVERIFY(contiguous(watcher.seqs()));
}

void tst_StoreCluster::stalledRedisIsReported()
{
    if (m_hosts.size() < 3 || m_hosts.at(1)->process.state() != QProcess::Running)
        QVERIFY(startCluster(3));
    RestClient rest(m_hosts.at(1)->port);
    m_redis.pause();
    // /health answers at once (it reads no store) and says the store is gone.
    QVERIFY(TestSupport::waitFor(
            [&] {
                const Reply h = rest.get(QStringLiteral("/health"));
                return h.status == 200
                        && !h.json().value("store").toObject().value("available").toBool(true);
            },
            15000));
    QCOMPARE(rest.get(QStringLiteral("/health")).json().value("status").toString(),
             QStringLiteral("degraded"));
    // A call that needs the store answers 503 with a clear error, in bounded time.
    QElapsedTimer clock;
    clock.start();
    const Reply list = rest.get(QStringLiteral("/api/v3/sessions"));
    QCOMPARE(list.status, 503);
    QCOMPARE(list.errorCode(), QStringLiteral("store_unavailable"));
    QVERIFY(clock.elapsed() < 10000);
    m_redis.resume();
    QVERIFY(TestSupport::waitFor(
            [&] { return rest.get(QStringLiteral("/api/v3/sessions")).status == 200; }, 20000));
    QVERIFY(rest.get(QStringLiteral("/health"))
                    .json()
                    .value("store")
                    .toObject()
                    .value("available")
                    .toBool());
}

QTEST_GUILESS_MAIN(tst_StoreCluster)
#include "tst_storecluster.moc"
