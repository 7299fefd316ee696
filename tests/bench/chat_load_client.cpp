// Request-rate load client for the POST /chat benchmark (docs/benchmarks.md, issue 7).
//
// Opens N keep-alive HTTP/1.1 connections (raw QTcpSocket: QNetworkAccessManager allows only
// 6 per host) and sends one request after the other on each until --requests answers have
// arrived in all. Each connection first sends --warmup requests that are not measured. Reads
// each answer whole (Content-Length or chunked), counts statuses other than 200 as errors and,
// with --expect, answers whose body lacks that byte string. Prints one JSON object on stdout.
//
//   chat_load_client --url http://127.0.0.1:P/chat [--method POST] [--body JSON]
//                    --connections N --requests TOTAL [--warmup K] [--expect TEXT]
//                    [--server-pid PID] [--timeout S]
//
// With --server-pid: the server's CPU time (utime+stime of /proc/PID/stat) over the measured
// requests, and the same for its descendants (the MCP servers it started), both also per
// request. Latency: from writing a request to the last byte of its answer (nearest rank).

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

/// utime+stime of one process in ms; -1 if it is gone. `ppid` receives its parent.
qint64 processCpuMs(qint64 pid, qint64 *ppid = nullptr)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    // After the ")" that ends the command name: field 3 (state) first; ppid is field 4, utime 14,
    // stime 15.
    const QList<QByteArray> f = text.mid(text.lastIndexOf(')') + 2).split(' ');
    if (f.size() < 13)
        return -1;
    if (ppid)
        *ppid = f.at(1).toLongLong();
    static const long tick = sysconf(_SC_CLK_TCK);
    return (f.at(11).toLongLong() + f.at(12).toLongLong()) * 1000 / tick;
}

/// The CPU time of every descendant of `root` (not `root` itself), in ms.
qint64 descendantsCpuMs(qint64 root)
{
    QHash<qint64, qint64> parent;
    QHash<qint64, qint64> cpu;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok)
            continue;
        qint64 ppid = 0;
        const qint64 ms = processCpuMs(pid, &ppid);
        if (ms < 0)
            continue;
        parent.insert(pid, ppid);
        cpu.insert(pid, ms);
    }
    qint64 total = 0;
    for (auto it = parent.cbegin(); it != parent.cend(); ++it) {
        for (qint64 p = it.value(), hops = 0; p > 1 && hops < 64; p = parent.value(p, 0), ++hops) {
            if (p == root) {
                total += cpu.value(it.key());
                break;
            }
        }
    }
    return total;
}

qint64 ownCpuMs()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    const size_t rank = size_t(std::max(1.0, std::ceil(p / 100.0 * double(v.size()))));
    std::nth_element(v.begin(), v.begin() + long(rank - 1), v.end());
    return v[rank - 1];
}

struct Options
{
    QUrl url;
    QByteArray method = "POST";
    QByteArray body;
    QByteArray expect;
    int connections = 1;
    qint64 requests = 100;
    int warmup = 1;
    qint64 serverPid = 0;
    int timeoutS = 120;
};

class LoadClient;

/// One keep-alive connection sending one request at a time.
class Connection : public QObject
{
public:
    Connection(LoadClient *owner, const Options &o);
    void start();

private:
    void connectSocket();
    void sendNext();
    void onReadyRead();
    bool parseAnswer(); // true when one whole answer has been taken off m_buf
    void finishAnswer();
    void onGone();

    LoadClient *m_owner;
    const Options &m_o;
    QTcpSocket m_socket;
    QByteArray m_request;
    QByteArray m_buf;
    int m_warmupLeft;
    bool m_waiting = false; // a request is out
    bool m_measured = false; // the request out is a measured one
    QElapsedTimer m_sent;
    // The answer being read.
    bool m_haveHead = false;
    int m_status = 0;
    bool m_chunked = false;
    bool m_close = false;
    qint64 m_length = -1;
    QByteArray m_body;
};

class LoadClient : public QObject
{
public:
    explicit LoadClient(const Options &o)
        : m_o(o)
    { }

