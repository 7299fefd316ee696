// Launch benchmark of the desktop app (docs/benchmarks.md, "Desktop app"): per round,
//  - floor: bare_window_bench (one Window, one Text, started like mcp-host) from fork to its
//    first frame;
//  - mcp-host in local mode with CONFIG's MCP servers: fork to first frame (its test probe
//    takes the steady-clock time at QQuickWindow::frameSwapped) and fork to ready (connected
//    to its in-process server and every configured MCP server out of "starting", read through
//    App.servers the way the servers panel reads it);
//  - each configured MCP server on its own: fork to its tools/list answer (initialize,
//    initialized, tools/list over stdio), the slowest of them being the target for "ready",
//    and its CPU time until then: their sum over the machine's cores is a time no host can be
//    ready in less;
//  - all of them started at once by this bare launcher: fork to the last tools/list answer
//    (the floor any host has on a machine whose cores the servers' starts saturate).
// Prints each round and then medians and ratios. Needs DISPLAY (run_gui_bench.sh starts Xvfb).
//
//   gui_launch_bench --bin DIR --config CONFIG.json [--rounds N]

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

namespace {

qint64 nowNs()
{
    return qint64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count());
}

double median(QList<double> values)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    const qsizetype n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

QProcessEnvironment guiEnvironment(const QString &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"MCPHOST_TOKEN", "MCPHOST_PROVIDER", "MCPHOST_MODEL",
                             "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DBUS_SESSION_BUS_ADDRESS",
                             "QT_QPA_PLATFORMTHEME", "QT_STYLE_OVERRIDE"})
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    env.insert(QStringLiteral("QT_QUICK_BACKEND"), QStringLiteral("software"));
    env.insert(QStringLiteral("QT_SCALE_FACTOR"), QStringLiteral("1"));
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home + QStringLiteral("/run"));
    QDir(home).mkpath(QStringLiteral("run"));
    QFile::setPermissions(home + QStringLiteral("/run"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return env;
}

/// Fork to the floor's first frame, in ms.
std::optional<double> bareFirstFrame(const QString &bin, const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    const qint64 t0 = nowNs();
    p.start(bin + QStringLiteral("/bare_window_bench"), {});
    QByteArray out;
    QDeadlineTimer deadline(20000);
    while (!out.contains('\n') && !deadline.hasExpired() && p.state() != QProcess::NotRunning) {
        p.waitForReadyRead(50);
        out += p.readAllStandardOutput();
    }
    out += p.readAllStandardOutput();
    p.waitForFinished(5000);
    if (!out.startsWith("FIRST_FRAME "))
        return std::nullopt;
    return double(out.mid(12).trimmed().toLongLong() - t0) / 1e6;
}

class Probe
{
public:
    bool connect(const QString &path, int timeoutMs)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            m_socket.abort();
            m_socket.connectToServer(path);
            if (m_socket.waitForConnected(50))
                return true;
            QThread::msleep(2);
        }
        return false;
    }
    QJsonObject send(const QJsonObject &command)
    {
        m_socket.write(QJsonDocument(command).toJson(QJsonDocument::Compact) + '\n');
        m_socket.flush();
        QDeadlineTimer deadline(5000);
        while (!m_socket.canReadLine() && !deadline.hasExpired()
               && m_socket.state() == QLocalSocket::ConnectedState)
            m_socket.waitForReadyRead(20);
        return m_socket.canReadLine() ? QJsonDocument::fromJson(m_socket.readLine()).object()
                                      : QJsonObject();
    }

private:
    QLocalSocket m_socket;
};

struct AppTimes
{
    double firstFrameMs = -1;
    double readyMs = -1;
    double cpuAtReadyMs = -1; ///< the app's CPU time (all its threads) when ready was seen
};

/// CPU time of every thread of process `pid` so far, in ms (Linux: the first field of each
/// /proc/PID/task/TID/schedstat, in ns); -1 where it cannot be read.
double processCpuMs(qint64 pid)
{
    const QString tasks = QStringLiteral("/proc/%1/task").arg(pid);
    const QStringList tids = QDir(tasks).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    if (tids.isEmpty())
        return -1;
    double ns = 0;
    for (const QString &tid : tids) {
        QFile f(tasks + QLatin1Char('/') + tid + QStringLiteral("/schedstat"));
        if (f.open(QIODevice::ReadOnly))
            ns += f.readAll().split(' ').value(0).toDouble();
    }
    return ns / 1e6;
}

