// SSE load client for the streaming benchmarks (docs/benchmarks.md, issue 4).
//
// Opens N streams with the project's own EventStreamClient (common/; one QNetworkAccessManager
// each, since one allows only 6 connections per host), the client the desktop app uses, and
// triggers the events with ApiClient. Prints one JSON object on stdout.
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

#include "apiclient.h"
#include "eventstreamclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrl>

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

/// One event stream (an EventStreamClient); any reconnection counts as a failure here.
class Connection : public QObject
{
public:
    Connection(LoadClient *owner, int index);

    void open(const QUrl &url, const QString &session);

    bool established = false;
    bool gone = false;
    qint64 counted = 0;
    EventStreamClient client;

private:
    void onEvent(const StreamEvent &e);
    void onGone(const QByteArray &why);

    LoadClient *m_owner;
    int m_index;
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
        m_eventType = streamEventTypeFromName(QString::fromUtf8(m_o.eventType));
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
    void onEvent(Connection *c, const StreamEvent &e)
    {
        if (e.type != m_eventType)
            return;
        const qint64 now = nowUs();
        if (m_firstUs == 0)
            m_firstUs = now;
        m_lastUs = now;
        ++c->counted;
        ++m_events;
        const qint64 ts = e.ts.isValid() ? e.ts.toMSecsSinceEpoch() * 1000 : -1;
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
    /// Heartbeat comments received by every stream so far.
    [[nodiscard]] qint64 heartbeats() const
    {
        qint64 n = 0;
        for (const auto &c : m_conns)
            n += c->client.commentCount();
        return n;
    }

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
                m_heartbeatsAtStart = heartbeats();
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
        const QUrl u = m_o.triggerUrl;
        m_api.setBaseUrl(u.adjusted(QUrl::RemovePath | QUrl::RemoveQuery));
        m_api.request("POST", u.path(QUrl::FullyEncoded), body, {}, this,
                      [this](const ApiResponse &r, const std::optional<ApiError> &error) {
                          if (error || (r.status != 200 && r.status != 202)) {
                              ++m_errors;
                              m_errorSamples << QStringLiteral("trigger: ")
                                              + (error ? error->toString()
                                                       : QString::fromUtf8(r.body.left(300)));
                          }
                      });
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
            const qint64 beats = heartbeats() - m_heartbeatsAtStart;
            out.insert("heartbeats", beats);
            out.insert("heartbeats_per_stream_per_s",
                       held > 0 && m_established > 0 ? double(beats) / m_established / held : 0.0);
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
    std::optional<StreamEventType> m_eventType;
    ApiClient m_api;
    qint64 m_heartbeatsAtStart = 0;
    qint64 m_firstUs = 0;
    qint64 m_lastUs = 0;
    qint64 m_firstTsUs = 0; // the earliest `ts` of a counted event
    qint64 m_clientCpuBefore = 0;
    std::vector<float> m_latencies;
    ProcSample m_before;
    ProcSample m_after;
};

Connection::Connection(LoadClient *owner, int index)
    : m_owner(owner)
    , m_index(index)
{
    client.setHeartbeatTimeout(120000);
    connect(&client, &EventStreamClient::eventReceived, this, &Connection::onEvent);
    connect(&client, &EventStreamClient::stateChanged, this, [this](EventStreamClient::State s) {
        if (s == EventStreamClient::State::Open && !established) {
            established = true;
            m_owner->onEstablished();
        }
    });
    connect(&client, &EventStreamClient::reconnecting, this,
            [this](int, int, const QString &reason) { onGone(reason.toUtf8()); });
    connect(&client, &EventStreamClient::failed, this,
            [this](const ApiError &e) { onGone(e.toString().toUtf8()); });
}

void Connection::open(const QUrl &url, const QString &session)
{
    client.setBaseUrl(url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery));
    client.setStreamPath(url.path(QUrl::FullyEncoded));
    client.open(session);
}

void Connection::onEvent(const StreamEvent &e)
{
    if (e.type == StreamEventType::SessionStart) {
        if (m_index == 0)
            m_owner->onSession(e.sessionId);
        return;
    }
    m_owner->onEvent(this, e);
}

void Connection::onGone(const QByteArray &why)
{
    client.close(); // a benchmark does not reconnect: a dropped stream is an error
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
