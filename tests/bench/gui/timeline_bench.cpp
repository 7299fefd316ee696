// Timeline benchmarks of the desktop app (docs/benchmarks.md, "Desktop app"): the real
// TimelineModel (McpHost.Gui) under the real timeline view (McpHost.Views) in a window of the
// app's size, fed directly with stream events (parsed from their JSON lines, as they arrive).
//   stream: 1,000 partial_response events/s for SECONDS, delivered every 4 ms (what is due by
//           then, as a network delivers bursts); per frame the time from afterAnimating to
//           frameSwapped (the GUI thread's whole frame: polish, sync, software render, swap),
//           p50/p99/max, and the longest stall of the GUI thread (gap between feeder ticks);
//   open:   a session of STEPS steps replayed from seq 0 after its session_start (as the app
//           opens one: the backlog goes in in batches) until its end is on screen; the
//           process's RSS after it;
//   scroll: from the end to the start, 400 px per frame, frame times as above;
//   open_live: the same session applied as live events (one insert per row), for the ratio.
// With 3 rounds or more it fails (exit 1) when the RSS after the third open exceeds the first's
// by more than kRssGrowthBoundMb.
// Needs DISPLAY (tests/bench/run_gui_bench.sh starts Xvfb).
//   timeline_bench [--rounds N] [--steps 10000] [--rate 1000] [--seconds 5]

#include "app.h"
#include "timelinemodel.h"

#include <streamevent.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

Q_IMPORT_QML_PLUGIN(McpHost_GuiPlugin)
Q_IMPORT_QML_PLUGIN(McpHost_ViewsPlugin)

namespace {

qint64 nowNs()
{
    return qint64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count());
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    const auto rank = qsizetype(std::ceil(p / 100.0 * double(values.size())));
    return values[std::clamp<qsizetype>(rank - 1, 0, values.size() - 1)];
}

double median(const QList<double> &values)
{
    return percentile(values, 50);
}

// The bench waits in a real event loop, as the app always runs in one: what a ListView lets go
// of (its delegates, with deleteLater()) is deleted only by an event loop, never by
// processEvents() called from outside one. (Waiting with processEvents() is what made the
// earlier runs' RSS grow round by round: no delegate was ever deleted.)
void waitMs(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Runs the event loop until `window` swaps a frame after `swapsBefore` (or the deadline).
template<typename Clock>
void waitForSwap(QQuickWindow *window, const Clock &clock, qint64 swapsBefore,
                 const QDeadlineTimer &deadline = QDeadlineTimer(120000))
{
    if (clock.swaps() != swapsBefore)
        return;
    QEventLoop loop;
    const QMetaObject::Connection swapped
            = QObject::connect(window, &QQuickWindow::frameSwapped, &loop, &QEventLoop::quit);
    QTimer::singleShot(std::max<qint64>(0, deadline.remainingTime()), &loop, &QEventLoop::quit);
    loop.exec();
    QObject::disconnect(swapped);
}

/// How much more the process may hold after the third open of the 10,000-step session than
/// after the first (measured: +6 MB; before the bench waited in an event loop, +600 MB).
constexpr double kRssGrowthBoundMb = 32;

double rssMb()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return -1;
}

/// Frame times of one window: afterAnimating (start of the GUI thread's frame) to frameSwapped.
class FrameClock : public QObject
{
public:
    explicit FrameClock(QQuickWindow *window)
    {
        connect(
                window, &QQuickWindow::afterAnimating, this, [this] { m_start = nowNs(); },
                Qt::DirectConnection);
        connect(
                window, &QQuickWindow::frameSwapped, this,
                [this] {
                    const qint64 now = nowNs();
                    if (m_recording && m_start > 0)
                        m_frames.append(double(now - m_start) / 1e6);
                    m_start = 0;
                    ++m_swaps;
                },
                Qt::DirectConnection);
    }
    void start()
    {
        m_frames.clear();
        m_recording = true;
    }
    QList<double> stop()
    {
        m_recording = false;
        return m_frames;
    }
    [[nodiscard]] qint64 swaps() const { return m_swaps; }

private:
    qint64 m_start = 0;
    qint64 m_swaps = 0;
    bool m_recording = false;
    QList<double> m_frames;
};

class EventWriter
{
public:
    explicit EventWriter(QString sessionId)
        : m_sessionId(std::move(sessionId))
    { }

