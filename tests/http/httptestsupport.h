#pragma once

// Helpers for the HTTP integration tests: the real `mcp-hostd` as a child process on a free
// port, a synchronous REST client over the project's ApiClient, and a raw SSE client over
// QTcpSocket (so a test controls every header, including Host, and can drop the connection at any
// moment; tests about the API's behaviour use EventStreamClient, see apitestsupport.h).

#include "../integration/testsupport.h"
#include "../llm/llmtestutil.h"

#include <apiclient.h>
#include <sseparser.h>

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <csignal>
#include <memory>

namespace HttpTest {

using Headers = QList<QPair<QByteArray, QByteArray>>;

inline QString hostBinary()
{
    return QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-hostd");
}

/// The `mcpServers` section with the fixture MCP server as "fixture".
inline QJsonObject fixtureServers()
{
    return {{QStringLiteral("fixture"),
             QJsonObject {{QStringLiteral("command"), TestSupport::fixtureServer()}}}};
}

/// A config that uses the scripted LLM (through the OpenAI-compatible provider) and the fixture.
inline QJsonObject baseConfig()
{
    return {{QStringLiteral("mcpServers"), fixtureServers()},
            {QStringLiteral("provider"),
             QJsonObject {{QStringLiteral("name"), QStringLiteral("openai")},
                          {QStringLiteral("model"), QStringLiteral("scripted")},
                          {QStringLiteral("max_retries"), 0},
                          {QStringLiteral("idle_timeout_ms"), 20000}}}};
}

/// One HTTP answer.
struct Reply
{
    int status = 0;
    QByteArray body;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QString transportError;

    [[nodiscard]] QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    [[nodiscard]] QString errorCode() const
    {
        return json()
                .value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("code"))
                .toString();
    }
    [[nodiscard]] QString errorMessage() const
    {
        return json()
                .value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("message"))
                .toString();
    }
    [[nodiscard]] QByteArray header(const QByteArray &name) const
    {
        return headers.value(name.toLower());
    }
    /// For QVERIFY2 messages.
    [[nodiscard]] QByteArray describe() const
    {
        return QByteArray::number(status) + ' ' + body.left(600) + ' ' + transportError.toUtf8();
    }
};

/// The real server, started as `mcp-hostd --config <temp> --port 0 …`.
class HostProcess
{
public:
    HostProcess()
    {
        env = QProcessEnvironment::systemEnvironment();
        for (const char *name :
             {"MCPHOST_TOKEN", "MCPHOST_CONFIG", "MCPHOST_PROVIDER", "MCPHOST_MODEL",
              "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"})
            env.remove(QLatin1String(name));
        // Its own config folder, so the state file (remembered rules, disabled servers) of one
        // test never reaches another.
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
        // Its own data folder too: the default SQLite store (sessions.db) is its own.
        env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    }
    ~HostProcess() { kill(); }
    Q_DISABLE_COPY_MOVE(HostProcess)

    /// Points the OpenAI-compatible provider at the scripted LLM.
    void useLlm(const ScriptedLlm &llm)
    {
        env.insert(QStringLiteral("OPENAI_BASE_URL"), llm.url(QStringLiteral("/v1")).toString());
        env.insert(QStringLiteral("OPENAI_API_KEY"), QStringLiteral("x"));
    }

