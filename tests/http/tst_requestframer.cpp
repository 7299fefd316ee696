// RequestFramer finds the same request boundaries and refusals however the bytes are split:
// whole, byte by byte, and in every two-part split.

#include <requestframer.h>

#include <QTest>

namespace {

struct Outcome
{
    int completed = 0; ///< requests framed completely
    int status = 0; ///< 0: no refusal
    QString code;
    QByteArray lastTarget;
    qint64 lastLength = -1;
    bool lastChunked = false;
    bool operator==(const Outcome &o) const
    {
        return completed == o.completed && status == o.status && code == o.code
                && lastTarget == o.lastTarget && lastLength == o.lastLength
                && lastChunked == o.lastChunked;
    }
};

Outcome frame(const QList<QByteArray> &pieces)
{
    RequestFramer::Limits limits;
    limits.maxBodyBytes = 1000;
    limits.maxHeaderBytes = 400;
    limits.maxHeaderCount = 5;
    limits.maxRequestLineBytes = 100;
    // A route with a smaller limit than the rest (and one that asks for more than the bound).
    limits.bodyLimit = [](const RequestHead &head) -> qint64 {
        if (head.path() == "/small")
            return 10;
        return head.path() == "/huge" ? 5000 : 1000;
    };
    RequestFramer framer(limits);
    Outcome out;
    for (const QByteArray &piece : pieces) {
        QByteArrayView rest(piece);
        while (!rest.isEmpty() && !framer.hasFailed()) {
            RequestFramer::Event e = RequestFramer::Event::None;
            rest = rest.sliced(framer.feed(rest, &e));
            if (e == RequestFramer::Event::RequestComplete) {
                ++out.completed;
                out.lastTarget = framer.head().target;
                out.lastLength = framer.head().contentLength;
                out.lastChunked = framer.head().chunked;
                framer.reset();
            } else if (e == RequestFramer::Event::Failed) {
                const ApiError error {framer.error().code, framer.error().message};
                out.status = error.toHttp().status;
                out.code = error.toHttp().code;
            }
        }
    }
    return out;
}

} // namespace

class tst_RequestFramer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splits_data();
    void splits();
};

void tst_RequestFramer::splits_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("completed");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");

    const QByteArray h = "Host: a\r\n";
    QTest::newRow("GET") << "GET / HTTP/1.1\r\n" + h + "\r\n" << 1 << 0 << QString();
    QTest::newRow("POST and GET pipelined") << "POST /x HTTP/1.1\r\n" + h
                    + "Content-Length: 3\r\n\r\nabcGET /y HTTP/1.1\r\n" + h
                    + "\r\n" << 2 << 0 << QString();
    QTest::newRow("chunked") << "POST /c HTTP/1.1\r\n" + h
                    + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n"
                             << 1 << 0 << QString();
    QTest::newRow("body limit exactly")
            << "POST /x HTTP/1.1\r\n" + h + "Content-Length: 1000\r\n\r\n" + QByteArray(1000, 'b')
            << 1 << 0 << QString();
    QTest::newRow("body limit + 1") << "POST /x HTTP/1.1\r\n" + h + "Content-Length: 1001\r\n\r\n"
                                    << 0 << 413 << "body_too_large";
    QTest::newRow("chunks over the limit")
            << "POST /c HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n1f4\r\n"
                    + QByteArray(500, 'x') + "\r\n1f5\r\n"
            << 0 << 413 << "body_too_large";
    QTest::newRow("route limit exactly")
            << "POST /small HTTP/1.1\r\n" + h + "Content-Length: 10\r\n\r\n" + QByteArray(10, 'b')
            << 1 << 0 << QString();
    QTest::newRow("route limit + 1")
            << "POST /small HTTP/1.1\r\n" + h + "Content-Length: 11\r\n\r\n"
            << 0 << 413 << "body_too_large";
    QTest::newRow("route limit chunked") << "POST /small HTTP/1.1\r\n" + h
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n6\r\n"
                                         << 0 << 413 << "body_too_large";
    QTest::newRow("route limit above the bound")
            << "POST /huge HTTP/1.1\r\n" + h + "Content-Length: 1001\r\n\r\n"
            << 0 << 413 << "body_too_large";
    QTest::newRow("head limit") << "GET / HTTP/1.1\r\n" + h + "X: " + QByteArray(400, 'x') << 0
                                << 431 << "headers_too_large";
    QTest::newRow("header count") << "GET / HTTP/1.1\r\n" + h
                    + "A: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n"
                                  << 0 << 431 << "too_many_headers";
    QTest::newRow("request line") << "GET /" + QByteArray(120, 'x') << 0 << 414
                                  << "request_line_too_long";
    QTest::newRow("CL then TE") << "POST /x HTTP/1.1\r\n" + h
                    + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                << 0 << 400 << "bad_transfer_encoding";
    QTest::newRow("CR without LF") << "GET / HTTP/1.1\r\n" + h + "X: a\rb\r\n\r\n"
                                   << 0 << 400 << "bad_line";
    QTest::newRow("second request bad after a good one")
            << "GET / HTTP/1.1\r\n" + h + "\r\nGET / HTTP/1.1\r\n\r\n"
            << 1 << 400 << "missing_host";
    QTest::newRow("empty lines before the request") << "\r\n\r\nGET / HTTP/1.1\r\n" + h + "\r\n"
                                                    << 1 << 0 << QString();
}

void tst_RequestFramer::splits()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, completed);
    QFETCH(int, status);
    QFETCH(QString, code);

    const Outcome whole = frame({bytes});
    QCOMPARE(whole.completed, completed);
    QCOMPARE(whole.status, status);
    QCOMPARE(whole.code, code);

    QList<QByteArray> single;
    for (const char c : std::as_const(bytes))
        single << QByteArray(1, c);
    QVERIFY(frame(single) == whole);
    for (qsizetype at = 1; at < bytes.size(); ++at)
        QVERIFY2(frame({bytes.left(at), bytes.mid(at)}) == whole,
                 QByteArray::number(at).constData());
}

QTEST_GUILESS_MAIN(tst_RequestFramer)
#include "tst_requestframer.moc"
