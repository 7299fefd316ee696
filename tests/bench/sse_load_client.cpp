// SSE load client for the streaming benchmarks (docs/benchmarks.md, issue 4).
//
// Opens N raw QTcpSocket connections (QNetworkAccessManager would allow only 6 per host),
// sends an HTTP/1.1 GET to each, decodes the response (plain or chunked) and parses the
// text/event-stream body with SseParser. Prints one JSON object on stdout.
//
//   sse_load_client --url http://127.0.0.1:P/api/v3/chat/stream [--session ID | --new-session]
//                   --connections N --mode idle|fanout [--duration S]
//                   [--trigger-url URL --trigger-body JSON] [--expect K]
//                   [--event-type partial_response] [--server-pid PID]
//
// idle:   holds the N streams for --duration seconds once all are established, counts the
//         heartbeat comments; with --server-pid, samples the server's VmRSS and its CPU time
//         (utime+stime) over exactly that period.
// fanout: once all streams are established, POSTs --trigger-body to --trigger-url ("{session}"
//         in the body becomes the session id) and counts the events of --event-type until every
//         stream has K of them (or nothing arrived for --idle-timeout seconds, or --duration
//         passed). events/s = events received (all streams) / (receipt of the last one - `ts`
//         of the first one), i.e. from the first event's creation to the last delivery. Latency =
//         receive time (system clock, µs) - the event's `ts` (ms precision, so it reads 0..1 ms
//         high, 0.5 ms on average; the same for every server).
//
// --new-session: the first connection goes without session_id and reads it from the
// `session_start` event; the others then join that session.

#include "sseparser.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <vector>

namespace {

qint64 nowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
}

int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; ++i) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/// The `"ts":"YYYY-MM-DDTHH:MM:SS.mmmZ"` of an event's JSON, in µs since the epoch (UTC);
/// -1 if absent. A byte search, not a JSON parse: the client must stay cheap.
qint64 eventTsUs(const QByteArray &data)
{
    static const QByteArray key = "\"ts\":\"";
    const qsizetype at = data.indexOf(key);
    if (at < 0 || data.size() < at + key.size() + 24)
        return -1;
    const char *p = data.constData() + at + key.size();
    struct tm t
    {
    };
    t.tm_year = digits(p, 4) - 1900;
    t.tm_mon = digits(p + 5, 2) - 1;
    t.tm_mday = digits(p + 8, 2);
    t.tm_hour = digits(p + 11, 2);
    t.tm_min = digits(p + 14, 2);
    t.tm_sec = digits(p + 17, 2);
    const int ms = digits(p + 20, 3);
    if (ms < 0 || t.tm_year < 0)
        return -1;
    return qint64(timegm(&t)) * 1000000 + qint64(ms) * 1000;
}

struct ProcSample
{
    qint64 cpuMs = -1;
    qint64 rssKb = -1;
};

ProcSample sampleProcess(qint64 pid)
{
    ProcSample s;
    if (pid <= 0)
        return s;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (stat.open(QIODevice::ReadOnly)) {
        const QByteArray text = stat.readAll();
        // Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
        const QList<QByteArray> f = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (f.size() > 12) {
            const long tick = sysconf(_SC_CLK_TCK);
            s.cpuMs = (f.at(11).toLongLong() + f.at(12).toLongLong()) * 1000 / tick;
        }
    }
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                s.rssKb = line.mid(6).trimmed().split(' ').first().toLongLong();
        }
    }
    return s;
}

qint64 ownCpuMs()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

double percentile(std::vector<float> &v, double p)
{
    if (v.empty())
        return 0;
    // Nearest rank.
    const size_t rank = size_t(std::max(1.0, std::ceil(p / 100.0 * double(v.size()))));
    std::nth_element(v.begin(), v.begin() + long(rank - 1), v.end());
    return v[rank - 1];
}

class LoadClient;

/// One HTTP/1.1 GET holding an event stream.
class Connection : public QObject
{
public:
    Connection(LoadClient *owner, int index)
        : m_owner(owner)
        , m_index(index)
    {
        m_parser.setCommentHandler([this](QByteArrayView text) { onComment(text); });
        connect(&m_socket, &QTcpSocket::connected, this, [this] { sendRequest(); });
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] { onGone("disconnected"); });
        connect(&m_socket, &QTcpSocket::errorOccurred, this,
                [this](QAbstractSocket::SocketError) { onGone(m_socket.errorString().toUtf8()); });
    }

    void open(const QUrl &url, const QString &session);

    bool established = false;
    bool gone = false;
    qint64 counted = 0;
    qint64 heartbeats = 0;

