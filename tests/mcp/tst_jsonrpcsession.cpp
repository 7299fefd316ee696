// Unit tests for JsonRpcSession over an in-memory transport pair. The test plays the server on
// the other end: it reads what the session sends and answers by hand.

#include "jsonrpcsession.h"
#include "memorytransport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QPointer>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

using JsonRpc::Message;

class tst_JsonRpcSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void responsesMatchRequestsOutOfOrder();
    void errorResponseReachesHandler();
    void timeoutFailsAndCancelsOnServer();
    void progressReachesHandlerAndExtendsTimeout();
    void progressNeverExtendsPastMaximum();
    void maximumAppliesWithoutTimeout();
    void cancelTellsServerAndIgnoresLateResponse();
    void closeFailsEveryPendingRequest_data();
    void closeFailsEveryPendingRequest();
    void incomingRequestIsDispatchedAndAnswered();
    void unknownIncomingMethodGetsMethodNotFound();
    void incomingPingIsAnswered();
    void droppedResponderSendsInternalError();
    void serverCancelledIncomingRequestIsNotAnswered();
    void destroyedContextSkipsHandler();
    void responseIdMustMatchExactly_data();
    void responseIdMustMatchExactly();
    void initializeIsNeverCancelled();
    void serverRequestHoldsItsCausesTimeout();
    void serverRequestOnASharedChannelNamesEveryPendingRequest();

private:
    // Messages the server side received, in order.
    [[nodiscard]] QList<Message> serverReceived(const QString &method) const;
    [[nodiscard]] std::optional<Message> responseTo(const QJsonValue &id) const;
    void serverSend(const Message &message) { m_server->send(message); }

    MemoryTransport *m_client = nullptr;
    MemoryTransport *m_server = nullptr;
    JsonRpcSession *m_session = nullptr;
    QList<Message> m_received;
    std::unique_ptr<QObject> m_owner;
};

void tst_JsonRpcSession::init()
{
    m_owner = std::make_unique<QObject>();
    std::tie(m_client, m_server) = MemoryTransport::createPair(m_owner.get());
    m_session = new JsonRpcSession(m_client, m_owner.get());
    m_received.clear();
    connect(m_server, &Transport::messageReceived, m_owner.get(),
            [this](const Message &message) { m_received.append(message); });
    QSignalSpy clientOpened(m_client, &Transport::opened);
    QSignalSpy serverOpened(m_server, &Transport::opened);
    m_client->open();
    m_server->open();
    QTRY_COMPARE(clientOpened.count(), 1);
    QTRY_COMPARE(serverOpened.count(), 1);
}

void tst_JsonRpcSession::cleanup()
{
    m_owner.reset();
    m_client = m_server = nullptr;
    m_session = nullptr;
}

QList<Message> tst_JsonRpcSession::serverReceived(const QString &method) const
{
    QList<Message> out;
    for (const Message &m : m_received) {
        if (!m.isResponse() && m.method() == method)
            out.append(m);
    }
    return out;
}

std::optional<Message> tst_JsonRpcSession::responseTo(const QJsonValue &id) const
{
    for (const Message &m : m_received) {
        if (m.isResponse() && m.idKey() == Message::idKey(id))
            return m;
    }
    return std::nullopt;
}

void tst_JsonRpcSession::responsesMatchRequestsOutOfOrder()
{
    QHash<QString, QJsonObject> results;
    int calls = 0;
    const auto handlerFor = [&](const QString &name) {
        return [&, name](const RpcReply &reply) {
            ++calls;
            QVERIFY(reply.ok());
            results.insert(name, reply.result);
        };
    };
    const qint64 first = m_session->request(QStringLiteral("first"), {{QStringLiteral("n"), 1}},
                                            handlerFor("first"));
    const qint64 second = m_session->request(QStringLiteral("second"), {{QStringLiteral("n"), 2}},
                                             handlerFor("second"));
    QVERIFY(first != second);
    QTRY_COMPARE(m_received.size(), 2);
    QCOMPARE(m_received.at(0).method(), QStringLiteral("first"));
    QCOMPARE(m_received.at(0).params().value(QStringLiteral("n")).toInt(), 1);
    QCOMPARE(m_received.at(1).method(), QStringLiteral("second"));
    QCOMPARE(m_session->pendingCount(), 2);

    // The server answers the second request first.
    serverSend(Message::response(m_received.at(1).id(), {{QStringLiteral("answer"), 2}}));
    serverSend(Message::response(m_received.at(0).id(), {{QStringLiteral("answer"), 1}}));
    QTRY_COMPARE(calls, 2);
    QCOMPARE(results.value(QStringLiteral("first")).value(QStringLiteral("answer")).toInt(), 1);
    QCOMPARE(results.value(QStringLiteral("second")).value(QStringLiteral("answer")).toInt(), 2);
    QCOMPARE(m_session->pendingCount(), 0);
}

