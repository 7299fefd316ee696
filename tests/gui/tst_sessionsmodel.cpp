// SessionsModel and SessionFilterModel against the real mcp-hostd (scripted LLM, fixture MCP
// server): sessions newest activity first with the server's title (or "New conversation") and
// turn count; create, rename, remove with a 5 s undo window; refresh changes rows in place (a
// session with new activity moves to the top, nothing is reset); the filter follows typing.

#include "../http/httptestsupport.h"

#include "apiclient.h"
#include "sessionfiltermodel.h"
#include "sessionsmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace HttpTest;

class tst_SessionsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();
    void listsNewestFirstWithTitles();
    void refreshKeepsRowsInPlace();
    void createAndRename();
    void removeWithUndo();
    void removeWithoutUndoDeletes();
    void filterAsYouType();
    void unreachableServerIsSaid();

private:
    /// Runs one turn with `message` in `session` (a new one when empty); its id.
    QString runTurn(const QString &session, const QString &message);
    /// refresh() and wait for its answer.
    bool refreshed(SessionsModel &model);
    [[nodiscard]] QStringList titles(const QAbstractItemModel &model) const;

    QTemporaryDir m_stateDir;
    std::unique_ptr<ScriptedLlm> m_llm;
    std::unique_ptr<HostProcess> m_host;
    std::unique_ptr<RestClient> m_rest;
    std::unique_ptr<ApiClient> m_client;
    std::unique_ptr<SessionsModel> m_model;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void tst_SessionsModel::initTestCase()
{
    m_llm = std::make_unique<ScriptedLlm>();
    QVERIFY2(m_llm->start(), "scripted LLM did not start");
    m_host = std::make_unique<HostProcess>();
    m_host->useLlm(*m_llm);
    QVERIFY(m_stateDir.isValid());
    m_host->config.insert(QStringLiteral("state_file"), m_stateDir.filePath("state.json"));
    const QString error = m_host->start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_rest = std::make_unique<RestClient>(m_host->port);
    QVERIFY(waitForServersReady(*m_rest));
}

void tst_SessionsModel::cleanupTestCase()
{
    m_host.reset();
    m_llm.reset();
}

