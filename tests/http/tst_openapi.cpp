// The OpenAPI document against the real routes, both ways: every documented path and method
// reaches a handler of the live server (no "no such endpoint", no 405), and every route the
// server registers (its router's table, HttpApiServer::routes()) is documented.

// The server's own ApiError is in scope here too; the client's is spelt with its namespace.
#define MCPHOST_NO_CLIENT_APIERROR_ALIAS
#include "hostcore.h"
#include "httpapiserver.h"
#include "httptestsupport.h"

#include <QTest>

using namespace HttpTest;

namespace {

using RouteSet = QSet<QString>; // "GET /api/v3/sessions/{id}"

QJsonObject loadDocument()
{
    QFile file(QStringLiteral(MCPHOST_SOURCE_DIR "/resources/openapi.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

RouteSet documentedRoutes(const QJsonObject &document)
{
    static const QStringList methods {"get", "post", "put", "patch", "delete", "head", "options"};
    RouteSet out;
    const QJsonObject paths = document.value(QStringLiteral("paths")).toObject();
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        const QJsonObject item = it.value().toObject();
        for (auto op = item.begin(); op != item.end(); ++op) {
            if (methods.contains(op.key()))
                out.insert(op.key().toUpper() + QLatin1Char(' ') + it.key());
        }
    }
    return out;
}

/// The routes the server registers: the route table of a real HttpApiServer (built in this
/// process over a HostCore with the offline model and no MCP servers; it does not listen).
RouteSet registeredRoutes()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("config.json")));
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(R"({"mcpServers": {}})");
    file.close();
    HostCore core;
    HostCore::Options options;
    options.configPath = file.fileName();
    options.cli.provider = QStringLiteral("offline");
    QString error;
    if (!core.init(options, &error)) {
        qWarning() << "HostCore:" << error;
        return {};
    }
    HttpApiServer server(&core, {});
    RouteSet out;
    for (const HttpApiServer::RouteInfo &route : server.routes())
        out.insert(QString::fromLatin1(route.method) + QLatin1Char(' ') + route.path);
    return out;
}

QString describe(const RouteSet &routes)
{
    QStringList list(routes.begin(), routes.end());
    list.sort();
    return list.join(QStringLiteral(", "));
}

} // namespace

class tst_OpenApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void servedDocumentIsTheSource();
    void everyRouteIsDocumented();
    void everyDocumentedRouteExists_data();
    void everyDocumentedRouteExists();
    void operationsAreDescribed();

private:
    ScriptedLlm m_llm;
    std::unique_ptr<HostProcess> m_host;
    QJsonObject m_document;
};

void tst_OpenApi::initTestCase()
{
    m_document = loadDocument();
    QVERIFY2(!m_document.isEmpty(), "resources/openapi.json is missing or not JSON");
    QVERIFY(m_llm.start());
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(m_llm);
    const QString failure = m_host->start();
    QVERIFY2(failure.isEmpty(), qPrintable(failure));
    RestClient rest(m_host->port);
    QVERIFY(waitForServersReady(rest));
}

void tst_OpenApi::servedDocumentIsTheSource()
{
    RestClient rest(m_host->port);
    const Reply r = rest.get(QStringLiteral("/api/v3/openapi.json"));
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("application/json"));
    QCOMPARE(r.json(), m_document);
    QVERIFY(m_document.value(QStringLiteral("openapi")).toString().startsWith(QLatin1String("3.")));
    QCOMPARE(m_document.value(QStringLiteral("info"))
                     .toObject()
                     .value(QStringLiteral("version"))
                     .toString(),
             QStringLiteral(MCPHOST_VERSION));
}

void tst_OpenApi::everyRouteIsDocumented()
{
    const RouteSet registered = registeredRoutes();
    // A sanity floor: the table was built (the comparison would pass vacuously otherwise).
    QVERIFY2(registered.size() >= 15, qPrintable(describe(registered)));
    const RouteSet documented = documentedRoutes(m_document);
    QVERIFY2((registered - documented).isEmpty(),
             qPrintable(QStringLiteral("served but not documented: ")
                        + describe(registered - documented)));
    QVERIFY2((documented - registered).isEmpty(),
             qPrintable(QStringLiteral("documented but not served: ")
                        + describe(documented - registered)));
}