void tst_JsonRpcSession::errorResponseReachesHandler()
{
    std::optional<RpcReply> got;
    m_session->request(QStringLiteral("tools/call"), {},
                       [&](const RpcReply &reply) { got = reply; });
    QTRY_COMPARE(m_received.size(), 1);
    const QJsonObject data {{QStringLiteral("field"), QStringLiteral("name")}};
    serverSend(Message::errorResponse(
            m_received.at(0).id(),
            {JsonRpc::InvalidParams, QStringLiteral("unknown tool: nope"), data}));
    QTRY_VERIFY(got.has_value());
    QVERIFY(!got->ok());
    QCOMPARE(got->error->code, int(JsonRpc::InvalidParams));
    QCOMPARE(got->errorMessage(), QStringLiteral("unknown tool: nope"));
    QCOMPARE(got->error->data.toObject(), data);
}

void tst_JsonRpcSession::timeoutFailsAndCancelsOnServer()
{
    std::optional<RpcReply> got;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 100;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("slow/thing timed out")));
    const qint64 id = m_session->request(
            QStringLiteral("slow/thing"), {}, [&](const RpcReply &reply) { got = reply; }, options);
    // The server never answers.
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 3000);
    QVERIFY(!got->ok());
    QCOMPARE(got->error->code, int(JsonRpc::RequestTimeout));
    QVERIFY2(got->errorMessage().contains(QStringLiteral("timed out")),
             qPrintable(got->errorMessage()));
    QCOMPARE(m_session->pendingCount(), 0);

    QTRY_COMPARE(serverReceived(QStringLiteral("notifications/cancelled")).size(), 1);
    const Message cancelled = serverReceived(QStringLiteral("notifications/cancelled")).first();
    QVERIFY(cancelled.isNotification());
    QCOMPARE(cancelled.params().value(QStringLiteral("requestId")).toInteger(), id);
    QCOMPARE(m_received.first().id().toInteger(), id);
}

void tst_JsonRpcSession::progressReachesHandlerAndExtendsTimeout()
{
    std::optional<RpcReply> got;
    QList<RpcProgress> progress;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 200;
    options.maxTimeoutMs = 10000;
    options.onProgress = [&](const RpcProgress &p) { progress.append(p); };
    QElapsedTimer elapsed;
    elapsed.start();
    m_session->request(
            QStringLiteral("tools/call"), {}, [&](const RpcReply &reply) { got = reply; }, options);
    QTRY_COMPARE(m_received.size(), 1);
    const Message request = m_received.first();
    const QJsonValue token = request.params()
                                     .value(QStringLiteral("_meta"))
                                     .toObject()
                                     .value(QStringLiteral("progressToken"));
    QVERIFY2(!token.isUndefined(), "a request with a progress handler must carry a token");

    // Progress every 100 ms for 600 ms (three times the timeout), then the result.
    int ticks = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    connect(&ticker, &QTimer::timeout, this, [&] {
        ++ticks;
        if (ticks <= 6) {
            serverSend(Message::notification(
                    QStringLiteral("notifications/progress"),
                    {{QStringLiteral("progressToken"), token},
                     {QStringLiteral("progress"), ticks},
                     {QStringLiteral("total"), 6},
                     {QStringLiteral("message"), QStringLiteral("step %1").arg(ticks)}}));
        } else {
            ticker.stop();
            serverSend(Message::response(request.id(), {{QStringLiteral("done"), true}}));
        }
    });
    ticker.start(100);

    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
    QVERIFY2(got->ok(), qPrintable(got->errorMessage()));
    QCOMPARE(got->result.value(QStringLiteral("done")).toBool(), true);
    QVERIFY(elapsed.elapsed() >= 600);
    QCOMPARE(progress.size(), 6);
    QCOMPARE(progress.first().progress, 1.0);
    QCOMPARE(progress.last().progress, 6.0);
    QCOMPARE(progress.last().total, std::optional<double>(6.0));
    QCOMPARE(progress.last().message, QStringLiteral("step 6"));
    QVERIFY(serverReceived(QStringLiteral("notifications/cancelled")).isEmpty());
}