    /// Starts the server; waits for its "serving; open URL" line (empty return: started).
    QString start(const QStringList &extraArgs = {}, int timeoutMs = 30000)
    {
        if (!m_dir.isValid())
            return QStringLiteral("no temporary directory");
        configPath = m_dir.filePath(QStringLiteral("config.json"));
        QFile file(configPath);
        if (!file.open(QIODevice::WriteOnly))
            return QStringLiteral("cannot write ") + configPath;
        file.write(QJsonDocument(config).toJson());
        file.close();
        process.setProcessEnvironment(env);
        QObject::connect(&process, &QProcess::readyReadStandardError, &process,
                         [this] { err += process.readAllStandardError(); });
        QObject::connect(&process, &QProcess::readyReadStandardOutput, &process,
                         [this] { out += process.readAllStandardOutput(); });
        QStringList args {QStringLiteral("--config"), configPath};
        if (!extraArgs.contains(QStringLiteral("--port")))
            args << QStringLiteral("--port") << QStringLiteral("0");
        args << extraArgs;
        process.start(hostBinary(), args);
        if (!process.waitForStarted(10000))
            return QStringLiteral("cannot start %1: %2").arg(hostBinary(), process.errorString());
        static const QRegularExpression serving(
                QStringLiteral("MCP Host \\S+ serving; open (http://127\\.0\\.0\\.1:(\\d+)/\\S*)"));
        QRegularExpressionMatch m;
        TestSupport::waitFor(
                [&] {
                    m = serving.match(QString::fromUtf8(out));
                    return m.hasMatch() || process.state() == QProcess::NotRunning;
                },
                timeoutMs);
        if (!m.hasMatch())
            return QStringLiteral("no URL on stdout: %1 / %2")
                    .arg(QString::fromUtf8(out), QString::fromUtf8(err.right(2000)));
        pageUrl = m.captured(1);
        port = quint16(m.captured(2).toUInt());
        return {};
    }

    /// Runs until the process ends; returns false on timeout.
    bool waitForExit(int timeoutMs)
    {
        return TestSupport::waitFor([this] { return process.state() == QProcess::NotRunning; },
                                    timeoutMs);
    }

    void terminate() { ::kill(pid_t(process.processId()), SIGTERM); }

    /// Stops the server: politely (SIGTERM, so its MCP servers are stopped too), then by force.
    void kill()
    {
        if (process.state() == QProcess::NotRunning)
            return;
        terminate();
        if (!process.waitForFinished(10000)) {
            process.kill();
            process.waitForFinished(5000);
        }
    }

    /// The pids of the server's direct children (its MCP servers).
    [[nodiscard]] QList<qint64> children() const
    {
        QList<qint64> out;
        const qint64 self = process.processId();
        const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
        for (const QString &entry : entries) {
            bool ok = false;
            const qint64 pid = entry.toLongLong(&ok);
            if (!ok)
                continue;
            QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
            if (!stat.open(QIODevice::ReadOnly))
                continue;
            const QByteArray text = stat.readAll();
            // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
            const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
            if (fields.size() > 1 && fields.at(1).toLongLong() == self)
                out << pid;
        }
        return out;
    }

    QProcessEnvironment env;
    QJsonObject config = baseConfig();
    QString configPath;
    QProcess process;
    QByteArray out;
    QByteArray err;
    QString pageUrl;
    quint16 port = 0;

private:
    QTemporaryDir m_dir;
};

/// Whether a process is gone (or only a zombie waiting for its new parent).
inline bool processGone(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    return text.mid(text.lastIndexOf(')') + 2).startsWith('Z');
}

/// Synchronous REST calls through the project's own ApiClient (common/apiclient.h): its raw
/// level, so a test sees every status, header and body (tests/http/apitestsupport.h has the
/// typed calls).
class RestClient
{
public:
    explicit RestClient(quint16 port = 0)
        : port(port)
    { }

    Reply request(const QByteArray &method, const QString &path, const QByteArray &body = {},
                  const Headers &headers = {}, int timeoutMs = 60000)
    {
        m_api.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        m_api.setToken(QString::fromUtf8(token));
        m_api.setTransferTimeout(timeoutMs);
        Reply out;
        bool done = false;
        QObject context;
        m_api.request(method, path, body, headers, &context,
                      [&](const ApiResponse &r, const auto &error) {
                          done = true;
                          out.status = r.status;
                          out.body = r.body;
                          for (const auto &pair : r.headers)
                              out.headers.insert(pair.first.toLower(), pair.second);
                          if (error)
                              out.transportError = error->toString();
                      });
        if (!TestSupport::waitFor([&done] { return done; }, timeoutMs + 5000))
            out.transportError = QStringLiteral("timed out");
        return out;
    }
    Reply get(const QString &path, const Headers &headers = {})
    {
        return request("GET", path, {}, headers);
    }
    Reply post(const QString &path, const QJsonObject &body, const Headers &headers = {},
               int timeoutMs = 60000)
    {
        return request("POST", path, QJsonDocument(body).toJson(QJsonDocument::Compact), headers,
                       timeoutMs);
    }