private:
    void sendRequest();
    void onReadyRead();
    void onBody(QByteArrayView bytes);
    void onComment(QByteArrayView text);
    void onGone(const QByteArray &why);

    LoadClient *m_owner;
    int m_index;
    QTcpSocket m_socket;
    QByteArray m_request;
    QByteArray m_head;
    bool m_inBody = false;
    bool m_chunked = false;
    QByteArray m_chunkBuf;
    qint64 m_chunkLeft = 0; // bytes of chunk data still to come; -1: expecting a size line
    SseParser m_parser;
};

class LoadClient : public QObject
{
public:
    struct Options
    {
        QUrl url;
        QString session;
        bool newSession = false;
        int connections = 1;
        double durationS = 10;
        QString mode = QStringLiteral("idle");
        QUrl triggerUrl;
        QByteArray triggerBody;
        qint64 expect = 0;
        QByteArray eventType = "partial_response";
        qint64 serverPid = 0;
        double idleTimeoutS = 10;
        int inFlight = 64;
    };

    explicit LoadClient(Options o)
        : m_o(std::move(o))
    {
        m_latencies.reserve(size_t(std::max<qint64>(m_o.expect, 1)) * size_t(m_o.connections));
        m_wall.start();
    }

    void start()
    {
        for (int i = 0; i < m_o.connections; ++i)
            m_conns.push_back(std::make_unique<Connection>(this, i));
        m_startMs = m_wall.elapsed();
        if (m_o.newSession) {
            m_conns.front()->open(m_o.url, {});
            m_opened = 1;
        } else {
            m_session = m_o.session;
            openMore();
        }
        QTimer::singleShot(int(std::max(m_o.durationS, 1.0) * 1000 + 120000), this,
                           [this] { finish("overall timeout"); });
    }

    // Called by connections.
    void onEstablished()
    {
        ++m_established;
        if (m_established == 1 && m_o.newSession && m_session.isEmpty())
            return; // wait for session_start
        openMore();
        checkAllEstablished();
    }
    void onSession(const QString &id)
    {
        if (!m_session.isEmpty())
            return;
        m_session = id;
        openMore();
        checkAllEstablished();
    }
    void onFailed(int index, const QByteArray &why)
    {
        ++m_errors;
        if (m_errorSamples.size() < 5)
            m_errorSamples << QString::fromUtf8(QByteArray::number(index) + ": " + why);
        if (!m_allEstablished)
            openMore();
        checkDone();
    }
    void onEvent(Connection *c, const SseEvent &e)
    {
        if (e.type != m_o.eventType)
            return;
        const qint64 now = nowUs();
        if (m_firstUs == 0)
            m_firstUs = now;
        m_lastUs = now;
        ++c->counted;
        ++m_events;
        const qint64 ts = eventTsUs(e.data);
        if (ts > 0) {
            m_latencies.push_back(float(now - ts) / 1000.0f);
            if (m_firstTsUs == 0 || ts < m_firstTsUs)
                m_firstTsUs = ts;
        }
        if (m_o.expect > 0 && c->counted == m_o.expect)
            ++m_complete;
        m_idleClock.start();
        checkDone();
    }
    void onHeartbeat() { ++m_heartbeats; }

    [[nodiscard]] const QString &session() const { return m_session; }

private:
    void openMore()
    {
        // Keep at most inFlight connections connecting at once (listen backlogs are small).
        if (m_o.newSession && m_session.isEmpty())
            return;
        const int inFlight = m_opened - m_established - m_errors;
        int budget = m_o.inFlight - inFlight;
        while (budget-- > 0 && m_opened < m_o.connections)
            m_conns[size_t(m_opened++)]->open(m_o.url, m_session);
    }