    void start()
    {
        m_timeout.setSingleShot(true);
        connect(&m_timeout, &QTimer::timeout, this, [this] {
            m_timedOut = true;
            finish();
        });
        m_timeout.start(m_o.timeoutS * 1000);
        m_warmDone = m_o.warmup == 0;
        for (int i = 0; i < m_o.connections; ++i) {
            m_conns.push_back(std::make_unique<Connection>(this, m_o));
            m_conns.back()->start();
        }
    }

    /// A connection asks for a measured request: false when the budget is spent.
    bool takeRequest()
    {
        if (m_issued >= m_o.requests)
            return false;
        if (m_issued == 0)
            beginMeasuring();
        ++m_issued;
        return true;
    }

    void warmupDone()
    {
        // Measuring starts when every connection has finished its warm-up, so the servers are
        // warm and the connections open.
        if (++m_warm == m_o.connections) {
            m_warmDone = true;
            for (auto &c : m_conns)
                QTimer::singleShot(0, c.get(), [c = c.get()] { c->start(); });
        }
    }
    [[nodiscard]] bool warmedUp() const { return m_warmDone; }

    void answered(bool measured, int status, bool expected, double ms)
    {
        if (!measured)
            return;
        ++m_done;
        if (status != 200)
            ++m_errors;
        else if (!expected)
            ++m_unexpected;
        m_latencies.push_back(ms);
        if (m_done == m_o.requests)
            finish();
    }

    void failed(const QByteArray &why)
    {
        ++m_connectionErrors;
        if (m_firstError.isEmpty())
            m_firstError = why;
        if (m_connectionErrors > 100 + m_o.connections)
            finish();
    }

    void countReconnect() { ++m_reconnects; }

private:
    void beginMeasuring()
    {
        m_clock.start();
        if (m_o.serverPid > 0) {
            m_serverCpu0 = processCpuMs(m_o.serverPid);
            m_childCpu0 = descendantsCpuMs(m_o.serverPid);
        }
        m_ownCpu0 = ownCpuMs();
    }

    void finish()
    {
        if (m_finished)
            return;
        m_finished = true;
        const double elapsedS = m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0;
        QJsonObject out {
                {QStringLiteral("url"), m_o.url.toString()},
                {QStringLiteral("method"), QString::fromLatin1(m_o.method)},
                {QStringLiteral("connections"), m_o.connections},
                {QStringLiteral("requests"), m_o.requests},
                {QStringLiteral("answered"), m_done},
                {QStringLiteral("errors"), m_errors},
                {QStringLiteral("unexpected"), m_unexpected},
                {QStringLiteral("connection_errors"), m_connectionErrors},
                {QStringLiteral("reconnects"), m_reconnects},
                {QStringLiteral("timed_out"), m_timedOut},
                {QStringLiteral("elapsed_s"), elapsedS},
                {QStringLiteral("per_s"), elapsedS > 0 ? double(m_done) / elapsedS : 0.0},
                {QStringLiteral("latency_p50_ms"), percentile(m_latencies, 50)},
                {QStringLiteral("latency_p99_ms"), percentile(m_latencies, 99)},
                {QStringLiteral("client_cpu_ms"), double(ownCpuMs() - m_ownCpu0)},
        };
        if (!m_firstError.isEmpty())
            out.insert(QStringLiteral("first_error"), QString::fromUtf8(m_firstError));
        if (m_o.serverPid > 0 && m_serverCpu0 >= 0) {
            const qint64 server = processCpuMs(m_o.serverPid) - m_serverCpu0;
            const qint64 children = descendantsCpuMs(m_o.serverPid) - m_childCpu0;
            const double n = std::max<qint64>(1, m_done);
            out.insert(QStringLiteral("server_cpu_ms"), double(server));
            out.insert(QStringLiteral("server_cpu_ms_per_request"), double(server) / n);
            out.insert(QStringLiteral("children_cpu_ms"), double(children));
            out.insert(QStringLiteral("children_cpu_ms_per_request"), double(children) / n);
        }
        std::fputs(QJsonDocument(out).toJson(QJsonDocument::Compact).constData(), stdout);
        std::fputc('\n', stdout);
        std::fflush(stdout);
        QCoreApplication::exit(m_done == m_o.requests && m_errors == 0 && m_unexpected == 0 ? 0
                                                                                            : 1);
    }