void tst_OpenApi::everyDocumentedRouteExists_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    const QStringList routes = [] {
        const RouteSet set = documentedRoutes(loadDocument());
        QStringList list(set.begin(), set.end());
        list.sort();
        return list;
    }();
    for (const QString &route : routes) {
        const qsizetype space = route.indexOf(QLatin1Char(' '));
        QTest::newRow(qPrintable(route)) << route.left(space).toLatin1() << route.mid(space + 1);
    }
}

void tst_OpenApi::everyDocumentedRouteExists()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    RestClient rest(m_host->port);
    // Real values for the path parameters: a fresh session, the configured server.
    const QString session = rest.post(QStringLiteral("/api/v3/sessions"), {})
                                    .json()
                                    .value("session_id")
                                    .toString();
    QVERIFY(!session.isEmpty());
    QString concrete = path;
    concrete.replace(QStringLiteral("{id}"), session)
            .replace(QStringLiteral("{name}"), QStringLiteral("fixture"));
    QVERIFY2(!concrete.contains(QLatin1Char('{')), qPrintable(concrete));

    int status = 0;
    QString code;
    if (path == QLatin1String("/api/v3/chat/stream")) {
        SseClient stream; // never ends by itself: look at the head only
        stream.open(m_host->port, concrete + QStringLiteral("?session_id=") + session);
        QVERIFY(stream.waitForResponse());
        status = stream.status;
        QVERIFY(stream.isStream());
    } else {
        const Reply r = rest.request(method, concrete,
                                     method == "POST" ? QByteArray("{}") : QByteArray());
        status = r.status;
        code = r.errorCode();
        QVERIFY2(status != 0, qPrintable(r.transportError));
    }
    QVERIFY2(status != 405,
             qPrintable(QStringLiteral("%1 %2 -> 405").arg(QString::fromLatin1(method), concrete)));
    QVERIFY2(!(status == 404 && code == QLatin1String("not_found")),
             qPrintable(QStringLiteral("%1 %2 -> no such endpoint")
                                .arg(QString::fromLatin1(method), concrete)));
    // Documented responses: the status we got is one the document lists for this operation.
    const QJsonObject responses = m_document.value("paths")
                                          .toObject()
                                          .value(path)
                                          .toObject()
                                          .value(QString::fromLatin1(method).toLower())
                                          .toObject()
                                          .value("responses")
                                          .toObject();
    QVERIFY2(responses.contains(QString::number(status)) || responses.contains("default"),
             qPrintable(QStringLiteral("%1 %2 answered %3, not documented among %4")
                                .arg(QString::fromLatin1(method), path)
                                .arg(status)
                                .arg(responses.keys().join(','))));
}

void tst_OpenApi::operationsAreDescribed()
{
    const QJsonObject paths = m_document.value(QStringLiteral("paths")).toObject();
    for (auto it = paths.begin(); it != paths.end(); ++it) {
        const QJsonObject item = it.value().toObject();
        for (auto op = item.begin(); op != item.end(); ++op) {
            const QJsonObject operation = op.value().toObject();
            if (operation.isEmpty() || op.key() == QLatin1String("parameters"))
                continue;
            const QString where = op.key().toUpper() + QLatin1Char(' ') + it.key();
            QVERIFY2(!operation.value("summary").toString().isEmpty()
                             || !operation.value("description").toString().isEmpty(),
                     qPrintable(where + QStringLiteral(": no summary")));
            QVERIFY2(!operation.value("responses").toObject().isEmpty(),
                     qPrintable(where + QStringLiteral(": no responses")));
            // Every {param} of the path is declared.
            static const QRegularExpression param(QStringLiteral("\\{(\\w+)\\}"));
            QStringList declared;
            for (const QJsonValue &p :
                 operation.value("parameters").toArray() + item.value("parameters").toArray())
                declared << p.toObject().value("name").toString();
            for (auto m = param.globalMatch(it.key()); m.hasNext();) {
                const QString name = m.next().captured(1);
                QVERIFY2(declared.contains(name),
                         qPrintable(where + QStringLiteral(": {") + name
                                    + QStringLiteral("} not declared")));
            }
        }
    }
}

QTEST_GUILESS_MAIN(tst_OpenApi)
#include "tst_openapi.moc"
