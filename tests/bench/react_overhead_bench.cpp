// Host overhead of one ReAct iteration (docs/benchmarks.md, issue 3), in-process with the real
// classes: ReactAgent, Session, ServerRegistry / ServerConnection / McpClient.
//
// The model is a ChatModel whose stream answers at once (through a zero timer, as the
// ChatStream contract requires: never from inside start()): the first call of a turn streams
// one tool call `echo {"message":"hi"}`, the second (after the tool result) a fixed answer.
// One measured turn is therefore one full ReAct iteration: thinking -> model call -> tool_call ->
// acting -> MCP tools/call -> observing -> thinking -> model call -> partial_response ->
// final_response, with the seven events appended to the session and the conversation messages
// stored. Time: from ReactAgent::start() to ReactAgent::finished (QElapsedTimer, ns).
//
// Modes, alternated round by round:
//   stdio   the tool runs in build/bin/mcp-fixture-server over stdio (a real process: the pipe
//           round trip and the fixture's own JSON work are included)
//   memory  the tool runs in an in-process MCP server over MemoryTransport (queued delivery, no
//           process, no pipe): what is left is the host's own overhead
//   mcp-stdio / mcp-memory   a bare McpClient::callTool round trip over each transport (no
//           agent), to show how much of the iteration the MCP call is.
//
//   react_overhead_bench [--rounds 3] [--turns 2000] [--warmup 200] [--log-level warning]
// Prints one JSON line per mode and round, then one summary line with the medians over rounds.

#include "mcpclient.h"
#include "memorytransport.h"
#include "reactagent.h"
#include "serverconnection.h"
#include "serverregistry.h"
#include "session.h"
#include "storetestutil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <vector>

using JsonRpc::Message;

namespace {

/// A model that answers at once: a tool call first, then (once a tool result is in the
/// conversation) the answer.
class InstantStream : public ChatStream
{
public:
    InstantStream(bool answer, QObject *parent)
        : ChatStream(parent)
    {
        setProviderName(QStringLiteral("bench"));
        QTimer::singleShot(0, this, [this, answer] {
            if (answer) {
                deliverText(QStringLiteral("The echo said: hi."));
                deliverUsage({10, 5});
                deliverFinished(StopReason::EndTurn);
                return;
            }
            const ToolCall call {QStringLiteral("call_1"), QStringLiteral("echo"),
                                 QJsonObject {{QStringLiteral("message"), QStringLiteral("hi")}}};
            deliverToolCallStarted(0, call.id, call.name);
            deliverToolCallArguments(0, QStringLiteral("{\"message\":\"hi\"}"));
            deliverToolCallCompleted(0, call);
            deliverUsage({10, 5});
            deliverFinished(StopReason::ToolUse);
        });
    }
};

class InstantModel : public ChatModel
{
public:
    QString displayName() const override { return QStringLiteral("bench:instant"); }
    QString providerName() const override { return QStringLiteral("bench"); }
    QString modelName() const override { return QStringLiteral("instant"); }
    ChatStream *start(const ChatRequest &request) override
    {
        const bool answer = !request.messages.isEmpty()
                && request.messages.last().role == ChatMessage::Role::Tool;
        return new InstantStream(answer || request.toolChoice == ToolChoice::None, this);
    }
};

/// An in-process MCP server with the fixture's `echo` tool, over a MemoryTransport.
class MemoryEchoServer : public QObject
{
public:
    explicit MemoryEchoServer(MemoryTransport *transport)
        : m_transport(transport)
    {
        m_transport->setParent(this);
        connect(m_transport, &Transport::messageReceived, this, &MemoryEchoServer::onMessage);
        m_transport->open();
    }

private:
    void onMessage(const Message &m)
    {
        if (!m.isRequest())
            return;
        const QString &method = m.method();
        if (method == QLatin1String("initialize")) {
            reply(m,
                  {{"protocolVersion", m.params().value("protocolVersion")},
                   {"capabilities", QJsonObject {{"tools", QJsonObject {}}}},
                   {"serverInfo", QJsonObject {{"name", "memory-echo"}, {"version", "1"}}}});
        } else if (method == QLatin1String("tools/list")) {
            static const QJsonObject schema = QJsonDocument::fromJson(R"({"type":"object",
                "properties":{"message":{"type":"string"}},"required":["message"]})")
                                                      .object();
            reply(m,
                  {{"tools",
                    QJsonArray {
                            QJsonObject {{"name", "echo"},
                                         {"description", "Answers with the message it was given."},
                                         {"inputSchema", schema}}}}});
        } else if (method == QLatin1String("tools/call")) {
            const QString message
                    = m.params().value("arguments").toObject().value("message").toString();
            reply(m,
                  {{"content",
                    QJsonArray {QJsonObject {{"type", "text"}, {"text", "Echo: " + message}}}},
                   {"structuredContent", QJsonObject {{"message", message}}}});
        } else {
            reply(m, {});
        }
    }
    void reply(const Message &request, const QJsonObject &result)
    {
        m_transport->send(Message::response(request.id(), result));
    }