    void checkAllEstablished()
    {
        if (m_allEstablished || m_established < m_o.connections)
            return;
        m_allEstablished = true;
        m_establishMs = m_wall.elapsed() - m_startMs;
        fprintf(stderr, "established %d streams in %lld ms (session %s)\n", m_established,
                m_establishMs, qPrintable(m_session));
        if (m_o.mode == QLatin1String("idle")) {
            // Let the server settle a moment, then sample over exactly the hold period.
            QTimer::singleShot(500, this, [this] {
                m_before = sampleProcess(m_o.serverPid);
                m_heartbeatsAtStart = m_heartbeats;
                m_holdClock.start();
                QTimer::singleShot(int(m_o.durationS * 1000), this, [this] {
                    m_after = sampleProcess(m_o.serverPid);
                    finish("held");
                });
            });
        } else {
            m_before = sampleProcess(m_o.serverPid);
            m_clientCpuBefore = ownCpuMs();
            trigger();
            m_idleClock.start();
            auto *idle = new QTimer(this);
            connect(idle, &QTimer::timeout, this, [this] {
                if (m_idleClock.elapsed() > qint64(m_o.idleTimeoutS * 1000))
                    finish("idle timeout");
            });
            idle->start(200);
            QTimer::singleShot(int(m_o.durationS * 1000), this, [this] { finish("duration"); });
        }
    }

    void trigger()
    {
        if (m_o.triggerUrl.isEmpty())
            return;
        QByteArray body = m_o.triggerBody;
        body.replace("{session}", m_session.toUtf8());
        auto *s = new QTcpSocket(this);
        const QUrl u = m_o.triggerUrl;
        connect(s, &QTcpSocket::connected, s, [s, u, body] {
            QByteArray req = "POST " + u.path(QUrl::FullyEncoded).toUtf8()
                    + " HTTP/1.1\r\nHost: " + u.host().toUtf8() + ':' + QByteArray::number(u.port())
                    + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + QByteArray::number(body.size()) + "\r\n\r\n" + body;
            s->write(req);
        });
        connect(s, &QTcpSocket::readyRead, s, [this, s] {
            const QByteArray head = s->readAll();
            const QByteArray status = head.left(head.indexOf('\n')).trimmed();
            if (!status.contains(" 200") && !status.contains(" 202")) {
                ++m_errors;
                m_errorSamples << QStringLiteral("trigger: ") + QString::fromUtf8(head.left(300));
            }
        });
        s->connectToHost(u.host(), quint16(u.port()));
    }

    void checkDone()
    {
        if (!m_allEstablished || m_o.mode != QLatin1String("fanout") || m_o.expect <= 0)
            return;
        int alive = 0;
        for (const auto &c : m_conns)
            alive += c->established && !c->gone ? 1 : 0;
        if (m_complete >= alive && alive > 0)
            finish("complete");
    }

    void finish(const char *why)
    {
        if (m_finished)
            return;
        m_finished = true;
        if (m_o.mode == QLatin1String("fanout"))
            m_after = sampleProcess(m_o.serverPid);
        int gone = 0;
        for (const auto &c : m_conns)
            gone += c->gone ? 1 : 0;
        QJsonObject out {
                {"mode", m_o.mode},
                {"url", m_o.url.toString()},
                {"session", m_session},
                {"connections_requested", m_o.connections},
                {"connections_established", m_established},
                {"establish_ms", m_establishMs},
                {"disconnected", gone},
                {"errors", m_errors},
                {"end", QString::fromLatin1(why)},
        };
        if (!m_errorSamples.isEmpty())
            out.insert("error_samples", QJsonArray::fromStringList(m_errorSamples));
        if (m_o.mode == QLatin1String("idle")) {
            const double held = m_holdClock.isValid() ? m_holdClock.elapsed() / 1000.0 : 0;
            out.insert("held_s", held);
            out.insert("heartbeats", m_heartbeats - m_heartbeatsAtStart);
            out.insert("heartbeats_per_stream_per_s",
                       held > 0 && m_established > 0
                               ? double(m_heartbeats - m_heartbeatsAtStart) / m_established / held
                               : 0.0);
        } else {
            // From the creation of the first event (its ts) to the receipt of the last one.
            const qint64 from = m_firstTsUs > 0 ? std::min(m_firstTsUs, m_firstUs) : m_firstUs;
            const double spanS = m_lastUs > from ? (m_lastUs - from) / 1e6 : 0;
            out.insert("receive_span_s", m_lastUs > m_firstUs ? (m_lastUs - m_firstUs) / 1e6 : 0.0);
            out.insert("event_type", QString::fromUtf8(m_o.eventType));
            out.insert("events", m_events);
            out.insert("events_expected", m_o.expect * m_established);
            out.insert("streams_complete", m_complete);
            out.insert("span_s", spanS);
            out.insert("events_per_s", spanS > 0 ? m_events / spanS : 0.0);
            out.insert("latency_p50_ms", percentile(m_latencies, 50));
            out.insert("latency_p99_ms", percentile(m_latencies, 99));
            out.insert("latency_max_ms",
                       m_latencies.empty()
                               ? 0.0
                               : double(*std::max_element(m_latencies.begin(), m_latencies.end())));
            out.insert("client_cpu_ms", ownCpuMs() - m_clientCpuBefore);
        }
        if (m_o.serverPid > 0) {
            out.insert("server_rss_kb", m_after.rssKb);
            out.insert("server_cpu_ms",
                       m_after.cpuMs >= 0 && m_before.cpuMs >= 0 ? m_after.cpuMs - m_before.cpuMs
                                                                 : -1);
        }
        printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
        fflush(stdout);
        QCoreApplication::exit(m_established == m_o.connections && m_errors == 0 ? 0 : 1);
    }

