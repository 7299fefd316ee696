#pragma once

// The test suite's API client side: the project's own ApiClient and EventStreamClient (common/),
// wrapped for tests: a call awaited on the event loop, and a stream whose events are recorded.

#include "../integration/testsupport.h"

#include <apiclient.h>
#include <eventstreamclient.h>

#include <QJsonDocument>
#include <QUrl>

#include <memory>

namespace ApiTest {

/// The outcome of one awaited call.
template<typename T> struct Answer
{
    T value {};
    std::optional<ApiError> error;
    bool finished = false;

    [[nodiscard]] bool ok() const { return finished && !error; }
    [[nodiscard]] int status() const { return error ? error->httpStatus : 0; }
    [[nodiscard]] QString code() const { return error ? error->code : QString(); }
    /// For QVERIFY2 messages.
    [[nodiscard]] QByteArray describe() const
    {
        if (!finished)
            return "no answer";
        if (error)
            return QByteArray::number(error->httpStatus) + ' ' + error->toString().toUtf8();
        return "ok";
    }
};

/// Runs `start(ctx, callback)` (an ApiClient call) and waits for its callback.
template<typename T, typename Start> Answer<T> await(Start start, int timeoutMs = 60000)
{
    Answer<T> answer;
    QObject context;
    start(&context, [&answer](const T &value, const std::optional<ApiError> &error) {
        answer.value = value;
        answer.error = error;
        answer.finished = true;
    });
    TestSupport::waitFor([&answer] { return answer.finished; }, timeoutMs);
    return answer;
}

/// An ApiClient for a server on 127.0.0.1:port.
inline std::unique_ptr<ApiClient> apiFor(quint16 port, const QString &token = {})
{
    auto api = std::make_unique<ApiClient>();
    api->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    api->setToken(token);
    api->setTransferTimeout(60000);
    return api;
}

/// An EventStreamClient that records every event it delivers.
class Stream
{
public:
    explicit Stream(quint16 port, const QString &token = {})
    {
        client.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        client.setToken(token);
        client.setReconnectDelays(100, 2000);
        QObject::connect(&client, &EventStreamClient::eventReceived, &client,
                         [this](const StreamEvent &e) { events << e; });
        QObject::connect(&client, &EventStreamClient::reconnecting, &client,
                         [this](int, int delay, const QString &reason) {
                             delays << delay;
                             reasons << reason;
                         });
        QObject::connect(&client, &EventStreamClient::failed, &client,
                         [this](const ApiError &e) { failures << e; });
    }
    Q_DISABLE_COPY_MOVE(Stream)

    /// Opens the stream and waits for its session_start (false: none in time).
    bool open(const QString &sessionId = {}, qint64 afterSeq = 0, int timeoutMs = 20000)
    {
        const qsizetype before = events.size();
        client.open(sessionId, afterSeq);
        return waitForType(QStringLiteral("session_start"), timeoutMs, int(before)) >= 0;
    }
    /// Waits until an event of `type` arrived (at index >= from); returns its index or -1.
    int waitForType(const QString &type, int timeoutMs = 30000, int from = 0)
    {
        int found = -1;
        TestSupport::waitFor(
                [&] {
                    for (int i = from; i < events.size(); ++i) {
                        if (events.at(i).typeName() == type) {
                            found = i;
                            return true;
                        }
                    }
                    return !failures.isEmpty();
                },
                timeoutMs);
        return found;
    }
    [[nodiscard]] QStringList types() const
    {
        QStringList out;
        for (const StreamEvent &e : events)
            out << e.typeName();
        return out;
    }
    [[nodiscard]] QList<StreamEvent> ofType(const QString &type) const
    {
        QList<StreamEvent> out;
        for (const StreamEvent &e : events) {
            if (e.typeName() == type)
                out << e;
        }
        return out;
    }
    /// The seqs of every event but session_start, in order of arrival.
    [[nodiscard]] QList<qint64> seqs() const
    {
        QList<qint64> out;
        for (const StreamEvent &e : events) {
            if (e.type != StreamEventType::SessionStart)
                out << e.seq;
        }
        return out;
    }

    EventStreamClient client;
    QList<StreamEvent> events;
    QList<int> delays;
    QStringList reasons;
    QList<ApiError> failures;
};

} // namespace ApiTest