void tst_JsonRpcSession::progressNeverExtendsPastMaximum()
{
    std::optional<RpcReply> got;
    int progressCount = 0;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 200;
    options.maxTimeoutMs = 500;
    options.onProgress = [&](const RpcProgress &) { ++progressCount; };
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("maximum of 500 ms")));
    QElapsedTimer elapsed;
    elapsed.start();
    const qint64 id = m_session->request(
            QStringLiteral("tools/call"), {}, [&](const RpcReply &reply) { got = reply; }, options);
    QTRY_COMPARE(m_received.size(), 1);
    const QJsonValue token = m_received.first()
                                     .params()
                                     .value(QStringLiteral("_meta"))
                                     .toObject()
                                     .value(QStringLiteral("progressToken"));

    // A server that reports progress forever and never finishes.
    QTimer ticker;
    connect(&ticker, &QTimer::timeout, this, [&] {
        serverSend(Message::notification(QStringLiteral("notifications/progress"),
                                         {{QStringLiteral("progressToken"), token},
                                          {QStringLiteral("progress"), progressCount + 1}}));
    });
    ticker.start(100);

    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 5000);
    const qint64 took = elapsed.elapsed();
    ticker.stop();
    QVERIFY(!got->ok());
    QCOMPARE(got->error->code, int(JsonRpc::RequestTimeout));
    QVERIFY2(got->errorMessage().contains(QStringLiteral("maximum")),
             qPrintable(got->errorMessage()));
    QVERIFY2(took >= 480, qPrintable(QString::number(took)));
    QVERIFY2(took < 2500, qPrintable(QString::number(took)));
    QVERIFY(progressCount >= 2); // progress did arrive, and did not keep it alive
    QTRY_COMPARE(serverReceived(QStringLiteral("notifications/cancelled")).size(), 1);
    QCOMPARE(serverReceived(QStringLiteral("notifications/cancelled"))
                     .first()
                     .params()
                     .value(QStringLiteral("requestId"))
                     .toInteger(),
             id);
}

void tst_JsonRpcSession::maximumAppliesWithoutTimeout()
{
    // No per-request timeout: the hard maximum still ends a request nobody answers.
    std::optional<RpcReply> got;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 0;
    options.maxTimeoutMs = 200;
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(QStringLiteral("never/answered timed out")));
    m_session->request(
            QStringLiteral("never/answered"), {}, [&](const RpcReply &reply) { got = reply; },
            options);
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 3000);
    QCOMPARE(got->error->code, int(JsonRpc::RequestTimeout));
    QVERIFY2(got->errorMessage().contains(QStringLiteral("maximum of 200 ms")),
             qPrintable(got->errorMessage()));
}