    Options m_o;
    std::vector<std::unique_ptr<Connection>> m_conns;
    QElapsedTimer m_wall;
    QElapsedTimer m_idleClock;
    QElapsedTimer m_holdClock;
    qint64 m_startMs = 0;
    qint64 m_establishMs = -1;
    QString m_session;
    int m_opened = 0;
    int m_established = 0;
    int m_errors = 0;
    QStringList m_errorSamples;
    bool m_allEstablished = false;
    bool m_finished = false;
    qint64 m_events = 0;
    qint64 m_complete = 0;
    qint64 m_heartbeats = 0;
    qint64 m_heartbeatsAtStart = 0;
    qint64 m_firstUs = 0;
    qint64 m_lastUs = 0;
    qint64 m_firstTsUs = 0; // the earliest `ts` of a counted event
    qint64 m_clientCpuBefore = 0;
    std::vector<float> m_latencies;
    ProcSample m_before;
    ProcSample m_after;
};

void Connection::open(const QUrl &url, const QString &session)
{
    QUrl u = url;
    QUrlQuery q(u);
    if (!session.isEmpty())
        q.addQueryItem(QStringLiteral("session_id"), session);
    u.setQuery(q);
    QByteArray target = u.path(QUrl::FullyEncoded).toUtf8();
    if (u.hasQuery())
        target += '?' + u.query(QUrl::FullyEncoded).toUtf8();
    m_request = "GET " + target + " HTTP/1.1\r\nHost: " + u.host().toUtf8() + ':'
            + QByteArray::number(u.port())
            + "\r\nAccept: text/event-stream\r\n"
              "Cache-Control: no-cache\r\n\r\n";
    m_socket.connectToHost(u.host(), quint16(u.port()));
}

void Connection::sendRequest()
{
    m_socket.write(m_request);
}

void Connection::onReadyRead()
{
    const QByteArray bytes = m_socket.readAll();
    if (m_inBody) {
        onBody(bytes);
        return;
    }
    m_head += bytes;
    const qsizetype end = m_head.indexOf("\r\n\r\n");
    if (end < 0)
        return;
    const QByteArray head = m_head.left(end);
    const QByteArray rest = m_head.mid(end + 4);
    m_head.clear();
    const QByteArray status = head.left(head.indexOf("\r\n"));
    if (!status.startsWith("HTTP/1.") || status.mid(9, 3) != "200") {
        gone = true;
        m_owner->onFailed(m_index, "status: " + status);
        m_socket.abort();
        return;
    }
    m_chunked = head.toLower().contains("transfer-encoding: chunked");
    m_chunkLeft = -1;
    m_inBody = true;
    established = true;
    m_owner->onEstablished();
    if (!rest.isEmpty())
        onBody(rest);
}