    quint16 port;
    QByteArray token; ///< sent as a bearer token when set

private:
    ApiClient m_api;
};

/// One event as received on a stream.
struct Received
{
    SseEvent sse;
    QJsonObject data;
    [[nodiscard]] QString type() const { return data.value(QStringLiteral("type")).toString(); }
    [[nodiscard]] qint64 seq() const
    {
        return qint64(data.value(QStringLiteral("seq")).toDouble());
    }
};

/// A raw HTTP/1.1 GET over QTcpSocket that parses an event stream (or an error body).
class SseClient
{
public:
    SseClient()
    {
        QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [this] { onReadyRead(); });
        QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [this] { closed = true; });
        QObject::connect(&socket, &QTcpSocket::errorOccurred, &socket,
                         [this](QAbstractSocket::SocketError) { closed = true; });
        m_parser.setCommentHandler([this](QByteArrayView c) { comments << c.toByteArray(); });
    }
    Q_DISABLE_COPY_MOVE(SseClient)

    /// Sends the request; `host` empty: "127.0.0.1:<port>".
    void open(quint16 port, const QString &pathAndQuery, const Headers &headers = {},
              const QByteArray &host = {}, const QByteArray &method = "GET")
    {
        socket.connectToHost(QHostAddress::LocalHost, port);
        QByteArray request = method + ' ' + pathAndQuery.toUtf8() + " HTTP/1.1\r\nHost: "
                + (host.isEmpty() ? "127.0.0.1:" + QByteArray::number(port) : host)
                + "\r\nAccept: text/event-stream\r\n";
        for (const auto &h : headers)
            request += h.first + ": " + h.second + "\r\n";
        socket.write(request + "\r\n");
    }

    /// Waits for the status line and headers (and the body of a non-stream answer).
    bool waitForResponse(int timeoutMs = 20000)
    {
        return TestSupport::waitFor(
                [this] { return status != 0 && (isStream() || bodyComplete()); }, timeoutMs);
    }
    [[nodiscard]] bool isStream() const
    {
        return status == 200 && headers.value("content-type").startsWith("text/event-stream");
    }
    [[nodiscard]] bool bodyComplete() const
    {
        return status == 204 || status == 304
                || body.size() >= headers.value("content-length", "0").toLongLong() || closed;
    }
    [[nodiscard]] QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }

    /// Waits until an event of `type` arrived (at index >= from); returns its index or -1.
    int waitForType(const QString &type, int timeoutMs = 30000, int from = 0)
    {
        int found = -1;
        TestSupport::waitFor(
                [&] {
                    for (int i = from; i < events.size(); ++i) {
                        if (events.at(i).type() == type) {
                            found = i;
                            return true;
                        }
                    }
                    return false;
                },
                timeoutMs);
        return found;
    }
    /// Types in order, with runs of `partial_response` and progress `acting` left as they are.
    [[nodiscard]] QStringList types() const
    {
        QStringList out;
        for (const Received &e : events)
            out << e.type();
        return out;
    }
    [[nodiscard]] QList<Received> ofType(const QString &type) const
    {
        QList<Received> out;
        for (const Received &e : events) {
            if (e.type() == type)
                out << e;
        }
        return out;
    }
    [[nodiscard]] qint64 lastId() const
    {
        for (qsizetype i = events.size() - 1; i >= 0; --i) {
            if (events.at(i).sse.hasId)
                return events.at(i).sse.id.toLongLong();
        }
        return 0;
    }
    /// Drops the connection at once, as a crashed client or a lost network would.
    void abort()
    {
        socket.abort();
        closed = true;
    }

    QTcpSocket socket;
    int status = 0;
    QHash<QByteArray, QByteArray> headers; ///< lower-case names
    QByteArray body; ///< a non-stream answer's body
    QList<Received> events;
    QList<QByteArray> comments;
    bool closed = false;