void tst_JsonRpcSession::cancelTellsServerAndIgnoresLateResponse()
{
    QList<RpcReply> replies;
    const qint64 id = m_session->request(QStringLiteral("tools/call"), {},
                                         [&](const RpcReply &reply) { replies.append(reply); });
    QTRY_COMPARE(m_received.size(), 1);

    m_session->cancel(id, QStringLiteral("the user pressed stop"));
    // Failed locally right away, without waiting for the server.
    QCOMPARE(replies.size(), 1);
    QVERIFY(!replies.first().ok());
    QCOMPARE(replies.first().error->code, int(JsonRpc::RequestCancelled));
    QCOMPARE(m_session->pendingCount(), 0);

    QTRY_COMPARE(serverReceived(QStringLiteral("notifications/cancelled")).size(), 1);
    const QJsonObject params
            = serverReceived(QStringLiteral("notifications/cancelled")).first().params();
    QCOMPARE(params.value(QStringLiteral("requestId")).toInteger(), id);
    QCOMPARE(params.value(QStringLiteral("reason")).toString(),
             QStringLiteral("the user pressed stop"));

    // The server answers anyway; then a second request proves the late answer was processed.
    serverSend(Message::response(m_received.first().id(), {{QStringLiteral("late"), true}}));
    bool secondDone = false;
    m_session->request(QStringLiteral("ping"), {}, [&](const RpcReply &) { secondDone = true; });
    QTRY_COMPARE(serverReceived(QStringLiteral("ping")).size(), 1);
    serverSend(Message::response(serverReceived(QStringLiteral("ping")).first().id(), {}));
    QTRY_VERIFY(secondDone);
    QCOMPARE(replies.size(), 1);
}

void tst_JsonRpcSession::closeFailsEveryPendingRequest_data()
{
    QTest::addColumn<bool>("serverCloses");
    QTest::newRow("server closes") << true;
    QTest::newRow("client closes") << false;
}

void tst_JsonRpcSession::closeFailsEveryPendingRequest()
{
    QFETCH(bool, serverCloses);
    QList<RpcReply> replies;
    for (int i = 0; i < 3; ++i) {
        m_session->request(QStringLiteral("tools/call"), {},
                           [&](const RpcReply &reply) { replies.append(reply); });
    }
    QTRY_COMPARE(m_received.size(), 3);
    QCOMPARE(m_session->pendingCount(), 3);

    if (serverCloses)
        m_server->close();
    else
        m_client->close();
    QTRY_COMPARE(replies.size(), 3);
    for (const RpcReply &reply : std::as_const(replies)) {
        QVERIFY(!reply.ok());
        QCOMPARE(reply.error->code, int(JsonRpc::ConnectionClosed));
        QVERIFY2(reply.errorMessage().contains(QStringLiteral("connection"))
                         && reply.errorMessage().contains(QStringLiteral("closed")),
                 qPrintable(reply.errorMessage()));
    }
    QCOMPARE(m_session->pendingCount(), 0);
}

void tst_JsonRpcSession::incomingRequestIsDispatchedAndAnswered()
{
    QJsonObject seenParams;
    m_session->setRequestHandler(QStringLiteral("roots/list"),
                                 [&](const Message &message, RpcResponder responder) {
                                     seenParams = message.params();
                                     responder.reply({{QStringLiteral("roots"), QJsonArray()}});
                                 });
    const QJsonObject params {{QStringLiteral("hint"), QStringLiteral("x")}};
    serverSend(Message::request(QStringLiteral("req-1"), QStringLiteral("roots/list"), params));
    QTRY_VERIFY(responseTo(QStringLiteral("req-1")).has_value());
    const Message response = *responseTo(QStringLiteral("req-1"));
    QCOMPARE(response.kind(), Message::Kind::Response);
    QVERIFY(response.id().isString()); // a string id comes back as a string
    QCOMPARE(response.result().value(QStringLiteral("roots")).toArray(), QJsonArray());
    QCOMPARE(seenParams, params);
}

void tst_JsonRpcSession::unknownIncomingMethodGetsMethodNotFound()
{
    serverSend(Message::request(7, QStringLiteral("does/not/exist")));
    QTRY_VERIFY(responseTo(7).has_value());
    const Message response = *responseTo(7);
    QCOMPARE(response.kind(), Message::Kind::ErrorResponse);
    QCOMPARE(response.error().code, int(JsonRpc::MethodNotFound));
    QVERIFY2(response.error().message.contains(QStringLiteral("does/not/exist")),
             qPrintable(response.error().message));
}

