// Sessions that survive: the real mcp-hostd on the SQLite store killed with SIGKILL mid-turn
// and started again on the same file; and three mcp-hostd on one real redis-server behind a
// real haproxy (round robin, no stickiness) that behave as one server: a turn streams to
// clients of every instance, a client that reconnects mid-turn through the balancer lands on
// another instance and misses nothing, two sends to one session at once run one turn, an
// owner killed mid-turn has its turn closed as interrupted by another, and /health tells a
// stalled Redis. Cancel, approve and elicit through any instance reach the one that runs the
// turn (and a dead owner answers 503 turn_unreachable in bounded time, not a hang). Faults of
// the whole: Redis killed and restarted with its AOF (the turn goes on, every event once) or
// without its data (streams get stream_reset store_reset, the instances keep serving), and an
// owner paused past its lease (another instance closes its turn; the resumed owner's writes are
// refused).

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
    void approveAndDenyThroughOtherInstances();
    void cancelThroughOtherInstance();
    void elicitThroughOtherInstance();
    void pausedOwnerIsFenced();
    void redisRestartKeepsData();
    void redisRestartLosesData();
    void ownerKilledMidTurn();
    void stalledRedisIsReported();
    void cleanupTestCase();

private:
    /// Starts `n` instances on the Redis store (each with its own config folder).
    bool startCluster(int n);
    /// Three running instances (started again when one is gone).
    bool ensureCluster();
    /// Sends a message on `port` (202 expected).
    static bool send(quint16 port, const QString &sessionId, const QString &message);
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
        // image needs the user's approval; the others run at once.
        host->config.insert(QStringLiteral("approval"),
                            QJsonObject {{QStringLiteral("tools"),
                                          QJsonObject {{QStringLiteral("fixture/image"),
                                                        QStringLiteral("ask")}}}});
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

bool tst_StoreCluster::ensureCluster()
{
    const bool running = m_hosts.size() == 3
            && std::all_of(m_hosts.cbegin(), m_hosts.cend(),
                           [](const auto &h) { return h->process.state() == QProcess::Running; });
    return running || startCluster(3);
}

