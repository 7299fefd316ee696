// EventStreamClient against a scripted SSE peer (HttpFixture: a real QTcpServer): framing in
// every split, reconnection with Last-Event-ID, dedupe of replayed events, the heartbeat
// watchdog, 503 + Retry-After, the non-retryable answers and the bounds on lines and events.

#include "httpfixture.h"

#include <eventstreamclient.h>

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

namespace {

QByteArray eventJson(qint64 seq, const QByteArray &type = "thinking",
                     const QByteArray &extra = "\"iteration\":1")
{
    return "{\"type\":\"" + type + "\",\"session_id\":\"s1\",\"turn_id\":\"t1\",\"seq\":"
            + QByteArray::number(seq) + ",\"ts\":\"2026-12-01T10:00:00.000Z\"," + extra + "}";
}

QByteArray block(qint64 seq, const QByteArray &type = "thinking",
                 const QByteArray &extra = "\"iteration\":1")
{
    return "id: " + QByteArray::number(seq) + "\nevent: " + type
            + "\ndata: " + eventJson(seq, type, extra) + "\n\n";
}

QByteArray startBlock(const QByteArray &sessionId = "s1", qint64 lastSeq = 0)
{
    return "event: session_start\ndata: {\"type\":\"session_start\",\"session_id\":\"" + sessionId
            + "\",\"turn_id\":null,\"seq\":" + QByteArray::number(lastSeq)
            + ",\"last_seq\":" + QByteArray::number(lastSeq)
            + ",\"ts\":\"2026-12-01T10:00:00.000Z\",\"created\":false}\n\n";
}

QByteArray blocks(qint64 from, qint64 to)
{
    QByteArray out;
    for (qint64 s = from; s <= to; ++s)
        out += block(s);
    return out;
}

/// Records what the client delivered.
struct Recorder
{
    explicit Recorder(EventStreamClient *client)
    {
        QObject::connect(client, &EventStreamClient::eventReceived, client,
                         [this](const StreamEvent &e) { events << e; });
        QObject::connect(client, &EventStreamClient::reconnecting, client,
                         [this](int attempt, int delay, const QString &reason) {
                             attempts << attempt;
                             delays << delay;
                             reasons << reason;
                         });
        QObject::connect(client, &EventStreamClient::failed, client,
                         [this](const ApiError &e) { failures << e; });
    }
    [[nodiscard]] QList<qint64> seqs() const
    {
        QList<qint64> out;
        for (const StreamEvent &e : events) {
            if (e.type != StreamEventType::SessionStart)
                out << e.seq;
        }
        return out;
    }
    QList<StreamEvent> events;
    QList<int> attempts, delays;
    QStringList reasons;
    QList<ApiError> failures;
};

} // namespace

class tst_EventStreamClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void framing_data();
    void framing();
    void requestCarriesTokenAndSession();
    void reconnectsWithLastEventId();
    void replayedEventsArriveOnce();
    void sessionFromSessionStart();
    void watchdog_data();
    void watchdog();
    void heartbeatsKeepTheStream();
    void serviceUnavailableHonoursRetryAfter();
    void backoffDoubles();
    void notRetryable_data();
    void notRetryable();
    void notAnEventStream();
    void oversized_data();
    void oversized();
    void sessionEndDeletedCloses();
    void closeStopsEverything();

private:
    std::unique_ptr<HttpFixture> m_server;
    std::unique_ptr<EventStreamClient> m_client;

    void openClient(const QString &session = QStringLiteral("s1"), qint64 after = 0)
    {
        m_client->setBaseUrl(m_server->url());
        m_client->open(session, after);
    }
};

void tst_EventStreamClient::init()
{
    m_server = std::make_unique<HttpFixture>();
    QVERIFY(m_server->listen());
    m_client = std::make_unique<EventStreamClient>();
    m_client->setReconnectDelays(50, 2000);
}

void tst_EventStreamClient::cleanup()
{
    m_client.reset();
    m_server.reset();
}

void tst_EventStreamClient::framing_data()
{
    QTest::addColumn<QByteArray>("eol");
    QTest::addColumn<int>("chunk");
    for (const auto &[name, eol] :
         {std::pair {"LF", QByteArray("\n")}, std::pair {"CRLF", QByteArray("\r\n")},
          std::pair {"CR", QByteArray("\r")}}) {
        for (int chunk : {1, 7, 100000})
            QTest::addRow("%s, %d-byte reads", name, chunk) << eol << chunk;
    }
}