    const Options &m_o;
    std::vector<std::unique_ptr<Connection>> m_conns;
    QTimer m_timeout;
    QElapsedTimer m_clock;
    std::vector<double> m_latencies;
    qint64 m_issued = 0;
    qint64 m_done = 0;
    qint64 m_errors = 0;
    qint64 m_unexpected = 0;
    qint64 m_connectionErrors = 0;
    qint64 m_reconnects = 0;
    qint64 m_serverCpu0 = -1;
    qint64 m_childCpu0 = 0;
    qint64 m_ownCpu0 = 0;
    int m_warm = 0;
    bool m_warmDone = false;
    bool m_timedOut = false;
    bool m_finished = false;
    QByteArray m_firstError;
};

Connection::Connection(LoadClient *owner, const Options &o)
    : m_owner(owner)
    , m_o(o)
    , m_warmupLeft(o.warmup)
{
    const QByteArray target = m_o.url.path(QUrl::FullyEncoded).toUtf8()
            + (m_o.url.hasQuery() ? "?" + m_o.url.query(QUrl::FullyEncoded).toUtf8() : "");
    m_request = m_o.method + ' ' + (target.isEmpty() ? "/" : target) + " HTTP/1.1\r\nHost: "
            + m_o.url.authority().toUtf8() + "\r\nAccept: application/json\r\n";
    if (!m_o.body.isEmpty())
        m_request += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(m_o.body.size()) + "\r\n";
    m_request += "\r\n" + m_o.body;
    connect(&m_socket, &QTcpSocket::connected, this, [this] { sendNext(); });
    connect(&m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] { onGone(); });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        m_owner->failed(m_socket.errorString().toUtf8());
    });
}

void Connection::start()
{
    if (m_socket.state() == QAbstractSocket::UnconnectedState)
        connectSocket();
    else if (!m_waiting)
        sendNext();
}

void Connection::connectSocket()
{
    m_buf.clear();
    m_haveHead = false;
    m_socket.connectToHost(m_o.url.host(), quint16(m_o.url.port(80)));
}

void Connection::sendNext()
{
    if (m_waiting || m_socket.state() != QAbstractSocket::ConnectedState)
        return;
    if (m_warmupLeft > 0) {
        --m_warmupLeft;
        m_measured = false;
    } else if (m_owner->warmedUp() && m_owner->takeRequest()) {
        m_measured = true;
    } else {
        return; // wait for the others' warm-up, or the budget is spent
    }
    m_waiting = true;
    m_sent.start();
    m_socket.write(m_request);
}

void Connection::onReadyRead()
{
    m_buf += m_socket.readAll();
    while (m_waiting && parseAnswer())
        finishAnswer();
}

bool Connection::parseAnswer()
{
    if (!m_haveHead) {
        const qsizetype end = m_buf.indexOf("\r\n\r\n");
        if (end < 0)
            return false;
        const QList<QByteArray> lines = m_buf.left(end).split('\n');
        const QByteArray statusLine = lines.value(0).trimmed();
        m_status = statusLine.startsWith("HTTP/1.") ? statusLine.mid(9, 3).toInt() : 0;
        m_chunked = false;
        m_close = false;
        m_length = -1;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed().toLower();
            if (line.startsWith("content-length:"))
                m_length = line.mid(15).trimmed().toLongLong();
            else if (line.startsWith("transfer-encoding:") && line.contains("chunked"))
                m_chunked = true;
            else if (line.startsWith("connection:") && line.contains("close"))
                m_close = true;
        }
        m_buf.remove(0, end + 4);
        m_body.clear();
        m_haveHead = true;
    }
    if (m_chunked) {
        for (;;) {
            const qsizetype eol = m_buf.indexOf("\r\n");
            if (eol < 0)
                return false;
            bool ok = false;
            const qint64 size = m_buf.left(eol).split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0) {
                m_owner->failed("bad chunk size");
                m_socket.abort();
                return false;
            }
            if (size == 0) {
                const qsizetype trailerEnd = m_buf.indexOf("\r\n\r\n", eol);
                if (trailerEnd < 0 && m_buf.size() < eol + 4)
                    return false;
                m_buf.remove(0, trailerEnd >= 0 ? trailerEnd + 4 : eol + 4);
                return true;
            }
            if (m_buf.size() < eol + 2 + size + 2)
                return false;
            m_body += m_buf.mid(eol + 2, size);
            m_buf.remove(0, eol + 2 + size + 2);
        }
    }
    const qint64 length = std::max<qint64>(0, m_length);
    if (m_buf.size() < length)
        return false;
    m_body = m_buf.left(length);
    m_buf.remove(0, length);
    return true;
}