void tst_JsonRpcSession::incomingPingIsAnswered()
{
    serverSend(Message::request(42, QStringLiteral("ping")));
    QTRY_VERIFY(responseTo(42).has_value());
    const Message response = *responseTo(42);
    QCOMPARE(response.kind(), Message::Kind::Response);
    QCOMPARE(response.result(), QJsonObject());
}

void tst_JsonRpcSession::droppedResponderSendsInternalError()
{
    bool called = false;
    m_session->setRequestHandler(QStringLiteral("sampling/createMessage"),
                                 [&](const Message &, RpcResponder) { called = true; });
    serverSend(Message::request(3, QStringLiteral("sampling/createMessage")));
    QTRY_VERIFY(responseTo(3).has_value());
    QVERIFY(called);
    const Message response = *responseTo(3);
    QCOMPARE(response.kind(), Message::Kind::ErrorResponse);
    QCOMPARE(response.error().code, int(JsonRpc::InternalError));
    QVERIFY(!response.error().message.isEmpty());
}

void tst_JsonRpcSession::serverCancelledIncomingRequestIsNotAnswered()
{
    RpcResponder held;
    bool called = false;
    m_session->setRequestHandler(QStringLiteral("elicitation/create"),
                                 [&](const Message &, RpcResponder responder) {
                                     called = true;
                                     held = std::move(responder);
                                 });
    QSignalSpy notifications(m_session, &JsonRpcSession::notificationReceived);
    serverSend(Message::request(5, QStringLiteral("elicitation/create")));
    serverSend(Message::notification(QStringLiteral("notifications/cancelled"),
                                     {{QStringLiteral("requestId"), 5}}));
    QTRY_COMPARE(notifications.count(), 1);
    QVERIFY(called);
    QVERIFY(!held.isAnswered());

    held.reply({{QStringLiteral("action"), QStringLiteral("accept")}});
    // A ping round trip after the reply: anything sent for id 5 would have arrived before it.
    serverSend(Message::request(6, QStringLiteral("ping")));
    QTRY_VERIFY(responseTo(6).has_value());
    QVERIFY(!responseTo(5).has_value());
}

void tst_JsonRpcSession::destroyedContextSkipsHandler()
{
    auto *context = new QObject;
    int calls = 0;
    m_session->request(
            QStringLiteral("tools/list"), {}, [&](const RpcReply &) { ++calls; },
            m_session->defaultOptions(), context);
    QTRY_COMPARE(m_received.size(), 1);
    delete context;

    serverSend(Message::response(m_received.first().id(), {}));
    bool secondDone = false;
    m_session->request(QStringLiteral("ping"), {}, [&](const RpcReply &) { secondDone = true; });
    QTRY_COMPARE(m_received.size(), 2);
    serverSend(Message::response(m_received.at(1).id(), {}));
    QTRY_VERIFY(secondDone);
    QCOMPARE(calls, 0);
    QCOMPARE(m_session->pendingCount(), 0);
}

QTEST_GUILESS_MAIN(tst_JsonRpcSession)
#include "tst_jsonrpcsession.moc"

void tst_JsonRpcSession::responseIdMustMatchExactly_data()
{
    QTest::addColumn<QJsonValue>("wrongId");
    QTest::newRow("string \"1\"") << QJsonValue(QStringLiteral("1"));
    QTest::newRow("1.5") << QJsonValue(1.5);
    QTest::newRow("string \" 1\"") << QJsonValue(QStringLiteral(" 1"));
}
void tst_JsonRpcSession::responseIdMustMatchExactly()
{
    // Our ids are integers: a response with the string id "1" is not the answer to request 1.
    QFETCH(QJsonValue, wrongId);
    std::optional<RpcReply> got;
    const qint64 id = m_session->request(QStringLiteral("tools/list"), {},
                                         [&](const RpcReply &r) { got = r; });
    QCOMPARE(id, 1);
    QTRY_COMPARE(m_received.size(), 1);
    serverSend(Message::response(wrongId, {{QStringLiteral("forged"), true}}));
    QTest::qWait(100);
    QVERIFY(!got.has_value());
    QCOMPARE(m_session->pendingCount(), 1);
    serverSend(Message::response(QJsonValue(1), {{QStringLiteral("real"), true}}));
    QTRY_VERIFY(got.has_value());
    QVERIFY(got->result.value(QStringLiteral("real")).toBool());
}