    QByteArray line(const QString &type, const QString &turnId, QJsonObject fields)
    {
        fields.insert(QStringLiteral("type"), type);
        fields.insert(QStringLiteral("session_id"), m_sessionId);
        fields.insert(QStringLiteral("turn_id"),
                      turnId.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(turnId));
        fields.insert(QStringLiteral("seq"), double(++m_seq));
        m_time = m_time.addMSecs(37);
        fields.insert(QStringLiteral("ts"), StreamEvent::formatTimestamp(m_time));
        return QJsonDocument(fields).toJson(QJsonDocument::Compact);
    }

private:
    QString m_sessionId;
    qint64 m_seq = 0;
    QDateTime m_time = QDateTime(QDate(2026, 12, 1), QTime(9, 0), QTimeZone::utc());
};

/// The first event of a stream that opens a session: the server's newest seq, up to which
/// the events that follow are its replayed log (the model inserts that backlog in batches).
QByteArray sessionStart(const QString &sessionId, qint64 lastSeq)
{
    return QJsonDocument(QJsonObject {{"type", "session_start"},
                                      {"session_id", sessionId},
                                      {"turn_id", QJsonValue(QJsonValue::Null)},
                                      {"seq", 0},
                                      {"ts", "2026-12-01T09:00:00.000Z"},
                                      {"created", false},
                                      {"last_seq", double(lastSeq)}})
            .toJson(QJsonDocument::Compact);
}

void apply(TimelineModel *model, const QByteArray &line)
{
    const auto event = StreamEvent::fromJson(QJsonDocument::fromJson(line).object());
    if (event)
        model->applyEvent(*event);
}

/// The JSON lines of a session of turns like the app shows them (user, thinking, tool call,
/// acting with progress, observation, answer) until the model holds at least `steps` rows.
QList<QByteArray> sessionLines(int turns)
{
    EventWriter w(QStringLiteral("bench-session"));
    QList<QByteArray> lines;
    for (int t = 1; t <= turns; ++t) {
        const QString turn = QStringLiteral("turn-%1").arg(t);
        const QString call = QStringLiteral("call-%1").arg(t);
        lines << w.line(
                "thinking", turn,
                {{"iteration", 1},
                 {"input", QStringLiteral("Question %1: what is in notes-%1.txt?").arg(t)}});
        lines << w.line("partial_response", turn,
                        {{"iteration", 1}, {"delta", "I will read the file first."}});
        lines << w.line(
                "tool_call", turn,
                {{"iteration", 1},
                 {"call_id", call},
                 {"server", "filesystem"},
                 {"tool", "read_text_file"},
                 {"arguments", QJsonObject {{"path", QStringLiteral("/tmp/notes-%1.txt").arg(t)}}},
                 {"approval", "auto"}});
        lines << w.line("acting", turn,
                        {{"iteration", 1}, {"call_id", call}, {"tool", "read_text_file"}});
        lines << w.line("acting", turn,
                        {{"iteration", 1},
                         {"call_id", call},
                         {"tool", "read_text_file"},
                         {"progress", 1},
                         {"total", 2},
                         {"message", "reading"}});
        lines << w.line(
                "observing", turn,
                {{"iteration", 1},
                 {"call_id", call},
                 {"tool", "read_text_file"},
                 {"is_error", false},
                 {"duration_ms", 12},
                 {"content",
                  QJsonArray {QJsonObject {
                          {"type", "text"},
                          {"text",
                           QStringLiteral("Line one of note %1\nLine two\nLine three").arg(t)}}}}});
        lines << w.line("thinking", turn, {{"iteration", 2}});
        const QString answer = QStringLiteral("The file has **three lines**; the first is `Line "
                                              "one of note %1`.\n\n- one\n- two")
                                       .arg(t);
        lines << w.line("partial_response", turn, {{"iteration", 2}, {"delta", answer}});
        lines << w.line("final_response", turn,
                        {{"iteration", 2},
                         {"content", answer},
                         {"iterations", 2},
                         {"stop_reason", "answer"},
                         {"usage", QJsonObject {{"input_tokens", 812}, {"output_tokens", 64}}}});
    }
    return lines;
}

struct Stats
{
    double p50 = -1, p99 = -1, max = -1;
    int frames = 0;
};