AppTimes appLaunch(const QString &bin, QProcessEnvironment env, const QString &probePath,
                   const QStringList &serverNames)
{
    AppTimes times;
    env.insert(QStringLiteral("MCPHOST_TEST_PROBE"), probePath);
    QProcess p;
    p.setProcessEnvironment(env);
    p.setStandardOutputFile(QProcess::nullDevice());
    p.setStandardErrorFile(QProcess::nullDevice());
    const qint64 t0 = nowNs();
    p.start(bin + QStringLiteral("/mcp-host"), {});
    Probe probe;
    if (!probe.connect(probePath, 20000)) {
        p.kill();
        p.waitForFinished(3000);
        return times;
    }
    QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired() && times.firstFrameMs < 0) {
        const qint64 frame
                = qint64(probe.send({{"cmd", "timing"}}).value("firstFrameNs").toDouble());
        if (frame > 0)
            times.firstFrameMs = double(frame - t0) / 1e6;
        else
            QThread::msleep(2);
    }
    qint64 lastRefresh = 0;
    while (!deadline.hasExpired() && times.readyMs < 0) {
        const qint64 probeTime = nowNs();
        const QString state
                = probe.send({{"cmd", "get"}, {"target", "connection"}, {"property", "state"}})
                          .value("value")
                          .toString();
        if (state == QLatin1String("connected")) {
            if (probeTime - lastRefresh > 20'000'000) {
                probe.send({{"cmd", "call"}, {"target", "servers"}, {"method", "refresh"}});
                lastRefresh = probeTime;
            }
            const QJsonArray rows = probe.send({{"cmd", "rows"},
                                                {"target", "servers"},
                                                {"roles", QJsonArray {"name", "state"}}})
                                            .value("rows")
                                            .toArray();
            int settled = 0;
            for (const QJsonValue &v : rows) {
                const QJsonObject row = v.toObject();
                if (serverNames.contains(row.value("name").toString())
                    && row.value("state").toString() != QLatin1String("starting"))
                    ++settled;
            }
            if (settled == serverNames.size()) {
                times.readyMs = double(probeTime - t0) / 1e6;
                times.cpuAtReadyMs = processCpuMs(p.processId());
                break;
            }
        }
        QThread::msleep(5);
    }
    probe.send({{"cmd", "quit"}});
    if (!p.waitForFinished(15000)) {
        p.terminate();
        if (!p.waitForFinished(5000))
            p.kill();
        p.waitForFinished(3000);
    }
    return times;
}

const QByteArray kInitialize = R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{)"
                               R"("protocolVersion":"2025-06-18","capabilities":{},)"
                               R"("clientInfo":{"name":"bench","version":"1"}}})"
                               "\n";
const QByteArray kToolsList = R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
                              "\n"
                              R"({"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}})"
                              "\n";

/// Starts one configured stdio MCP server (its command, args and env, as mcp-host does).
void startServer(QProcess *p, const QJsonObject &server)
{
    p->setStandardErrorFile(QProcess::nullDevice());
    QStringList args;
    for (const QJsonValue &v : server.value("args").toArray())
        args << v.toString();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QJsonObject extra = server.value("env").toObject();
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        env.insert(it.key(), it.value().toString());
    p->setProcessEnvironment(env);
    p->start(server.value("command").toString(), args);
}

void stopServer(QProcess *p)
{
    p->closeWriteChannel();
    if (!p->waitForFinished(3000)) {
        p->kill();
        p->waitForFinished(3000);
    }
}

struct ServerStart
{
    double wallMs = 0; ///< fork to the answer of tools/list
    double cpuMs = 0; ///< the server's CPU time (all its threads) until then
};

/// One stdio MCP server started on its own: fork to the answer of tools/list, and its CPU.
std::optional<ServerStart> serverStart(const QJsonObject &server)
{
    QProcess p;
    const qint64 t0 = nowNs();
    startServer(&p, server);
    if (!p.waitForStarted(10000))
        return std::nullopt;
    auto await = [&p](int id) {
        QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired() && p.state() == QProcess::Running) {
            while (p.canReadLine()) {
                const QJsonObject message = QJsonDocument::fromJson(p.readLine()).object();
                if (message.value("id").toInt(-1) == id)
                    return true;
            }
            p.waitForReadyRead(20);
        }
        return false;
    };
    p.write(kInitialize);
    if (!await(1))
        return std::nullopt;
    p.write(kToolsList);
    if (!await(2))
        return std::nullopt;
    const ServerStart start {double(nowNs() - t0) / 1e6, processCpuMs(p.processId())};
    stopServer(&p);
    return start;
}