void Connection::onBody(QByteArrayView bytes)
{
    QList<SseEvent> events;
    if (!m_chunked) {
        events = m_parser.feed(bytes);
    } else {
        // Transfer-Encoding: chunked: size line, data, CRLF.
        m_chunkBuf.append(bytes.data(), bytes.size());
        qsizetype pos = 0;
        while (pos < m_chunkBuf.size()) {
            if (m_chunkLeft < 0) {
                const qsizetype eol = m_chunkBuf.indexOf("\r\n", pos);
                if (eol < 0)
                    break;
                bool ok = false;
                const QByteArray sizeLine = m_chunkBuf.mid(pos, eol - pos);
                const qint64 size = sizeLine.split(';').first().trimmed().toLongLong(&ok, 16);
                pos = eol + 2;
                if (!ok) // the CRLF after a chunk's data, or garbage: skip the line
                    continue;
                if (size == 0) {
                    pos = m_chunkBuf.size();
                    break;
                }
                m_chunkLeft = size;
            } else {
                const qsizetype take = std::min<qsizetype>(m_chunkLeft, m_chunkBuf.size() - pos);
                events += m_parser.feed(QByteArrayView(m_chunkBuf.constData() + pos, take));
                pos += take;
                m_chunkLeft -= take;
                if (m_chunkLeft == 0)
                    m_chunkLeft = -1; // the CRLF that follows is skipped as an empty line
            }
        }
        m_chunkBuf.remove(0, pos);
    }
    for (const SseEvent &e : std::as_const(events)) {
        if (e.type == "session_start" && m_index == 0) {
            const QJsonObject o = QJsonDocument::fromJson(e.data).object();
            m_owner->onSession(o.value(QLatin1String("session_id")).toString());
            continue;
        }
        m_owner->onEvent(this, e);
    }
}

void Connection::onComment(QByteArrayView text)
{
    if (text.startsWith("heartbeat") || text.isEmpty() || text.startsWith("ping")) {
        ++heartbeats;
        m_owner->onHeartbeat();
    }
}

void Connection::onGone(const QByteArray &why)
{
    if (gone)
        return;
    gone = true;
    m_owner->onFailed(m_index, why);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    const QCommandLineOption url("url", "stream URL", "URL");
    const QCommandLineOption session("session", "session id to join", "ID");
    const QCommandLineOption newSession("new-session",
                                        "first stream opens a new session; the rest join it");
    const QCommandLineOption connections("connections", "number of streams", "N", "1");
    const QCommandLineOption duration("duration", "seconds (idle: hold time; fanout: cap)", "S",
                                      "10");
    const QCommandLineOption mode("mode", "idle | fanout", "MODE", "idle");
    const QCommandLineOption triggerUrl("trigger-url", "POST here once all streams are open",
                                        "URL");
    const QCommandLineOption triggerBody("trigger-body", "JSON body; {session} is replaced", "JSON",
                                         "{}");
    const QCommandLineOption expect("expect", "events of the counted type per stream", "K", "0");
    const QCommandLineOption eventType("event-type", "the event type counted", "TYPE",
                                       "partial_response");
    const QCommandLineOption serverPid("server-pid", "sample this process's RSS and CPU", "PID",
                                       "0");
    const QCommandLineOption idleTimeout("idle-timeout", "fanout: stop after S s without events",
                                         "S", "10");
    p.addOptions({url, session, newSession, connections, duration, mode, triggerUrl, triggerBody,
                  expect, eventType, serverPid, idleTimeout});
    p.process(app);

    LoadClient::Options o;
    o.url = QUrl(p.value(url));
    o.session = p.value(session);
    o.newSession = p.isSet(newSession);
    o.connections = p.value(connections).toInt();
    o.durationS = p.value(duration).toDouble();
    o.mode = p.value(mode);
    o.triggerUrl = QUrl(p.value(triggerUrl));
    o.triggerBody = p.value(triggerBody).toUtf8();
    o.expect = p.value(expect).toLongLong();
    o.eventType = p.value(eventType).toUtf8();
    o.serverPid = p.value(serverPid).toLongLong();
    o.idleTimeoutS = p.value(idleTimeout).toDouble();
    if (!o.url.isValid() || o.url.port() <= 0 || o.connections < 1
        || (o.mode != QLatin1String("idle") && o.mode != QLatin1String("fanout"))) {
        fprintf(stderr,
                "need --url http://host:port/path, --connections >= 1, --mode idle|fanout\n");
        return 2;
    }
    LoadClient client(o);
    client.start();
    return app.exec();
}