void tst_SessionsModel::init()
{
    // Every test starts from a host without sessions.
    const QJsonArray sessions
            = m_rest->get(QStringLiteral("/api/v3/sessions")).json().value("sessions").toArray();
    for (const QJsonValue &s : sessions)
        m_rest->request("DELETE",
                        QStringLiteral("/api/v3/sessions/")
                                + s.toObject().value("session_id").toString());
    m_client = std::make_unique<ApiClient>();
    m_client->setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_host->port)));
    m_model = std::make_unique<SessionsModel>();
    m_model->setApiClient(m_client.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
            m_model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void tst_SessionsModel::cleanup()
{
    m_tester.reset();
    m_model.reset();
    m_client.reset();
}

QString tst_SessionsModel::runTurn(const QString &session, const QString &message)
{
    if (!m_llm->setScript({textReply(QStringLiteral("Noted."))}))
        qWarning("the scripted LLM did not take the script");
    QJsonObject body {{QStringLiteral("message"), message}};
    if (!session.isEmpty())
        body.insert(QStringLiteral("session_id"), session);
    const Reply r = m_rest->post(QStringLiteral("/chat"), body);
    const QString id = r.json().value(QStringLiteral("session_id")).toString();
    // The turn is over when the session is no longer busy.
    TestSupport::waitFor([&] {
        const Reply s = m_rest->get(QStringLiteral("/api/v3/sessions/") + id);
        return s.status == 200 && !s.json().value(QStringLiteral("busy")).toBool();
    });
    return id;
}

bool tst_SessionsModel::refreshed(SessionsModel &model)
{
    QSignalSpy loading(&model, &SessionsModel::loadingChanged);
    model.refresh();
    return TestSupport::waitFor([&] { return !model.loading() && loading.size() >= 2; }, 20000);
}

QStringList tst_SessionsModel::titles(const QAbstractItemModel &model) const
{
    QStringList out;
    for (int i = 0; i < model.rowCount(); ++i)
        out << model.index(i, 0).data(SessionsModel::TitleRole).toString();
    return out;
}

void tst_SessionsModel::listsNewestFirstWithTitles()
{
    const QString first = runTurn({}, QStringLiteral("Plan the garden\nwith raised beds"));
    QTest::qWait(20); // distinct activity times
    const QString second = runTurn({}, QStringLiteral("Fix the bicycle"));
    QTest::qWait(20);
    runTurn(second, QStringLiteral("and the brakes"));
    QVERIFY(m_rest->post(QStringLiteral("/api/v3/sessions"), {}).status == 201);

    QVERIFY(refreshed(*m_model));
    QCOMPARE(m_model->count(), 3);
    // Newest activity first: the empty one just made, the bicycle (two turns), the garden.
    QCOMPARE(titles(*m_model),
             QStringList({"New conversation", "Fix the bicycle", "Plan the garden"}));
    QCOMPARE(m_model->index(0).data(SessionsModel::UntitledRole).toBool(), true);
    QCOMPARE(m_model->index(1).data(SessionsModel::SessionIdRole).toString(), second);
    QCOMPARE(m_model->index(1).data(SessionsModel::TurnCountRole).toInt(), 2);
    QCOMPARE(m_model->index(2).data(SessionsModel::SessionIdRole).toString(), first);
    QCOMPARE(m_model->index(2).data(SessionsModel::TurnCountRole).toInt(), 1);
    QCOMPARE(m_model->index(2).data(SessionsModel::BusyRole).toBool(), false);
    QVERIFY(m_model->index(1).data(SessionsModel::UpdatedRole).toDateTime()
            > m_model->index(2).data(SessionsModel::UpdatedRole).toDateTime());
    QVERIFY(m_model->error().isEmpty());
    const QHash<int, QByteArray> roles = m_model->roleNames();
    for (const char *role : {"sessionId", "title", "updated", "turnCount", "busy"})
        QVERIFY2(roles.values().contains(role), role);
}

void tst_SessionsModel::refreshKeepsRowsInPlace()
{
    const QString garden = runTurn({}, QStringLiteral("Plan the garden"));
    QTest::qWait(20);
    const QString bicycle = runTurn({}, QStringLiteral("Fix the bicycle"));
    QVERIFY(refreshed(*m_model));
    QCOMPARE(titles(*m_model), QStringList({"Fix the bicycle", "Plan the garden"}));

    QSignalSpy reset(m_model.get(), &QAbstractItemModel::modelReset);
    QSignalSpy moved(m_model.get(), &QAbstractItemModel::rowsMoved);
    QSignalSpy inserted(m_model.get(), &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(m_model.get(), &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    const QPersistentModelIndex gardenRow = m_model->index(1);

    // Nothing changed on the server: nothing changes in the model.
    QVERIFY(refreshed(*m_model));
    QCOMPARE(changed.size() + moved.size() + inserted.size() + removed.size(), 0);

    // New activity in the garden moves it to the top, as a move of the same row.
    QTest::qWait(20);
    runTurn(garden, QStringLiteral("and the compost"));
    QVERIFY(refreshed(*m_model));
    QCOMPARE(titles(*m_model), QStringList({"Plan the garden", "Fix the bicycle"}));
    QCOMPARE(moved.size(), 1);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(removed.size(), 0);
    QVERIFY(gardenRow.isValid());
    QCOMPARE(gardenRow.row(), 0);
    QCOMPARE(gardenRow.data(SessionsModel::TurnCountRole).toInt(), 2);
    QVERIFY(!changed.isEmpty());
    for (const QList<QVariant> &args : std::as_const(changed))
        QCOMPARE(args.at(0).toModelIndex().row(), 0);

    // A session deleted elsewhere goes as a removed row; one made elsewhere comes as inserted.
    QCOMPARE(m_rest->request("DELETE", QStringLiteral("/api/v3/sessions/") + bicycle).status, 200);
    QVERIFY(m_rest->post(QStringLiteral("/api/v3/sessions"), {}).status == 201);
    QVERIFY(refreshed(*m_model));
    QCOMPARE(titles(*m_model), QStringList({"New conversation", "Plan the garden"}));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    QVERIFY(gardenRow.isValid());
}

void tst_SessionsModel::createAndRename()
{
    QSignalSpy created(m_model.get(), &SessionsModel::created);
    m_model->create();
    QVERIFY(created.wait(10000));
    const QString id = created.first().first().toString();
    QCOMPARE(m_model->count(), 1);
    QCOMPARE(m_model->index(0).data(SessionsModel::SessionIdRole).toString(), id);
    QCOMPARE(m_model->index(0).data(SessionsModel::TitleRole).toString(),
             QStringLiteral("New conversation"));
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + id).status, 200);

    QSignalSpy renamed(m_model.get(), &SessionsModel::renamed);
    QSignalSpy changed(m_model.get(), &QAbstractItemModel::dataChanged);
    m_model->rename(id, QStringLiteral("  Holiday plans  "));
    QVERIFY(renamed.wait(10000));
    QCOMPARE(m_model->index(0).data(SessionsModel::TitleRole).toString(),
             QStringLiteral("Holiday plans"));
    QCOMPARE(m_model->index(0).data(SessionsModel::UntitledRole).toBool(), false);
    QVERIFY(!changed.isEmpty());
    // The server has it: another client sees the new title.
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + id).json().value("title").toString(),
             QStringLiteral("Holiday plans"));
    // A later first message does not replace a title the user chose.
    runTurn(id, QStringLiteral("Book the train"));
    QVERIFY(refreshed(*m_model));
    QCOMPARE(m_model->index(0).data(SessionsModel::TitleRole).toString(),
             QStringLiteral("Holiday plans"));

    // Refused titles are said, and nothing is sent.
    QSignalSpy errors(m_model.get(), &SessionsModel::errorOccurred);
    m_model->rename(id, QStringLiteral("   "));
    m_model->rename(id, QString(201, 'x'));
    QCOMPARE(errors.size(), 2);
    QCOMPARE(errors.first().first().toString(), QStringLiteral("A title has 1 to 200 characters"));

    // An unknown session: the server's answer is said.
    m_model->rename(QStringLiteral("no-such-session"), QStringLiteral("x"));
    QVERIFY(errors.wait(10000));
    QVERIFY2(errors.last().first().toString().startsWith(
                     QStringLiteral("Could not rename the session: ")),
             qPrintable(errors.last().first().toString()));
}