/// The strong floor for "ready": every configured server started at once by this bare
/// launcher (no window, no host), fork to the last tools/list answer, in ms. On a machine with
/// fewer cores than CPU-bound server starts (node's start is), this is what any host can reach.
std::optional<double> allServersStart(const QJsonObject &servers)
{
    std::vector<std::unique_ptr<QProcess>> children;
    QEventLoop loop;
    qsizetype listed = 0;
    qint64 lastNs = 0;
    const qint64 t0 = nowNs();
    for (auto it = servers.constBegin(); it != servers.constEnd(); ++it) {
        auto *p = children.emplace_back(std::make_unique<QProcess>()).get();
        QObject::connect(p, &QProcess::readyReadStandardOutput, &loop, [&, p] {
            while (p->canReadLine()) {
                const int id
                        = QJsonDocument::fromJson(p->readLine()).object().value("id").toInt(-1);
                if (id == 1) {
                    p->write(kToolsList);
                } else if (id == 2) {
                    lastNs = nowNs();
                    if (++listed == qsizetype(children.size()))
                        loop.quit();
                }
            }
        });
        QObject::connect(p, &QProcess::finished, &loop, &QEventLoop::quit);
        startServer(p, it.value().toObject());
        p->write(kInitialize);
    }
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    for (const auto &p : children)
        stopServer(p.get());
    if (listed != qsizetype(children.size()))
        return std::nullopt;
    return double(lastNs - t0) / 1e6;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption binOption(QStringLiteral("bin"), QStringLiteral("build/bin"),
                                       QStringLiteral("dir"));
    const QCommandLineOption configOption(
            QStringLiteral("config"), QStringLiteral("mcp-host's config"), QStringLiteral("file"));
    const QCommandLineOption roundsOption(QStringLiteral("rounds"), QStringLiteral("rounds"),
                                          QStringLiteral("n"), QStringLiteral("7"));
    parser.addOptions({binOption, configOption, roundsOption});
    parser.process(app);
    const QString bin = parser.value(binOption);
    const QString configPath = QFileInfo(parser.value(configOption)).absoluteFilePath();
    const int rounds = std::max(1, parser.value(roundsOption).toInt());
    QFile configFile(configPath);
    if (bin.isEmpty() || !configFile.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "usage: gui_launch_bench --bin DIR --config FILE [--rounds N]\n");
        return 2;
    }
    const QJsonObject servers
            = QJsonDocument::fromJson(configFile.readAll()).object().value("mcpServers").toObject();

    QTemporaryDir dir;
    QProcessEnvironment env = guiEnvironment(dir.filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("MCPHOST_CONFIG"), configPath);

    QList<double> bare, first, ready, cpu, slowest, sum, together, serversCpu;
    std::printf("round  bare_first_frame_ms  app_first_frame_ms  app_ready_ms  slowest_server_ms "
                " sum_servers_ms  all_at_once_ms  app_cpu_at_ready_ms\n");
    for (int round = 1; round <= rounds; ++round) {
        const auto floor = bareFirstFrame(bin, env);
        const AppTimes times = appLaunch(
                bin, env, dir.filePath(QStringLiteral("probe-%1.sock").arg(round)), servers.keys());
        double slow = 0;
        double total = 0;
        double totalCpu = 0;
        for (auto it = servers.constBegin(); it != servers.constEnd(); ++it) {
            const auto start = serverStart(it.value().toObject());
            if (start) {
                slow = std::max(slow, start->wallMs);
                total += start->wallMs;
                totalCpu += start->cpuMs;
            }
        }
        serversCpu << totalCpu;
        const auto atOnce = allServersStart(servers);
        std::printf("%5d  %19.1f  %18.1f  %12.1f  %17.1f  %14.1f  %14.1f  %19.1f\n", round,
                    floor.value_or(-1), times.firstFrameMs, times.readyMs, slow, total,
                    atOnce.value_or(-1), times.cpuAtReadyMs);
        std::fflush(stdout);
        if (floor)
            bare << *floor;
        if (times.firstFrameMs >= 0)
            first << times.firstFrameMs;
        if (times.readyMs >= 0)
            ready << times.readyMs;
        if (times.cpuAtReadyMs >= 0)
            cpu << times.cpuAtReadyMs;
        slowest << slow;
        sum << total;
        if (atOnce)
            together << *atOnce;
    }
    const double mBare = median(bare), mFirst = median(first), mReady = median(ready);
    const double mSlow = median(slowest), mSum = median(sum), mTogether = median(together);
    std::printf("\nmedians over %d rounds:\n", rounds);
    std::printf("  floor (bare window) first frame  %8.1f ms\n", mBare);
    std::printf("  mcp-host first frame             %8.1f ms   = %.2fx the floor (target <= 2x)\n",
                mFirst, mBare > 0 ? mFirst / mBare : -1);
    std::printf("  mcp-host ready                   %8.1f ms\n", mReady);
    std::printf("  slowest MCP server's own start   %8.1f ms   (sum of all: %.1f ms)\n", mSlow,
                mSum);
    std::printf("  all servers at once, bare launch %8.1f ms   ready = %.2fx this, %.2fx the "
                "slowest alone\n",
                mTogether, mTogether > 0 ? mReady / mTogether : -1,
                mSlow > 0 ? mReady / mSlow : -1);
    std::printf("  ready - first frame              %8.1f ms   vs slowest server %.1f ms\n",
                mReady >= 0 ? mReady - mFirst : -1, mSlow);
    std::printf("  mcp-host CPU until ready         %8.1f ms   (all its threads)\n", median(cpu));
    // No host can have every server ready before the machine has run all their starts.
    const int cores = std::max(1, QThread::idealThreadCount());
    const double cpuFloor = median(serversCpu) / cores;
    std::printf("  servers' start CPU, summed       %8.1f ms   / %d cores = %.1f ms: no host is "
                "ready sooner (%s the slowest alone)\n",
                median(serversCpu), cores, cpuFloor, cpuFloor > mSlow ? "above" : "below");
    return first.isEmpty() || bare.isEmpty() ? 1 : 0;
}