// One stream with a retry field, comments, a session_start, events whose JSON is spread over
// several data lines, written in pieces: every event arrives whole and once, and the stream's
// `retry:` is the delay of the reconnection after the server closes.
void tst_EventStreamClient::framing()
{
    QFETCH(QByteArray, eol);
    QFETCH(int, chunk);
    QByteArray body = "retry: 700\n: hello there\n\n" + startBlock();
    for (int seq = 1; seq <= 3; ++seq) {
        const QByteArray json
                = eventJson(seq, "partial_response",
                            "\"iteration\":2,\"delta\":\"line " + QByteArray::number(seq) + "\"");
        const qsizetype cut = json.indexOf(",\"seq\"");
        body += "id: " + QByteArray::number(seq) + "\nevent: partial_response\ndata: "
                + json.left(cut) + "\ndata: " + json.mid(cut) + "\n: heartbeat\n\n";
    }
    body.replace("\n", eol);
    if (eol == "\r")
        body += "\n"; // a CR ends the last blank line; the LF after it must not count again
    m_server->onRequest = [&](HttpFixture::Request &r) {
        if (r.index > 0)
            return;
        r.socket->write(HttpFixture::streamHead());
        m_server->dribble(r.socket, body, chunk, 2, [s = r.socket] {
            if (s)
                s->disconnectFromHost();
        });
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE_WITH_TIMEOUT(rec.delays.size(), 1, 20000);
    QCOMPARE(rec.events.size(), 4);
    QCOMPARE(rec.events.at(0).type, StreamEventType::SessionStart);
    QCOMPARE(rec.seqs(), (QList<qint64> {1, 2, 3}));
    for (int i = 1; i <= 3; ++i) {
        const StreamEvent &e = rec.events.at(i);
        QCOMPARE(e.type, StreamEventType::PartialResponse);
        QCOMPARE(e.sessionId, QStringLiteral("s1"));
        QCOMPARE(e.turnId, QStringLiteral("t1"));
        QCOMPARE(e.data.value(QStringLiteral("delta")).toString(),
                 QStringLiteral("line %1").arg(i));
        QCOMPARE(e.data.value(QStringLiteral("iteration")).toInt(), 2);
    }
    QCOMPARE(m_client->lastSeq(), 3);
    QCOMPARE(m_client->commentCount(), 4);
    QCOMPARE(rec.delays.at(0), 700); // the stream's retry:, not the configured 50 ms
    QCOMPARE(rec.reasons.at(0), QStringLiteral("the server closed the stream"));
}

void tst_EventStreamClient::requestCarriesTokenAndSession()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock("a b/c"));
    };
    m_client->setToken(QStringLiteral("s3cret"));
    Recorder rec(m_client.get());
    openClient(QStringLiteral("a b/c"), 41);
    QTRY_COMPARE(rec.events.size(), 1);
    QCOMPARE(m_client->state(), EventStreamClient::State::Open);
    const HttpFixture::Request &r = *m_server->requests.at(0);
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.target, QByteArray("/api/v3/chat/stream?session_id=a%20b%2Fc"));
    QCOMPARE(r.header("authorization"), QByteArray("Bearer s3cret"));
    QCOMPARE(r.header("accept"), QByteArray("text/event-stream"));
    QCOMPARE(r.header("last-event-id"), QByteArray("41"));
}

// The server drops the stream after 3 events: the client comes back by itself with
// Last-Event-ID: 3 and gets the rest.
void tst_EventStreamClient::reconnectsWithLastEventId()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        if (r.index == 0) {
            r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 3));
            r.socket->disconnectFromHost();
        } else {
            r.socket->write(HttpFixture::streamHead() + startBlock("s1", 3) + blocks(4, 5));
        }
    };
    Recorder rec(m_client.get());
    QSignalSpy states(m_client.get(), &EventStreamClient::stateChanged);
    openClient();
    QTRY_COMPARE(rec.seqs().size(), 5);
    QCOMPARE(rec.seqs(), (QList<qint64> {1, 2, 3, 4, 5}));
    QCOMPARE(m_server->requests.size(), size_t(2));
    QCOMPARE(m_server->requests.at(0)->header("last-event-id"), QByteArray());
    QCOMPARE(m_server->requests.at(1)->header("last-event-id"), QByteArray("3"));
    QCOMPARE(rec.attempts, QList<int> {1});
    QCOMPARE(rec.delays, QList<int> {50});
    QCOMPARE(m_client->state(), EventStreamClient::State::Open);
    QCOMPARE(m_client->connectionCount(), 2);
    QList<EventStreamClient::State> seen;
    for (const auto &args : states)
        seen << args.at(0).value<EventStreamClient::State>();
    QCOMPARE(seen,
             (QList<EventStreamClient::State> {
                     EventStreamClient::State::Connecting, EventStreamClient::State::Open,
                     EventStreamClient::State::Reconnecting, EventStreamClient::State::Open}));
}

