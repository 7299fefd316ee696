// A reader that stops reading is cut off once its backlog passes the bound, while a reader that
// keeps up on the same session gets every event; the cut reader resumes with Last-Event-ID and
// ends up with every event, none twice. The slow reader is a plain socket (it must not read);
// the others are the project's EventStreamClient, as the desktop app reads.

#include "apitestsupport.h"
#include "httptestsupport.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace HttpTest;

class tst_SlowReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void slowReaderIsCutAndResumes();
};

void tst_SlowReader::slowReaderIsCutAndResumes()
{
    ScriptedLlm llm;
    QVERIFY2(llm.start(), "the scripted LLM did not start");
    HostProcess host;
    host.useLlm(llm);
    host.config.insert(QStringLiteral("server"),
                       QJsonObject {{QStringLiteral("max_stream_backlog_bytes"), 65536}});
    const QString failure = host.start();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    RestClient rest(host.port);
    QVERIFY(waitForServersReady(rest));

    const Reply created = rest.post(QStringLiteral("/api/v3/sessions"), {});
    QCOMPARE(created.status, 201);
    const QString session = created.json().value(QStringLiteral("session_id")).toString();
    const QString path = QStringLiteral("/api/v3/chat/stream?session_id=") + session;

    // The slow reader: a tiny receive window set before connecting (so the kernel cannot grow
    // it and swallow the backlog), and Qt told not to read ahead of us.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    const int window = 4096;
    QCOMPARE(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &window, sizeof window), 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(host.port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    // A plain descriptor, not a QTcpSocket: nothing reads it behind the test's back.
    const QByteArray get = "GET " + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + QByteArray::number(host.port) + "\r\nAccept: text/event-stream\r\n\r\n";
    QCOMPARE(::send(fd, get.constData(), size_t(get.size()), 0), ssize_t(get.size()));
    ApiTest::Stream fast(host.port);
    QVERIFY(fast.open(session));
    QVERIFY(TestSupport::waitFor([&] {
        return rest.get(QStringLiteral("/health")).json().value("connections").toInt() == 2;
    }));

    // One turn whose tool results are large: ~12 MB of observing events to each stream, more
    // than the kernel's socket buffers hold (4 MB for the server's send side here).
    QJsonArray calls;
    for (int i = 0; i < 12; ++i)
        calls.append(toolCall(QStringLiteral("c%1").arg(i), QStringLiteral("big"),
                              {{QStringLiteral("size"), 1000000 + i}})); // distinct: no loop guard
    QVERIFY(llm.setScript({toolReply(calls), textReply(QStringLiteral("all done"))}));
    const Reply sent = rest.post(QStringLiteral("/api/v3/chat/send"),
                                 {{QStringLiteral("session_id"), session},
                                  {QStringLiteral("message"), QStringLiteral("make big things")}});
    QCOMPARE(sent.status, 202);

    // The fast reader gets the whole turn; the slow one is dropped by the server meanwhile.
    if (fast.waitForType(QStringLiteral("final_response"), 60000) < 0) {
        QFAIL(qPrintable(QStringLiteral("no answer; the fast reader got: %1; server log: %2")
                                 .arg(fast.types().join(QLatin1Char(',')),
                                      QString::fromUtf8(host.err.right(1500)))));
    }
    const bool cut = TestSupport::waitFor(
            [&] {
                return rest.get(QStringLiteral("/health")).json().value("connections").toInt() == 1;
            },
            30000);
    QVERIFY2(cut, "the server kept the reader that took nothing");
    QCOMPARE(fast.client.state(), EventStreamClient::State::Open);
    QVERIFY(fast.failures.isEmpty());

    // The slow reader now takes what reached it, then resumes from its last complete event.
    QByteArray got;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0)
            break; // the server closed (or reset) the connection after what it had sent
        got.append(buffer, qsizetype(n));
    }
    ::close(fd);
    const qsizetype bodyAt = got.indexOf("\r\n\r\n");
    QVERIFY(bodyAt > 0);
    SseParser parser;
    QList<qint64> seen;
    for (const SseEvent &e : parser.feed(QByteArrayView(got).sliced(bodyAt + 4))) {
        if (e.hasId)
            seen << e.id.toLongLong();
    }
    QVERIFY2(!seen.contains(fast.events.last().seq),
             "the slow reader was not behind: the test proves nothing");
    const qint64 resumeFrom = seen.isEmpty() ? 0 : seen.last();

    ApiTest::Stream resumed(host.port);
    QVERIFY(resumed.open(session, resumeFrom));
    QVERIFY(resumed.waitForType(QStringLiteral("final_response"), 30000) >= 0);
    seen += resumed.seqs();
    QCOMPARE(seen, fast.seqs()); // every event once, in order
}

QTEST_GUILESS_MAIN(tst_SlowReader)
#include "tst_slowreader.moc"