bool tst_StoreCluster::send(quint16 port, const QString &sessionId, const QString &message)
{
    RestClient rest(port);
    const Reply r = rest.post(QStringLiteral("/api/v3/chat/send"),
                              {{"session_id", sessionId}, {"message", message}});
    if (r.status != 202)
        qWarning("send: %s", r.describe().constData());
    return r.status == 202;
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

void tst_StoreCluster::approveAndDenyThroughOtherInstances()
{
    QVERIFY(ensureCluster());
    const quint16 a = m_hosts.at(0)->port, b = m_hosts.at(1)->port, c = m_hosts.at(2)->port;
    // Approved through B for the session: the turn on A runs the call, and a second call of
    // the same tool in that turn needs no question.
    const QString id = createSession(a);
    QVERIFY(!id.isEmpty());
    Stream stream(a);
    QVERIFY(stream.open(id));
    QVERIFY(m_llm.setScript({toolReply({toolCall("c1", "image", {})}),
                             toolReply({toolCall("c2", "image", {})}),
                             textReply(QStringLiteral("Two pictures."))}));
    QVERIFY(send(a, id, QStringLiteral("show me the picture twice")));
    const int asked = stream.waitForType(QStringLiteral("tool_call"));
    QVERIFY2(asked > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(asked).data.value("approval").toString(), QStringLiteral("required"));
    RestClient restB(b);
    // An id nothing waits for: the same 404 as on the turn's own instance.
    const Reply wrong = restB.post(QStringLiteral("/api/v3/chat/approve"),
                                   {{"session_id", id}, {"call_id", "nope"}, {"approved", true}});
    QCOMPARE(wrong.status, 404);
    QCOMPARE(wrong.errorCode(), QStringLiteral("unknown_request"));
    const Reply local
            = RestClient(a).post(QStringLiteral("/api/v3/chat/approve"),
                                 {{"session_id", id}, {"call_id", "nope"}, {"approved", true}});
    QCOMPARE(local.status, wrong.status);
    QCOMPARE(local.errorCode(), wrong.errorCode());
    const Reply yes = restB.post(
            QStringLiteral("/api/v3/chat/approve"),
            {{"session_id", id}, {"call_id", "c1"}, {"approved", true}, {"scope", "session"}});
    QVERIFY2(yes.status == 200, yes.describe().constData());
    QCOMPARE(yes.json().value("scope").toString(), QStringLiteral("session"));
    const int final = stream.waitForType(QStringLiteral("final_response"));
    QVERIFY2(final > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(final).data.value("content").toString(),
             QStringLiteral("Two pictures."));
    const auto calls = stream.ofType("tool_call");
    QCOMPARE(calls.size(), 2);
    QCOMPARE(calls.at(1).data.value("approval").toString(), QStringLiteral("auto"));
    const auto observed = stream.ofType("observing");
    QCOMPARE(observed.size(), 2);
    QVERIFY(!observed.at(0).data.value("is_error").toBool());
    QCOMPARE(stream.ofType("acting").size(), 2);
    // Answered once: a second answer through another instance finds no turn.
    const Reply twice
            = RestClient(c).post(QStringLiteral("/api/v3/chat/approve"),
                                 {{"session_id", id}, {"call_id", "c1"}, {"approved", true}});
    QCOMPARE(twice.status, 409);
    QCOMPARE(twice.errorCode(), QStringLiteral("no_turn"));

    // Denied through C for the tool: the call does not run and the model hears so; the rule
    // is remembered where the turn runs (A) and where it was asked (C), as a local answer
    // would be.
    const QString other = createSession(a);
    Stream second(a);
    QVERIFY(second.open(other));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c3", "image", {})}), textReply(QStringLiteral("Denied."))}));
    QVERIFY(send(a, other, QStringLiteral("show me the picture")));
    QVERIFY(second.waitForType(QStringLiteral("tool_call")) > 0);
    const Reply no = RestClient(c).post(
            QStringLiteral("/api/v3/chat/approve"),
            {{"session_id", other}, {"call_id", "c3"}, {"approved", false}, {"scope", "tool"}});
    QVERIFY2(no.status == 200, no.describe().constData());
    QVERIFY(second.waitForType(QStringLiteral("final_response")) > 0);
    QCOMPARE(second.ofType("acting").size(), 0);
    const QJsonObject denied = second.ofType("observing").at(0).data;
    QVERIFY(denied.value("is_error").toBool());
    QVERIFY(contiguous(second.seqs()));
    for (quint16 port : {a, c}) {
        const QJsonArray rules = RestClient(port)
                                         .get(QStringLiteral("/api/v3/approvals"))
                                         .json()
                                         .value("rules")
                                         .toArray();
        const bool remembered = std::any_of(rules.begin(), rules.end(), [](const QJsonValue &r) {
            const QJsonObject o = r.toObject();
            return o.value("server").toString() == QLatin1String("fixture")
                    && o.value("tool").toString() == QLatin1String("image")
                    && o.value("decision").toString() == QLatin1String("deny")
                    && o.value("source").toString() == QLatin1String("remembered");
        });
        QVERIFY2(remembered, QJsonDocument(rules).toJson().constData());
    }
}

void tst_StoreCluster::cancelThroughOtherInstance()
{
    QVERIFY(ensureCluster());
    const quint16 a = m_hosts.at(0)->port;
    const QString id = createSession(a);
    Stream stream(m_hosts.at(2)->port);
    QVERIFY(stream.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_slow", "slow", {{"steps", 100}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("never sent"))}));
    QVERIFY(send(a, id, QStringLiteral("be slow")));
    QVERIFY(stream.waitForType(QStringLiteral("acting")) > 0);
    RestClient restB(m_hosts.at(1)->port);
    const Reply cancel = restB.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", id}});
    QVERIFY2(cancel.status == 202, cancel.describe().constData());
    const int final = stream.waitForType(QStringLiteral("final_response"), 15000);
    QVERIFY2(final > 0, qPrintable(stream.types().join(',')));
    QCOMPARE(stream.events.at(final).data.value("stop_reason").toString(),
             QStringLiteral("cancelled"));
    QVERIFY(contiguous(stream.seqs()));
    QVERIFY(TestSupport::waitFor(
            [&] {
                return !restB.get(QStringLiteral("/api/v3/sessions/") + id)
                                .json()
                                .value("busy")
                                .toBool(true);
            },
            10000));
    const Reply again = restB.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", id}});
    QCOMPARE(again.status, 409);
    QCOMPARE(again.errorCode(), QStringLiteral("no_turn"));
    const Reply unknown = restB.post(QStringLiteral("/api/v3/chat/cancel"),
                                     {{"session_id", "no-such-session"}});
    QCOMPARE(unknown.status, 404);
    QCOMPARE(unknown.errorCode(), QStringLiteral("unknown_session"));
}

void tst_StoreCluster::elicitThroughOtherInstance()
{
    QVERIFY(ensureCluster());
    const quint16 a = m_hosts.at(0)->port;
    const QString id = createSession(a);
    Stream stream(a);
    QVERIFY(stream.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c_ask", "ask_elicitation", {{"message", "Who are you?"}})}),
             textReply(QStringLiteral("Thanks."))}));
    QVERIFY(send(a, id, QStringLiteral("ask for my name")));
    const int asked = stream.waitForType(QStringLiteral("elicitation"));
    QVERIFY2(asked > 0, qPrintable(stream.types().join(',')));
    const QString requestId = stream.events.at(asked).data.value("request_id").toString();
    RestClient restC(m_hosts.at(2)->port);
    // The same 400 and 404 as on the turn's own instance.
    const Reply bad
            = restC.post(QStringLiteral("/api/v3/chat/elicit"),
                         {{"session_id", id}, {"request_id", requestId}, {"action", "maybe"}});
    QCOMPARE(bad.status, 400);
    const Reply wrong
            = restC.post(QStringLiteral("/api/v3/chat/elicit"),
                         {{"session_id", id}, {"request_id", "nope"}, {"action", "cancel"}});
    QCOMPARE(wrong.status, 404);
    QCOMPARE(wrong.errorCode(), QStringLiteral("unknown_request"));
    const Reply answer = restC.post(QStringLiteral("/api/v3/chat/elicit"),
                                    {{"session_id", id},
                                     {"request_id", requestId},
                                     {"action", "accept"},
                                     {"content", QJsonObject {{"name", "Ada Lovelace"}}}});
    QVERIFY2(answer.status == 200, answer.describe().constData());
    QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);
    const QString result = stream.ofType("observing")
                                   .at(0)
                                   .data.value("content")
                                   .toArray()
                                   .at(0)
                                   .toObject()
                                   .value("text")
                                   .toString();
    QVERIFY2(result.contains("accept") && result.contains("Ada Lovelace"), qPrintable(result));
}

