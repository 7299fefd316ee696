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

/// The rows of both providers' outputBounds test: which flood, and the bound it must hit.
inline void addOutputBoundsRows()
{
    QTest::addColumn<QString>("flood");
    QTest::addColumn<int>("bound");
    QTest::newRow("text past maxTextBytes") << "text" << int(LlmError::Bound::Text);
    QTest::newRow("arguments past maxToolArgumentBytes")
            << "arguments" << int(LlmError::Bound::ToolArguments);
    QTest::newRow("one event line past maxEventBytes") << "line" << int(LlmError::Bound::Event);
}

/// A model that streams 128 MiB through `model` (the provider under test, pointed at `llm`)
/// ends at the bound `bound`; shared by the OpenAI and Anthropic provider tests.
inline void checkOutputBounds(ScriptedLlm &llm, ChatModel &model, const QString &flood, int bound)
{
    // A model that streams 128 MiB: the stream ends at the bound, with an error that names it,
    // the connection is closed (the fixture stops writing long before the end: what it wrote
    // past the bound is what the socket buffers took), and memory stays bounded.
    constexpr qint64 kFlood = 128 * 1024 * 1024;
    QVERIFY(llm.setScript({QJsonObject {{"flood", flood}, {"flood_bytes", double(kFlood)}}}));
    ChatRequest request = simpleRequest();
    request.limits.maxTextBytes = 2 * 1024 * 1024;
    request.limits.maxToolArgumentBytes = 1024 * 1024;
    resetPeakRss();
    const qint64 rssBefore = peakRssKiB();
    ChatStream *stream = model.start(request);
    StreamRecorder rec(stream);
    QVERIFY(rec.waitForEnd(60000));
    QVERIFY2(rec.error, "the stream should end with an error past the bound");
    QCOMPARE(rec.error->kind, LlmError::Kind::OutputTooLarge);
    QCOMPARE(rec.error->code(), QStringLiteral("model_output_too_large"));
    QCOMPARE(int(rec.error->bound), bound);
    QVERIFY(!rec.error->retryable);
    QVERIFY(rec.text.size() <= 2 * 1024 * 1024);
    QVERIFY(rec.arguments.value(0).size() <= 1024 * 1024 + 64 * 1024);
    const QJsonObject record = llm.finishedRequest(0);
    QCOMPARE(record.value("outcome").toString(), QStringLiteral("client_closed"));
    // The flood was cut before its end: the provider reads a piece, handles it, then reads on,
    // so what the fixture could write past the bound is what the socket buffers took.
    const double sent = record.value("bytes_sent").toDouble();
    QVERIFY2(sent < kFlood / 4, qPrintable(QString::number(sent)));
    // Nothing holds the flood whole: memory grows by less than the flood's size, while without
    // the bounds the text alone (as UTF-16, besides its events) cost more than twice that. The
    // exact peak depends on the allocator, the Qt version and ASan's quarantine (seen: about
    // 20 MiB on Qt 6.4 and 6.8, more under ASan), so the line is drawn there.
    const qint64 growthKiB = peakRssKiB() - rssBefore;
    qInfo("the fixture wrote %.0f bytes of the flood; the peak RSS grew by %lld KiB", sent,
          growthKiB);
    QVERIFY2(growthKiB < 128 * 1024, qPrintable(QStringLiteral("%1 KiB").arg(growthKiB)));
    QTest::qWait(50);
    QCOMPARE(rec.signalsAfterEnd, 0);
}

/// One 3 MiB event line through `model` is accepted whole, in linear time.
inline void checkLongEventUnderTheBound(ScriptedLlm &llm, ChatModel &model)
{
    // One 3 MiB event line, written in 512-byte pieces: accepted whole, and parsed in linear
    // time (a parser that rescans its buffer per piece would take minutes).
    constexpr qint64 kLine = 3 * 1024 * 1024;
    QVERIFY(llm.setScript({QJsonObject {
            {"flood", "line"}, {"flood_bytes", double(kLine)}, {"flood_piece", 512}}}));
    QElapsedTimer clock;
    clock.start();
    ChatStream *stream = model.start(simpleRequest());
    StreamRecorder rec(stream);
    QVERIFY(rec.waitForEnd(60000));
    QVERIFY2(!rec.error, qPrintable(rec.error ? rec.error->message : QString()));
    QCOMPARE(rec.text.count(QLatin1Char('x')), kLine);
    QVERIFY2(clock.elapsed() < 20000, qPrintable(QString::number(clock.elapsed())));
}
