#pragma once

// Shared by the provider tests: the scripted-llm fixture as a child process, and a recorder of
// everything a ChatStream emits.

#include <chatmodel.h>

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTest>
#include <QTimer>

#include <optional>

/// The scripted-llm fixture, started on a free port.
class ScriptedLlm
{
public:
    ~ScriptedLlm()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }

    bool start()
    {
        m_process.setProgram(QStringLiteral(MCPHOST_BINARY_DIR "/bin/scripted-llm"));
        m_process.setArguments({QStringLiteral("--port"), QStringLiteral("0")});
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start();
        if (!m_process.waitForStarted(5000))
            return false;
        QByteArray line;
        QElapsedTimer timer;
        timer.start();
        while (!line.contains('\n') && timer.elapsed() < 10000) {
            m_process.waitForReadyRead(200);
            line += m_process.readAll();
        }
        if (!line.startsWith("LISTENING "))
            return false;
        m_port = quint16(line.mid(10).trimmed().toUInt());
        return m_port != 0;
    }

    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] QUrl url(const QString &path = {}) const
    {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_port).arg(path));
    }

    /// Replaces the script and forgets the recorded requests.
    bool setScript(const QJsonArray &replies)
    {
        QNetworkRequest request(url(QStringLiteral("/script")));
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        QNetworkReply *reply = m_nam.post(request, QJsonDocument(replies).toJson());
        const bool ok = waitFor(reply) && reply->error() == QNetworkReply::NoError;
        reply->deleteLater();
        return ok;
    }

    /// Waits until the request `index` has an outcome other than "pending"; returns its record.
    QJsonObject finishedRequest(int index, int timeoutMs = 10000)
    {
        QJsonObject record;
        static_cast<void>(QTest::qWaitFor(
                [&] {
                    const QJsonArray all = requests();
                    record = index < all.size() ? all.at(index).toObject() : QJsonObject();
                    const QString outcome = record.value(QLatin1String("outcome")).toString();
                    return !outcome.isEmpty() && outcome != QLatin1String("pending");
                },
                timeoutMs));
        return record;
    }

    /// The requests the fixture received since the last setScript().
    QJsonArray requests()
    {
        QNetworkReply *reply = m_nam.get(QNetworkRequest(url(QStringLiteral("/requests"))));
        waitFor(reply);
        QJsonArray out = QJsonDocument::fromJson(reply->readAll()).array();
        reply->deleteLater();
        return out;
    }

private:
    static bool waitFor(QNetworkReply *reply)
    {
        if (reply->isFinished())
            return true;
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        loop.exec();
        return reply->isFinished();
    }

    QProcess m_process;
    QNetworkAccessManager m_nam;
    quint16 m_port = 0;
};

/// Peak resident memory of this process since the last resetPeakRss() (VmHWM, KiB; Linux).
inline qint64 peakRssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

/// Starts a new peak for peakRssKiB() (writing 5 to clear_refs resets VmHWM).
inline void resetPeakRss()
{
    QFile clear(QStringLiteral("/proc/self/clear_refs"));
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
}

/// Records every signal of one ChatStream, in order.
class StreamRecorder
{
public:
    explicit StreamRecorder(ChatStream *stream)
    {
        QObject::connect(stream, &ChatStream::textDelta, &m_context, [this](const QString &d) {
            note(QStringLiteral("text"));
            text += d;
            ++textDeltas;
        });
        QObject::connect(stream, &ChatStream::reasoningDelta, &m_context, [this](const QString &d) {
            note(QStringLiteral("reasoning"));
            reasoning += d;
            ++reasoningDeltas;
        });
        QObject::connect(stream, &ChatStream::toolCallStarted, &m_context,
                         [this](int index, const QString &id, const QString &name) {
                             note(QStringLiteral("start:%1").arg(index));
                             startedIds.insert(index, id);
                             startedNames.insert(index, name);
                         });
        QObject::connect(stream, &ChatStream::toolCallArgumentsDelta, &m_context,
                         [this](int index, const QString &fragment) {
                             note(QStringLiteral("args:%1").arg(index));
                             arguments[index] += fragment;
                             ++argumentDeltas[index];
                         });
        QObject::connect(
                stream, &ChatStream::toolCallCompleted, &m_context,
                [this](int index, const QString &id, const QString &name, const QJsonObject &args) {
                    note(QStringLiteral("done:%1").arg(index));
                    completed.append({id, name, args});
                    completedIndexes.append(index);
                });
        QObject::connect(stream, &ChatStream::usage, &m_context, [this](const Usage &u) {
            note(QStringLiteral("usage"));
            usage = u;
        });
        QObject::connect(stream, &ChatStream::finished, &m_context, [this](StopReason r) {
            note(QStringLiteral("finished"));
            stopReason = r;
            ++terminals;
        });
        QObject::connect(stream, &ChatStream::errorOccurred, &m_context, [this](const LlmError &e) {
            note(QStringLiteral("error"));
            error = e;
            ++terminals;
        });
    }

    /// Waits until the stream ended (or `ms` passed); true if it ended.
    bool waitForEnd(int ms = 10000)
    {
        return QTest::qWaitFor([this] { return terminals > 0; }, ms);
    }

    QStringList events; // signal names in arrival order
    int signalsAfterEnd = 0; // must stay 0
    QString text;
    QString reasoning;
    int textDeltas = 0;
    int reasoningDeltas = 0;
    QMap<int, QString> startedIds;
    QMap<int, QString> startedNames;
    QMap<int, QString> arguments;
    QMap<int, int> argumentDeltas;
    QList<ToolCall> completed;
    QList<int> completedIndexes;
    std::optional<Usage> usage;
    std::optional<StopReason> stopReason;
    std::optional<LlmError> error;
    int terminals = 0;

private:
    void note(const QString &event)
    {
        if (terminals > 0)
            ++signalsAfterEnd;
        events.append(event);
    }

    QObject m_context;
};

inline QJsonObject echoSchema()
{
    return QJsonObject {
            {"type", "object"},
            {"properties",
             QJsonObject {
                     {"message",
                      QJsonObject {{"type", "string"}, {"description", "The text to echo back"}}}}},
            {"required", QJsonArray {"message"}},
    };
}

inline QJsonObject addSchema()
{
    return QJsonObject {
            {"type", "object"},
            {"properties",
             QJsonObject {{"a", QJsonObject {{"type", "number"}}},
                          {"b", QJsonObject {{"type", "number"}}}}},
            {"required", QJsonArray {"a", "b"}},
    };
}

inline QList<ToolDefinition> testTools()
{
    return {{QStringLiteral("echo"), QStringLiteral("Echoes back the input"), echoSchema()},
            {QStringLiteral("add"), QStringLiteral("Adds two numbers"), addSchema()}};
}

inline ChatRequest simpleRequest(const QString &userText = QStringLiteral("Hello"))
{
    ChatRequest request;
    request.messages = {ChatMessage::system(QStringLiteral("You are a test assistant.")),
                        ChatMessage::user(userText)};
    request.tools = testTools();
    return request;
}