void Connection::finishAnswer()
{
    const double ms = double(m_sent.nsecsElapsed()) / 1e6;
    const bool expected = m_o.expect.isEmpty() || m_body.contains(m_o.expect);
    const bool measured = m_measured;
    m_waiting = false;
    m_haveHead = false;
    if (!measured && m_warmupLeft == 0)
        QTimer::singleShot(0, m_owner, [o = m_owner] { o->warmupDone(); });
    m_owner->answered(measured, m_status, expected, ms);
    if (m_close) {
        m_owner->countReconnect();
        m_socket.abort();
        connectSocket();
        return;
    }
    sendNext();
}

void Connection::onGone()
{
    if (m_waiting) {
        m_owner->failed("the server closed the connection with a request out");
        m_waiting = false;
        if (m_measured)
            m_owner->answered(true, 0, false, double(m_sent.nsecsElapsed()) / 1e6);
        else if (m_warmupLeft == 0)
            m_owner->warmupDone();
        m_owner->countReconnect();
        QTimer::singleShot(10, this, [this] { connectSocket(); });
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Request-rate load client (POST /chat benchmark)"));
    p.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("the URL"),
                                 QStringLiteral("URL"));
    const QCommandLineOption method(QStringLiteral("method"), QStringLiteral("POST or GET"),
                                    QStringLiteral("M"), QStringLiteral("POST"));
    const QCommandLineOption body(QStringLiteral("body"), QStringLiteral("JSON body"),
                                  QStringLiteral("JSON"));
    const QCommandLineOption expect(QStringLiteral("expect"),
                                    QStringLiteral("a 200 answer must contain this"),
                                    QStringLiteral("TEXT"));
    const QCommandLineOption conns(QStringLiteral("connections"),
                                   QStringLiteral("concurrent keep-alive connections"),
                                   QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption requests(QStringLiteral("requests"),
                                      QStringLiteral("measured requests in all"),
                                      QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption warmup(QStringLiteral("warmup"),
                                    QStringLiteral("unmeasured requests per connection first"),
                                    QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption pid(QStringLiteral("server-pid"),
                                 QStringLiteral("measure this process's CPU (and its children's)"),
                                 QStringLiteral("PID"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("give up after S seconds"), QStringLiteral("S"),
                                     QStringLiteral("120"));
    p.addOptions({url, method, body, expect, conns, requests, warmup, pid, timeout});
    p.process(app);

    Options o;
    o.url = QUrl(p.value(url));
    o.method = p.value(method).toUpper().toLatin1();
    o.body = p.value(body).toUtf8();
    o.expect = p.value(expect).toUtf8();
    o.connections = p.value(conns).toInt();
    o.requests = p.value(requests).toLongLong();
    o.warmup = p.value(warmup).toInt();
    o.serverPid = p.value(pid).toLongLong();
    o.timeoutS = p.value(timeout).toInt();
    if (!o.url.isValid() || o.url.scheme() != QLatin1String("http") || o.connections < 1
        || o.connections > 1000 || o.requests < 1 || o.warmup < 0 || o.warmup > 1000
        || o.timeoutS < 1 || (o.method != "POST" && o.method != "GET")) {
        std::fputs("chat_load_client: need --url http://…, --connections 1..1000, --requests >= 1, "
                   "--warmup 0..1000, --timeout >= 1, --method POST|GET (see --help)\n",
                   stderr);
        return 2;
    }
    LoadClient client(o);
    QTimer::singleShot(0, &client, [&client] { client.start(); });
    return app.exec();
}