void tst_StoreCluster::pausedOwnerIsFenced()
{
    QVERIFY(ensureCluster());
    HostProcess &owner = *m_hosts.at(0);
    const QString id = createSession(owner.port);
    Stream watcher(m_hosts.at(1)->port);
    QVERIFY(watcher.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 400}, {"delay_ms", 50}})}),
             textReply(QStringLiteral("never sent"))}));
    QVERIFY(send(owner.port, id, QStringLiteral("go")));
    QVERIFY(TestSupport::waitFor([&] { return watcher.ofType("acting").size() >= 2; }, 20000));
    const pid_t pid = pid_t(owner.process.processId());
    ::kill(pid, SIGSTOP);
    // Past its lease (10 s) another instance closes the turn as interrupted.
    const int closed = watcher.waitForType(QStringLiteral("error"), 30000);
    ::kill(pid, SIGCONT);
    QVERIFY2(closed >= 0, qPrintable(watcher.types().join(',')));
    QCOMPARE(watcher.events.at(closed).data.value("code").toString(),
             QStringLiteral("turn_interrupted"));
    // The resumed owner's turn goes on writing: every write is refused, none reaches the log.
    RestClient rest(owner.port);
    QVERIFY(TestSupport::waitFor(
            [&] { return rest.get(QStringLiteral("/api/v3/sessions/") + id).status == 200; },
            10000));
    QTest::qWait(1500);
    QCOMPARE(watcher.events.size(), closed + 1);
    QVERIFY(contiguous(watcher.seqs()));
    QCOMPARE(owner.process.state(), QProcess::Running);
    // Its turn ended there (the session is free on the owner too): a new turn runs.
    QVERIFY(m_llm.setScript({textReply(QStringLiteral("Back."))}));
    int status = 0;
    QVERIFY(TestSupport::waitFor(
            [&] {
                if (status != 202)
                    status = rest.post(QStringLiteral("/api/v3/chat/send"),
                                       {{"session_id", id}, {"message", "again"}})
                                     .status;
                return status == 202;
            },
            15000));
    QVERIFY(watcher.waitForType(QStringLiteral("final_response"), 30000) > closed);
    const QString stale = watcher.events.at(closed).turnId;
    for (qsizetype i = closed + 1; i < watcher.events.size(); ++i)
        QVERIFY(watcher.events.at(i).turnId != stale);
    QVERIFY2(contiguous(watcher.seqs()), qPrintable(watcher.types().join(',')));
    const QJsonArray turns
            = rest.get(QStringLiteral("/api/v3/sessions/") + id).json().value("turns").toArray();
    QCOMPARE(turns.size(), 2);
    QCOMPARE(turns.at(0).toObject().value("state").toString(), QStringLiteral("interrupted"));
}