void tst_SessionsModel::removeWithUndo()
{
    const QString id = runTurn({}, QStringLiteral("Keep me"));
    runTurn({}, QStringLiteral("Other"));
    QVERIFY(refreshed(*m_model));
    QCOMPARE(m_model->count(), 2);
    QSignalSpy pending(m_model.get(), &SessionsModel::pendingRemovalChanged);

    m_model->remove(id);
    // Hidden at once, and the UI text says it can be undone.
    QCOMPARE(m_model->count(), 1);
    QCOMPARE(m_model->rowOf(id), -1);
    QVERIFY(m_model->canUndo());
    QCOMPARE(m_model->pendingRemovalId(), id);
    QCOMPARE(m_model->undoText(), QStringLiteral("Deleted \u201cKeep me\u201d. Undo within 5 s."));
    // A refresh meanwhile does not bring it back, and the server still has it.
    QVERIFY(refreshed(*m_model));
    QCOMPARE(m_model->rowOf(id), -1);
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + id).status, 200);

    QTest::qWait(1000);
    QVERIFY(m_model->undoRemove());
    QCOMPARE(m_model->count(), 2);
    QVERIFY(m_model->rowOf(id) >= 0);
    QVERIFY(!m_model->canUndo());
    QCOMPARE(m_model->undoText(), QString());
    QVERIFY(!m_model->undoRemove());
    // Past the 5 s it is still there: undone means not deleted.
    QTest::qWait(4500);
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + id).status, 200);
    QVERIFY(refreshed(*m_model));
    QCOMPARE(m_model->count(), 2);
    QVERIFY(pending.size() >= 2);
}