Stats statsOf(const QList<double> &frames)
{
    Stats s;
    s.frames = int(frames.size());
    s.p50 = percentile(frames, 50);
    s.p99 = percentile(frames, 99);
    s.max = frames.isEmpty() ? -1 : *std::max_element(frames.begin(), frames.end());
    return s;
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("mcp-host-bench"));
    QQuickStyle::setStyle(QStringLiteral("Fusion"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("rounds"),
                                          QStringLiteral("n"), QStringLiteral("5"));
    const QCommandLineOption stepsOption(QStringLiteral("steps"), QStringLiteral("session steps"),
                                         QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption rateOption(QStringLiteral("rate"), QStringLiteral("events/s"),
                                        QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("stream seconds"), QStringLiteral("s"),
                                           QStringLiteral("5"));
    parser.addOptions({roundsOption, stepsOption, rateOption, secondsOption});
    parser.process(application);
    const int rounds = std::max(1, parser.value(roundsOption).toInt());
    const int steps = std::max(10, parser.value(stepsOption).toInt());
    const int rate = std::max(1, parser.value(rateOption).toInt());
    const int seconds = std::max(1, parser.value(secondsOption).toInt());

    // The App singleton the views may reach: its local server gets no MCP servers.
    QTemporaryDir dir;
    const QString config = dir.filePath(QStringLiteral("config.json"));
    {
        QFile file(config);
        if (file.open(QIODevice::WriteOnly))
            file.write(R"({"mcpServers": {}})");
    }
    qputenv("MCPHOST_CONFIG", config.toUtf8());
    App app(nullptr);
    TimelineModel model;
    QQmlApplicationEngine engine;
    engine.setInitialProperties({{QStringLiteral("model"), QVariant::fromValue(&model)}});
    // The bench window is loaded as if it were a file of McpHost.Views (its directory import
    // brings TimelineView the way Main.qml gets it), on 6.4 and 6.5+ alike.
    QFile qml(QStringLiteral(":/bench/BenchTimeline.qml"));
    if (!qml.open(QIODevice::ReadOnly))
        return 1;
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine.loadData(qml.readAll(),
                    QUrl(QStringLiteral("qrc:/qt/qml/McpHost/Views/BenchTimeline.qml")));
    if (engine.rootObjects().isEmpty())
        return 1;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window)
        return 1;
    FrameClock clock(window);
    waitMs(500);

    // The session for open/scroll: enough turns for `steps` rows (measured once).
    QList<QByteArray> session;
    {
        int turns = steps / 6;
        for (;;) {
            session = sessionLines(turns);
            model.clear();
            for (const QByteArray &line : std::as_const(session))
                apply(&model, line);
            model.flush();
            if (model.count() >= steps && model.count() <= steps + steps / 50 + 10)
                break;
            // Rows per turn from this try; one more try with just enough turns.
            turns = int(
                    std::ceil(double(steps) * double(turns) / double(std::max(1, model.count()))));
        }
        std::printf("session: %d turns, %lld events, %d rows\n", turns,
                    static_cast<long long>(session.size()), model.count());
        model.clear();
        waitMs(300);
    }

    QList<double> streamP99, streamMax, streamStall, openMs, modelMs, rss, scrollP99, scrollMax,
            openLiveMs;
    std::printf("round  stream_frames  stream_p50_ms  stream_p99_ms  stream_max_ms  "
                "stream_stall_ms  events_per_s  open_ms  (model_ms)  rss_mb  scroll_frames  "
                "scroll_p99_ms  "
                "scroll_max_ms  open_live_ms\n");
    for (int round = 1; round <= rounds; ++round) {
        // stream
        model.clear();
        EventWriter w(QStringLiteral("bench-stream"));
        apply(&model,
              w.line("thinking", "t1", {{"iteration", 1}, {"input", "Write a long story."}}));
        waitMs(300);
        qint64 applied = 0;
        double stall = 0;
        QElapsedTimer elapsed;
        QTimer feeder;
        feeder.setTimerType(Qt::PreciseTimer);
        feeder.setInterval(4);
        qint64 lastTick = 0;
        QObject::connect(&feeder, &QTimer::timeout, &feeder, [&] {
            const qint64 now = nowNs();
            if (lastTick > 0)
                stall = std::max(stall, double(now - lastTick) / 1e6);
            lastTick = now;
            const qint64 due = elapsed.elapsed() * rate / 1000;
            for (; applied < due; ++applied) {
                const QString delta = applied % 40 == 39
                        ? QStringLiteral("end.\n\n")
                        : QStringLiteral("word%1 ").arg(applied % 97);
                apply(&model,
                      w.line("partial_response", "t1", {{"iteration", 1}, {"delta", delta}}));
            }
        });
        clock.start();
        elapsed.start();
        feeder.start();
        waitMs(seconds * 1000);
        feeder.stop();
        const double achieved = double(applied) * 1000.0 / double(elapsed.elapsed());
        const Stats stream = statsOf(clock.stop());
        apply(&model,
              w.line("final_response", "t1",
                     {{"iteration", 1},
                      {"content", "done"},
                      {"iterations", 1},
                      {"stop_reason", "answer"}}));

        // open
        model.clear();
        waitMs(300);
        const qint64 swapsBefore = clock.swaps();
        const qint64 t0 = nowNs();
        // As the app opens a session: session_start, then the whole log replayed from seq 1.
        apply(&model, sessionStart(QStringLiteral("bench-session"), session.size()));
        for (const QByteArray &line : std::as_const(session))
            apply(&model, line);
        model.flush();
        const double modelOnly = double(nowNs() - t0) / 1e6;
        QMetaObject::invokeMethod(window, "showEnd");
        window->requestUpdate();
        waitForSwap(window, clock, swapsBefore);
        const double open = double(nowNs() - t0) / 1e6;
        waitMs(500);
        const double mb = rssMb();

        // scroll from the end to the start
        bool atStart = false;
        clock.start();
        QDeadlineTimer scrollDeadline(120000);
        while (!atStart && !scrollDeadline.hasExpired()) {
            const qint64 swaps = clock.swaps();
            QVariant result;
            QMetaObject::invokeMethod(window, "scrollUp", Q_RETURN_ARG(QVariant, result),
                                      Q_ARG(QVariant, 400));
            atStart = result.toBool();
            window->requestUpdate();
            // A frame that never comes (nothing changed) costs a second, not the whole scroll.
            waitForSwap(window, clock, swaps,
                        QDeadlineTimer(std::min<qint64>(1000, scrollDeadline.remainingTime())));
        }
        const Stats scroll = statsOf(clock.stop());

        // The same session applied as live events (no session_start before it: one insert per
        // row, what opening cost before the backlog was batched), for the ratio.
        model.clear();
        waitMs(300);
        const qint64 swapsLive = clock.swaps();
        const qint64 t1 = nowNs();
        for (const QByteArray &line : std::as_const(session))
            apply(&model, line);
        model.flush();
        QMetaObject::invokeMethod(window, "showEnd");
        window->requestUpdate();
        waitForSwap(window, clock, swapsLive);
        const double openLive = double(nowNs() - t1) / 1e6;

        std::printf(
                "%5d  %13d  %13.2f  %13.2f  %13.2f  %15.2f  %12.0f  %7.1f  (%8.1f)  %6.1f  %13d  "
                "%13.2f  %13.2f  %12.1f\n",
                round, stream.frames, stream.p50, stream.p99, stream.max, stall, achieved, open,
                modelOnly, mb, scroll.frames, scroll.p99, scroll.max, openLive);
        std::fflush(stdout);
        streamP99 << stream.p99;
        streamMax << stream.max;
        streamStall << stall;
        openMs << open;
        modelMs << modelOnly;
        rss << mb;
        scrollP99 << scroll.p99;
        scrollMax << scroll.max;
        openLiveMs << openLive;
    }
    std::printf("\nmedians over %d rounds:\n", rounds);
    std::printf("  stream %d events/s: p99 frame %.2f ms (target < 20), longest %.2f ms (target "
                "< 50), longest GUI stall %.2f ms\n",
                rate, median(streamP99), median(streamMax), median(streamStall));
    std::printf("  open %d steps: %.1f ms (target < 500; of it the model %.1f ms), RSS %.1f MB "
                "(target < 200)\n",
                steps, median(openMs), median(modelMs), median(rss));
    std::printf("  scroll end->start: p99 frame %.2f ms (target < 33), longest %.2f ms\n",
                median(scrollP99), median(scrollMax));
    std::printf("  open as live events (one insert per row): %.1f ms; batched/live %.2f\n",
                median(openLiveMs), median(openMs) / std::max(1e-9, median(openLiveMs)));
    // Opening the same session again must not cost memory again: every round clears the model
    // and lets go of every delegate it scrolled through (two 10,000-row sessions a round).
    if (rss.size() >= 3) {
        const double growth = rss.at(2) - rss.at(0);
        std::printf("  RSS after the third open %.1f MB, after the first %.1f MB: %+.1f MB (bound "
                    "+%.0f MB)\n",
                    rss.at(2), rss.at(0), growth, kRssGrowthBoundMb);
        if (growth > kRssGrowthBoundMb) {
            std::printf("FAIL: memory grows with every open of the session\n");
            return 1;
        }
    }
    return 0;
}