// A server that ignores Last-Event-ID and replays from the start: each event is delivered once.
void tst_EventStreamClient::replayedEventsArriveOnce()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        if (r.index == 0) {
            r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 3));
            r.socket->disconnectFromHost();
        } else {
            r.socket->write(HttpFixture::streamHead() + startBlock("s1", 5) + blocks(1, 5)
                            + blocks(4, 6));
        }
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE(rec.seqs().size(), 6);
    QTest::qWait(100);
    QCOMPARE(rec.seqs(), (QList<qint64> {1, 2, 3, 4, 5, 6}));
    QCOMPARE(m_client->duplicateCount(), 5);
    // Both session_starts passed: they carry no id and say what the server holds.
    QCOMPARE(rec.events.size(), 8);
}

// Opened without a session: the id comes from session_start and the reconnection uses it.
void tst_EventStreamClient::sessionFromSessionStart()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock("fresh-1") + blocks(1, 1));
        if (r.index == 0)
            r.socket->disconnectFromHost();
    };
    Recorder rec(m_client.get());
    openClient(QString());
    QTRY_COMPARE(m_server->requests.size(), size_t(2));
    QCOMPARE(m_server->requests.at(0)->target, QByteArray("/api/v3/chat/stream"));
    QCOMPARE(m_server->requests.at(1)->target,
             QByteArray("/api/v3/chat/stream?session_id=fresh-1"));
    QCOMPARE(m_client->sessionId(), QStringLiteral("fresh-1"));
}

void tst_EventStreamClient::watchdog_data()
{
    QTest::addColumn<bool>("answer");
    QTest::newRow("silent after an event") << true;
    QTest::newRow("no answer at all") << false;
}

// A server that keeps the socket open and stops sending (a dead peer behind a NAT, a stopped
// process): the client notices within the heartbeat timeout and reconnects.
void tst_EventStreamClient::watchdog()
{
    QFETCH(bool, answer);
    m_server->onRequest = [answer](HttpFixture::Request &r) {
        if (r.index == 0 && answer)
            r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 1));
        if (r.index > 0)
            r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(2, 2));
    };
    m_client->setHeartbeatTimeout(400);
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE_WITH_TIMEOUT(m_server->requests.size(), size_t(2), 5000);
    const qint64 gap = m_server->requests.at(1)->atMs - m_server->requests.at(0)->atMs;
    QVERIFY2(gap >= 380 && gap < 400 + 50 + 400, QByteArray::number(gap).constData());
    QCOMPARE(rec.reasons.size(), 1);
    QVERIFY2(rec.reasons.at(0).contains(QLatin1String("heartbeat timeout")),
             qPrintable(rec.reasons.at(0)));
    QTRY_VERIFY(rec.seqs().contains(2));
    QCOMPARE(m_server->requests.at(1)->header("last-event-id"),
             answer ? QByteArray("1") : QByteArray());
    // The dead connection was given up, not left open.
    QTRY_VERIFY(m_server->requests.at(0)->disconnected);
}

// The other side of the watchdog: a quiet stream with heartbeat comments is healthy.
void tst_EventStreamClient::heartbeatsKeepTheStream()
{
    m_server->onRequest = [this](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock());
        QByteArray beats;
        for (int i = 0; i < 15; ++i)
            beats += ": heartbeat\n\n";
        m_server->dribble(r.socket, beats, 13, 100);
    };
    m_client->setHeartbeatTimeout(400);
    openClient();
    QTest::qWait(1500);
    QCOMPARE(m_server->requests.size(), size_t(1));
    QCOMPARE(m_client->state(), EventStreamClient::State::Open);
    QVERIFY(m_client->commentCount() >= 12);
}

void tst_EventStreamClient::serviceUnavailableHonoursRetryAfter()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        if (r.index == 0)
            r.socket->write(HttpFixture::answer(
                    503, HttpFixture::errorBody("too_many_connections", "at most 50 streams"),
                    "Retry-After: 1\r\n"));
        else
            r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 1));
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE_WITH_TIMEOUT(rec.seqs().size(), 1, 5000);
    QCOMPARE(rec.delays, QList<int> {1000});
    QVERIFY2(rec.reasons.at(0).contains(QLatin1String("too_many_connections")),
             qPrintable(rec.reasons.at(0)));
    const qint64 gap = m_server->requests.at(1)->atMs - m_server->requests.at(0)->atMs;
    QVERIFY2(gap >= 950, QByteArray::number(gap).constData());
    QVERIFY(rec.failures.isEmpty());
}

// Without anything from the server, each failed attempt doubles the delay up to the maximum.
void tst_EventStreamClient::backoffDoubles()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::answer(502, "bad gateway", {}, "text/plain"));
    };
    m_client->setReconnectDelays(20, 100);
    Recorder rec(m_client.get());
    openClient();
    QTRY_VERIFY(rec.delays.size() >= 5);
    QCOMPARE(rec.delays.mid(0, 5), (QList<int> {20, 40, 80, 100, 100}));
    QCOMPARE(rec.attempts.mid(0, 5), (QList<int> {1, 2, 3, 4, 5}));
    QCOMPARE(m_client->state(), EventStreamClient::State::Reconnecting);
}