void tst_JsonRpcSession::initializeIsNeverCancelled()
{
    // The spec: a client must not cancel initialize; a timeout fails it locally only.
    std::optional<RpcReply> got;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 100;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("initialize timed out")));
    const qint64 id = m_session->request(
            QStringLiteral("initialize"), {}, [&](const RpcReply &r) { got = r; }, options);
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 3000);
    QCOMPARE(got->error->code, int(JsonRpc::RequestTimeout));
    m_session->cancel(id); // a no-op now; nor is it sent for a pending one:
    const qint64 id2
            = m_session->request(QStringLiteral("initialize"), {}, [](const RpcReply &) {});
    m_session->cancel(id2);
    QTest::qWait(200);
    QCOMPARE(serverReceived(QStringLiteral("notifications/cancelled")).size(), 0);
}

void tst_JsonRpcSession::serverRequestHoldsItsCausesTimeout()
{
    // An elicitation inside a tool call waits for the user: the call's 300 ms timeout must not
    // run meanwhile, and starts over once the user answered.
    std::optional<RpcReply> got;
    JsonRpcSession::RequestOptions options;
    options.timeoutMs = 300;
    options.maxTimeoutMs = 600;
    std::optional<RpcResponder> held;
    RpcRequestCause cause;
    m_session->setRequestHandler(QStringLiteral("elicitation/create"),
                                 [&](const Message &, RpcResponder responder) {
                                     cause = responder.cause();
                                     held.emplace(std::move(responder));
                                 });
    const qint64 id = m_session->request(
            QStringLiteral("tools/call"), {}, [&](const RpcReply &r) { got = r; }, options,
            m_owner.get());
    QTRY_COMPARE(m_received.size(), 1);
    serverSend(Message::request(7, QStringLiteral("elicitation/create"), {}));
    QTRY_VERIFY(held.has_value());
    QCOMPARE(cause.kind, RpcRequestCause::Kind::Inferred);
    QCOMPARE(cause.requests.size(), 1);
    QCOMPARE(cause.requests.first().id, id);
    QCOMPARE(cause.requests.first().method, QStringLiteral("tools/call"));
    QCOMPARE(cause.requests.first().owner.data(), m_owner.get());

    QTest::qWait(900); // past the timeout and the hard maximum
    QVERIFY2(!got.has_value(), qPrintable(got ? got->errorMessage() : QString()));
    held->reply({{QStringLiteral("action"), QStringLiteral("cancel")}});
    QTest::qWait(150); // the timeout started over: not expired yet
    QVERIFY(!got.has_value());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("tools/call timed out")));
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 2000);
    QCOMPARE(got->error->code, int(JsonRpc::RequestTimeout));
}

void tst_JsonRpcSession::serverRequestOnASharedChannelNamesEveryPendingRequest()
{
    QObject a;
    QObject b;
    QList<RpcRequestCause> causes;
    m_session->setRequestHandler(QStringLiteral("sampling/createMessage"),
                                 [&](const Message &, RpcResponder responder) {
                                     causes.append(responder.cause());
                                     responder.fail(JsonRpc::InvalidRequest, QStringLiteral("no"));
                                 });
    m_session->request(
            QStringLiteral("tools/call"), {}, [](const RpcReply &) {}, {}, &a);
    m_session->request(
            QStringLiteral("tools/call"), {}, [](const RpcReply &) {}, {}, &b);
    QTRY_COMPARE(m_received.size(), 2);
    serverSend(Message::request(8, QStringLiteral("sampling/createMessage"), {}));
    QTRY_COMPARE(causes.size(), 1);
    QCOMPARE(causes.first().kind, RpcRequestCause::Kind::Inferred);
    QCOMPARE(causes.first().requests.size(), 2);
    QTRY_VERIFY(responseTo(8).has_value());
}