    MemoryTransport *m_transport;
};

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    return true;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t rank = size_t(std::max(1.0, std::ceil(p / 100.0 * double(v.size()))));
    return v[rank - 1];
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

struct Result
{
    double medianUs = 0;
    double p99Us = 0;
    double meanUs = 0;
    int n = 0;
    int failures = 0;
};

Result summarize(const std::vector<double> &us, int failures)
{
    Result r;
    r.n = int(us.size());
    r.failures = failures;
    r.medianUs = percentile(us, 50);
    r.p99Us = percentile(us, 99);
    double sum = 0;
    for (double x : us)
        sum += x;
    r.meanUs = us.empty() ? 0 : sum / double(us.size());
    return r;
}

/// Runs `turns` turns, each on a fresh session (created before the clock starts), one after the
/// other; returns the per-turn times in µs.
Result runTurns(ServerRegistry *registry, ChatModel *model, int turns)
{
    std::vector<double> us;
    us.reserve(size_t(turns));
    int failures = 0;
    AgentOptions options;
    MemorySessionStore store;
    for (int i = 0; i < turns; ++i) {
        std::unique_ptr<Session> owned(StoreTestUtil::createSession(&store));
        Session &session = *owned;
        int events = 0;
        QObject::connect(&session, &Session::eventAppended, [&events] { ++events; });
        ReactAgent agent(&session, model, registry, options);
        bool done = false;
        qint64 ns = 0;
        QElapsedTimer clock;
        QObject::connect(&agent, &ReactAgent::finished, [&] {
            ns = clock.nsecsElapsed();
            done = true;
        });
        clock.start();
        if (!agent.start(QStringLiteral("call echo with message=hi"))) {
            ++failures;
            continue;
        }
        while (!done)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        if (agent.stopReason() != QLatin1String("answer") || events != 7) {
            if (++failures == 1)
                fprintf(stderr, "unexpected turn: stop %s, %d events\n",
                        qPrintable(agent.stopReason()), events);
            continue;
        }
        us.push_back(double(ns) / 1000.0);
    }
    return summarize(us, failures);
}