void tst_SessionsModel::removeWithoutUndoDeletes()
{
    const QString a = runTurn({}, QStringLiteral("First"));
    const QString b = runTurn({}, QStringLiteral("Second"));
    QVERIFY(refreshed(*m_model));
    QSignalSpy removed(m_model.get(), &SessionsModel::removed);

    QElapsedTimer clock;
    clock.start();
    m_model->remove(a);
    QVERIFY(removed.wait(10000));
    // Not before the undo time ran out.
    QVERIFY2(clock.elapsed() >= 4900, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(removed.first().first().toString(), a);
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + a).status, 404);
    QVERIFY(!m_model->canUndo());

    // A second removal while one waits carries out the first at once.
    m_model->setUndoDelay(60000);
    const QString c = runTurn({}, QStringLiteral("Third"));
    QVERIFY(refreshed(*m_model));
    m_model->remove(b);
    m_model->remove(c);
    QVERIFY(removed.wait(10000));
    QCOMPARE(removed.last().first().toString(), b);
    QCOMPARE(m_rest->get(QStringLiteral("/api/v3/sessions/") + b).status, 404);
    QCOMPARE(m_model->pendingRemovalId(), c);
    QCOMPARE(m_model->count(), 0);

    // Closing the app with a removal waiting carries it out.
    m_tester.reset();
    m_model.reset();
    QVERIFY(TestSupport::waitFor(
            [&] { return m_rest->get(QStringLiteral("/api/v3/sessions/") + c).status == 404; },
            10000));
}

void tst_SessionsModel::filterAsYouType()
{
    runTurn({}, QStringLiteral("Plan the Garden"));
    runTurn({}, QStringLiteral("Fix the bicycle"));
    runTurn({}, QStringLiteral("Garden tools to buy"));
    QVERIFY(m_rest->post(QStringLiteral("/api/v3/sessions"), {}).status == 201);
    QVERIFY(refreshed(*m_model));

    SessionFilterModel filter;
    filter.setSourceModel(m_model.get());
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(filter.count(), 4);
    QSignalSpy count(&filter, &SessionFilterModel::countChanged);

    QStringList seen;
    for (const char *typed : {"g", "ga", "gar", "GARD", "garden ", "garden pl"}) {
        filter.setFilterText(QString::fromLatin1(typed));
        seen << QString::number(filter.count());
    }
    QCOMPARE(seen, QStringList({"2", "2", "2", "2", "2", "1"})); // "g" is in "Garden" only
    QCOMPARE(filter.index(0, 0).data(SessionsModel::TitleRole).toString(),
             QStringLiteral("Plan the Garden"));
    QVERIFY(!count.isEmpty());

    // The fallback title is what is shown, so it is what matches.
    filter.setFilterText(QStringLiteral("new conv"));
    QCOMPARE(filter.count(), 1);
    filter.setFilterText(QStringLiteral("bicycle"));
    QCOMPARE(filter.count(), 1);
    const QString id = filter.sessionIdAt(0);
    QCOMPARE(m_model->index(m_model->rowOf(id)).data(SessionsModel::TitleRole).toString(),
             QStringLiteral("Fix the bicycle"));

    // A rename re-filters the row as it changes.
    QSignalSpy renamed(m_model.get(), &SessionsModel::renamed);
    m_model->rename(id, QStringLiteral("Bike repairs"));
    QVERIFY(renamed.wait(10000));
    QCOMPARE(filter.count(), 0);
    filter.setFilterText(QString());
    QCOMPARE(filter.count(), 4);
    QCOMPARE(filter.sessionIdAt(99), QString());
}

void tst_SessionsModel::unreachableServerIsSaid()
{
    ApiClient gone;
    gone.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(TestSupport::freePort())));
    SessionsModel model;
    model.setApiClient(&gone);
    QSignalSpy errors(&model, &SessionsModel::errorOccurred);
    QVERIFY(refreshed(model));
    QCOMPARE(errors.size(), 1);
    QVERIFY2(model.error().startsWith(QStringLiteral("Could not list the sessions: ")),
             qPrintable(model.error()));
    QCOMPARE(model.count(), 0);

    SessionsModel none;
    none.refresh();
    QCOMPARE(none.error(), QStringLiteral("not connected to a server"));
}

QTEST_GUILESS_MAIN(tst_SessionsModel)
#include "tst_sessionsmodel.moc"