private:
    void onReadyRead()
    {
        const QByteArray bytes = socket.readAll();
        if (status == 0) {
            m_head += bytes;
            const qsizetype end = m_head.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QList<QByteArray> lines = m_head.left(end).split('\n');
            status = lines.value(0).split(' ').value(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines.at(i).indexOf(':');
                if (colon > 0)
                    headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                   lines.at(i).mid(colon + 1).trimmed());
            }
            const QByteArray rest = m_head.mid(end + 4);
            m_head.clear();
            consume(rest);
            return;
        }
        consume(bytes);
    }
    void consume(const QByteArray &bytes)
    {
        if (!isStream()) {
            body += bytes;
            return;
        }
        // QtHttpServer 6.8 frames the stream with chunked transfer coding; 6.4 sends it raw.
        const QByteArray data = headers.value("transfer-encoding").toLower() == "chunked"
                ? dechunk(bytes)
                : bytes;
        for (const SseEvent &e : m_parser.feed(data))
            events.append({e, QJsonDocument::fromJson(e.data).object()});
    }
    QByteArray dechunk(const QByteArray &bytes)
    {
        m_chunked += bytes;
        QByteArray out;
        for (;;) {
            if (m_chunkLeft == 0) {
                const qsizetype eol = m_chunked.indexOf("\r\n");
                if (eol < 0)
                    break;
                const QByteArray line = m_chunked.left(eol);
                m_chunked.remove(0, eol + 2);
                if (line.isEmpty())
                    continue; // the CRLF after a chunk's data
                m_chunkLeft = line.toLongLong(nullptr, 16);
                if (m_chunkLeft == 0)
                    break; // the last chunk
            }
            const qsizetype n = qsizetype(std::min<qint64>(m_chunkLeft, m_chunked.size()));
            if (n == 0)
                break;
            out += m_chunked.left(n);
            m_chunked.remove(0, n);
            m_chunkLeft -= n;
        }
        return out;
    }

    QByteArray m_head;
    QByteArray m_chunked; ///< chunked framing not yet decoded
    qint64 m_chunkLeft = 0;
    SseParser m_parser;
};

/// Script helpers for the scripted LLM.
inline QJsonObject toolCall(const QString &id, const QString &name, const QJsonObject &args)
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("name"), name},
            {QStringLiteral("arguments"), args}};
}
inline QJsonObject toolReply(const QJsonArray &calls)
{
    return {{QStringLiteral("tool_calls"), calls}, {QStringLiteral("chunk_size"), 1000}};
}
inline QJsonObject textReply(const QString &text, int chunkSize = 1000)
{
    return {{QStringLiteral("text"), text}, {QStringLiteral("chunk_size"), chunkSize}};
}

/// Waits until every configured MCP server of the host is ready.
inline bool waitForServersReady(RestClient &rest, int timeoutMs = 30000)
{
    return TestSupport::waitFor(
            [&rest] {
                const Reply r = rest.get(QStringLiteral("/api/v3/servers"));
                const QJsonArray servers = r.json().value(QStringLiteral("servers")).toArray();
                if (r.status != 200 || servers.isEmpty())
                    return false;
                for (const QJsonValue &s : servers) {
                    if (s.toObject().value(QStringLiteral("state")).toString()
                        != QLatin1String("ready"))
                        return false;
                }
                return true;
            },
            timeoutMs);
}

} // namespace HttpTest