/// Sequential bare tools/call round trips.
Result runCalls(McpClient *client, int calls)
{
    std::vector<double> us;
    us.reserve(size_t(calls));
    int failures = 0;
    for (int i = 0; i < calls; ++i) {
        bool done = false;
        bool error = false;
        qint64 ns = 0;
        QElapsedTimer clock;
        clock.start();
        client->callTool(QStringLiteral("echo"),
                         {{QStringLiteral("message"), QStringLiteral("hi")}},
                         [&](const Mcp::ToolResult &r) {
                             ns = clock.nsecsElapsed();
                             done = true;
                             error = r.isError;
                         });
        while (!done)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        if (error)
            ++failures;
        else
            us.push_back(double(ns) / 1000.0);
    }
    return summarize(us, failures);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    const QCommandLineOption roundsOpt("rounds", "alternating rounds", "N", "3");
    const QCommandLineOption turnsOpt("turns", "measured turns per mode and round", "N", "2000");
    const QCommandLineOption warmupOpt("warmup", "unmeasured turns per mode first", "N", "200");
    const QCommandLineOption levelOpt("log-level", "mcphost.* log level (debug, info, warning)",
                                      "LEVEL", "warning");
    const QCommandLineOption fixtureOpt(
            "fixture", "the fixture MCP server", "PATH",
            QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-fixture-server"));
    p.addOptions({roundsOpt, turnsOpt, warmupOpt, levelOpt, fixtureOpt});
    p.process(app);
    const int rounds = p.value(roundsOpt).toInt();
    const int turns = p.value(turnsOpt).toInt();
    const int warmup = p.value(warmupOpt).toInt();
    const QString level = p.value(levelOpt);
    QStringList rules;
    for (const char *l : {"debug", "info", "warning"}) {
        const bool on = (level == QLatin1String("debug"))
                || (level == QLatin1String("info") && qstrcmp(l, "debug") != 0)
                || qstrcmp(l, "warning") == 0;
        rules << QStringLiteral("mcphost.*.%1=%2").arg(QLatin1String(l), on ? "true" : "false");
    }
    QLoggingCategory::setFilterRules(rules.join(QLatin1Char('\n')));

    if (!QFile::exists(p.value(fixtureOpt))) {
        fprintf(stderr, "no fixture server at %s (build mcp-fixture-server)\n",
                qPrintable(p.value(fixtureOpt)));
        return 2;
    }

    ServerConnection::Options connOptions;
    connOptions.autoRestart = false;

    // (i) the fixture over stdio.
    ServerConfig fx;
    fx.name = QStringLiteral("fx");
    fx.command = p.value(fixtureOpt);
    ServerRegistry stdioRegistry({fx}, connOptions);
    stdioRegistry.startAll();

    // (ii) the in-process server over MemoryTransport, through the connection's transport seam.
    ServerConfig mem;
    mem.name = QStringLiteral("mem");
    auto [clientSide, serverSide] = MemoryTransport::createPair();
    MemoryEchoServer memServer(serverSide);
    ServerConnection::Options memOptions = connOptions;
    memOptions.transportFactory
            = [client = clientSide](const ServerConfig &, ServerConfig::Kind) { return client; };
    ServerRegistry memoryRegistry({mem}, memOptions);
    memoryRegistry.startAll();

    if (!waitFor(
                [&] {
                    return stdioRegistry.findTool(QStringLiteral("echo")).has_value()
                            && memoryRegistry.findTool(QStringLiteral("echo")).has_value();
                },
                20000)) {
        fprintf(stderr, "servers not ready (stdio echo: %d, memory echo: %d)\n",
                stdioRegistry.findTool(QStringLiteral("echo")).has_value(),
                memoryRegistry.findTool(QStringLiteral("echo")).has_value());
        return 1;
    }
    McpClient *memClient = memoryRegistry.connection(QStringLiteral("mem"))->client();
    if (!memoryRegistry.findTool(QStringLiteral("echo"))) {
        fprintf(stderr, "the memory server's echo is not in the catalog\n");
        return 1;
    }
    McpClient *stdioClient = stdioRegistry.connection(QStringLiteral("fx"))->client();

    InstantModel model;
    struct Mode
    {
        const char *name;
        std::function<Result(int)> run;
    };
    const std::vector<Mode> modes {
            {"stdio", [&](int n) { return runTurns(&stdioRegistry, &model, n); }},
            {"memory", [&](int n) { return runTurns(&memoryRegistry, &model, n); }},
            {"mcp-stdio", [&](int n) { return runCalls(stdioClient, n); }},
            {"mcp-memory", [&](int n) { return runCalls(memClient, n); }},
    };
    for (const Mode &m : modes)
        m.run(warmup);

    std::map<std::string, std::vector<Result>> all;
    for (int r = 1; r <= rounds; ++r) {
        for (const Mode &m : modes) {
            const Result res = m.run(turns);
            all[m.name].push_back(res);
            printf("{\"round\":%d,\"mode\":\"%s\",\"n\":%d,\"failures\":%d,\"median_us\":%.1f,"
                   "\"p99_us\":%.1f,\"mean_us\":%.1f}\n",
                   r, m.name, res.n, res.failures, res.medianUs, res.p99Us, res.meanUs);
            fflush(stdout);
        }
    }
    QJsonObject summary {{"summary", true}, {"rounds", rounds}, {"turns", turns}};
    for (const auto &[name, results] : all) {
        std::vector<double> med;
        std::vector<double> p99;
        for (const Result &res : results) {
            med.push_back(res.medianUs);
            p99.push_back(res.p99Us);
        }
        summary.insert(QString::fromStdString(name),
                       QJsonObject {{"median_us", std::round(median(med) * 10) / 10},
                                    {"p99_us", std::round(median(p99) * 10) / 10}});
    }
    printf("%s\n", QJsonDocument(summary).toJson(QJsonDocument::Compact).constData());

    stdioRegistry.stopAll();
    waitFor([] { return false; }, 300);
    return 0;
}