void tst_StoreCluster::redisRestartKeepsData()
{
    QVERIFY(ensureCluster());
    const quint16 a = m_hosts.at(0)->port;
    const QString id = createSession(a);
    Stream onA(a), onB(m_hosts.at(1)->port);
    QVERIFY(onA.open(id));
    QVERIFY(onB.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 30}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("Survived the restart."))}));
    QVERIFY(send(a, id, QStringLiteral("work through it")));
    QVERIFY(TestSupport::waitFor([&] { return onB.ofType("acting").size() >= 3; }, 20000));
    m_redis.kill();
    QVERIFY2(m_redis.restart(RedisServer::Data::Keep), qPrintable(m_redis.error()));
    for (Stream *s : {&onA, &onB}) {
        const int final = s->waitForType(QStringLiteral("final_response"), 40000);
        QVERIFY2(final > 0, qPrintable(s->types().join(',')));
        QCOMPARE(s->events.at(final).data.value("content").toString(),
                 QStringLiteral("Survived the restart."));
        QVERIFY2(contiguous(s->seqs()), qPrintable(s->types().join(',')));
        QVERIFY(s->ofType("stream_reset").isEmpty());
    }
    QCOMPARE(onA.seqs(), onB.seqs());
    // The log holds the same: nothing lost, nothing twice.
    Stream replay(m_hosts.at(2)->port);
    QVERIFY(replay.open(id, 0));
    QVERIFY(replay.waitForType(QStringLiteral("final_response")) > 0);
    QCOMPARE(replay.seqs(), onA.seqs());
}

void tst_StoreCluster::redisRestartLosesData()
{
    QVERIFY(ensureCluster());
    const quint16 a = m_hosts.at(0)->port;
    const QString id = createSession(a);
    Stream onA(a), onB(m_hosts.at(1)->port);
    QVERIFY(onA.open(id));
    QVERIFY(onB.open(id));
    QVERIFY(m_llm.setScript(
            {toolReply({toolCall("c1", "slow", {{"steps", 100}, {"delay_ms", 100}})}),
             textReply(QStringLiteral("never sent"))}));
    QVERIFY(send(a, id, QStringLiteral("work")));
    QVERIFY(TestSupport::waitFor([&] { return onB.ofType("acting").size() >= 2; }, 20000));
    m_redis.kill();
    QVERIFY2(m_redis.restart(RedisServer::Data::Lose), qPrintable(m_redis.error()));
    // Said, not a silent gap.
    for (Stream *s : {&onA, &onB}) {
        const int reset = s->waitForType(QStringLiteral("stream_reset"), 20000);
        QVERIFY2(reset > 0, qPrintable(s->types().join(',')));
        QCOMPARE(s->events.at(reset).data.value("reason").toString(),
                 QStringLiteral("store_reset"));
    }
    // Every instance goes on serving.
    for (const auto &h : m_hosts) {
        RestClient rest(h->port);
        QVERIFY(TestSupport::waitFor(
                [&] {
                    const Reply health = rest.get(QStringLiteral("/health"));
                    return health.status == 200
                            && health.json().value("store").toObject().value("available").toBool();
                },
                15000));
        const QString fresh = createSession(h->port);
        QVERIFY(!fresh.isEmpty());
        QVERIFY(m_llm.setScript({textReply(QStringLiteral("Fresh start."))}));
        Stream stream(h->port);
        QVERIFY(stream.open(fresh));
        QVERIFY(send(h->port, fresh, QStringLiteral("hello")));
        QVERIFY(stream.waitForType(QStringLiteral("final_response")) > 0);
        QVERIFY(contiguous(stream.seqs()));
        QCOMPARE(h->process.state(), QProcess::Running);
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
    // A cancel through another instance while the owner stops answering and dies: the caller
    // gets a clear 503 in bounded time, not a hang.
    const pid_t pid = pid_t(m_hosts.at(0)->process.processId());
    ::kill(pid, SIGSTOP);
    QTimer::singleShot(500, [pid] { ::kill(pid, SIGKILL); });
    QElapsedTimer clock;
    clock.start();
    RestClient other(m_hosts.at(2)->port);
    const Reply cancel = other.post(QStringLiteral("/api/v3/chat/cancel"), {{"session_id", id}});
    QCOMPARE(cancel.status, 503);
    QCOMPARE(cancel.errorCode(), QStringLiteral("turn_unreachable"));
    QVERIFY(!cancel.headers.value("retry-after").isEmpty());
    QVERIFY2(clock.elapsed() < 8000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(m_hosts.at(0)->waitForExit(10000));
    // Another instance takes the expired lease and closes the turn (lease 10 s + reaper 2 s).
    const int closed = watcher.waitForType(QStringLiteral("error"), 30000);
    QVERIFY2(closed >= 0, qPrintable(watcher.types().join(',')));
    QCOMPARE(watcher.events.at(closed).data.value("code").toString(),
             QStringLiteral("turn_interrupted"));
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(contiguous(watcher.seqs()));
    // The session goes on, on a live instance.
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