void tst_EventStreamClient::notRetryable_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("code");
    QTest::newRow("401") << 401 << QByteArray("unauthorized");
    QTest::newRow("403") << 403 << QByteArray("forbidden_origin");
    QTest::newRow("404") << 404 << QByteArray("unknown_session");
    QTest::newRow("400") << 400 << QByteArray("invalid_last_event_id");
}

void tst_EventStreamClient::notRetryable()
{
    QFETCH(int, status);
    QFETCH(QByteArray, code);
    m_server->onRequest = [&](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::answer(status, HttpFixture::errorBody(code, "told you so")));
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE(rec.failures.size(), 1);
    const ApiError &e = rec.failures.at(0);
    QCOMPARE(e.httpStatus, status);
    QCOMPARE(e.code, QString::fromLatin1(code));
    QCOMPARE(e.message, QStringLiteral("told you so"));
    QCOMPARE(m_client->state(), EventStreamClient::State::Failed);
    QCOMPARE(m_client->lastError()->code, QString::fromLatin1(code));
    QTest::qWait(300);
    QCOMPARE(m_server->requests.size(), size_t(1));
    QVERIFY(rec.reasons.isEmpty());
}

void tst_EventStreamClient::notAnEventStream()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::answer(200, "<html>login</html>", {}, "text/html"));
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE(rec.failures.size(), 1);
    QCOMPARE(rec.failures.at(0).code, QStringLiteral("bad_response"));
    QVERIFY(rec.failures.at(0).message.contains(QLatin1String("text/html")));
    QCOMPARE(m_client->state(), EventStreamClient::State::Failed);
}

void tst_EventStreamClient::oversized_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("a line without end") << QByteArray("data: " + QByteArray(3000, 'x'));
    QByteArray lines;
    for (int i = 0; i < 40; ++i)
        lines += "data: " + QByteArray(100, 'y') + "\n";
    QTest::newRow("an event of many lines") << lines;
    QTest::newRow("a long comment") << QByteArray(": " + QByteArray(5000, 'z'));
}

// A hostile server that never ends a line or an event: the client stops at its bound, drops
// the connection and says why, instead of growing without end.
void tst_EventStreamClient::oversized()
{
    QFETCH(QByteArray, body);
    m_server->onRequest = [&](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 1));
        m_server->dribble(r.socket, body, 500, 5);
    };
    m_client->setMaxEventBytes(2048);
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE(rec.failures.size(), 1);
    QCOMPARE(rec.failures.at(0).code, QStringLiteral("too_large"));
    QVERIFY2(rec.failures.at(0).message.contains(QLatin1String("exceeded 2048 bytes")),
             qPrintable(rec.failures.at(0).message));
    QCOMPARE(rec.seqs(), QList<qint64> {1});
    QCOMPARE(m_client->state(), EventStreamClient::State::Failed);
    QTRY_VERIFY(m_server->requests.at(0)->disconnected);
    QTest::qWait(200);
    QCOMPARE(m_server->requests.size(), size_t(1));
}

void tst_EventStreamClient::sessionEndDeletedCloses()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 1)
                        + block(2, "session_end", "\"reason\":\"deleted\""));
        r.socket->disconnectFromHost();
    };
    Recorder rec(m_client.get());
    openClient();
    QTRY_COMPARE(m_client->state(), EventStreamClient::State::Closed);
    QCOMPARE(rec.seqs(), (QList<qint64> {1, 2}));
    QCOMPARE(rec.events.last().type, StreamEventType::SessionEnd);
    QTest::qWait(200);
    QCOMPARE(m_server->requests.size(), size_t(1));
    QVERIFY(rec.reasons.isEmpty());
}

void tst_EventStreamClient::closeStopsEverything()
{
    m_server->onRequest = [](HttpFixture::Request &r) {
        r.socket->write(HttpFixture::streamHead() + startBlock() + blocks(1, 1));
    };
    Recorder rec(m_client.get());
    m_client->setHeartbeatTimeout(200);
    openClient();
    QTRY_COMPARE(rec.seqs().size(), 1);
    m_client->close();
    QCOMPARE(m_client->state(), EventStreamClient::State::Closed);
    QTRY_VERIFY(m_server->requests.at(0)->disconnected);
    QTest::qWait(500); // past the heartbeat timeout: no watchdog, no reconnection
    QCOMPARE(m_server->requests.size(), size_t(1));
}

QTEST_GUILESS_MAIN(tst_EventStreamClient)
#include "tst_eventstreamclient.moc"
