// Export and import in the desktop app (SessionArchiveController through App, against the real
// in-process server with the built-in offline model and the default SQLite store): a session
// exported to a file is the server's document (JSON with the session's messages; Markdown with
// the user's message), importing it back adds a new session with the same messages to the
// sidebar and selects it, and a malformed, an empty or a too-big file is refused with a clear
// message (the server's own words for what it refuses) and adds nothing.
#include "guitestsupport.h"

#include <app.h>
#include <localserver.h>

#include <QAbstractItemModelTester>
#include <QDir>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

class tst_SessionArchive : public QObject
{
    Q_OBJECT

private:
    GuiTest::Reply api(const QByteArray &method, const QString &path, const QByteArray &body = {})
    {
        return GuiTest::request(m_nam, method, m_app->localServer()->url().resolved(QUrl(path)),
                                m_app->localServer()->token(), body);
    }
    [[nodiscard]] QStringList sessionIds() const
    {
        QStringList out;
        SessionsModel *sessions = m_app->sessions();
        for (int row = 0; row < sessions->rowCount(); ++row)
            out << sessions->sessionIdAt(row);
        return out;
    }
    /// The messages of a session as the server keeps them.
    QJsonArray messagesOf(const QString &id)
    {
        return api("GET", QStringLiteral("/api/v3/sessions/") + id)
                .json.value("messages")
                .toArray();
    }
    [[nodiscard]] QStringList steps() const
    {
        QStringList out;
        TimelineModel *timeline = m_app->timeline();
        for (int row = 0; row < timeline->rowCount(); ++row) {
            const QModelIndex i = timeline->index(row);
            out << timeline->data(i, TimelineModel::KindRole).toString() + QLatin1Char(':')
                            + timeline->data(i, TimelineModel::StatusRole).toString()
                            + QLatin1Char(':')
                            + timeline->data(i, TimelineModel::TextRole).toString();
        }
        return out;
    }
    [[nodiscard]] static QByteArray read(const QString &path)
    {
        QFile file(path);
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
    [[nodiscard]] QUrl file(const QString &name) const
    {
        return QUrl::fromLocalFile(m_dir.filePath(name));
    }
    /// Refused before or by the server: the message, and no session more than before.
    void expectRefused(const QUrl &url, const QString &expected)
    {
        SessionArchiveController *archive = m_app->archive();
        const QStringList before = sessionIds();
        QSignalSpy failed(archive, &SessionArchiveController::failed);
        QSignalSpy imported(archive, &SessionArchiveController::imported);
        archive->importSession(url);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
        QVERIFY2(archive->errorText().contains(expected),
                 qPrintable(archive->errorText() + " / expected: " + expected));
        QCOMPARE(failed.at(0).at(0).toString(), archive->errorText());
        QVERIFY(!archive->busy());
        QCOMPARE(imported.count(), 0);
        // Nothing was added, on the server either.
        QSignalSpy loading(m_app->sessions(), &SessionsModel::loadingChanged);
        m_app->sessions()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(loading.count() >= 2 && !m_app->sessions()->loading(), 10000);
        QCOMPARE(sessionIds(), before);
    }

private Q_SLOTS:
    void initTestCase()
    {
        GuiTest::clearHostEnvironment();
        QVERIFY(m_dir.isValid());
        // A store of this test's own, empty at the start.
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.filePath(QStringLiteral("data"))));
        m_config = GuiTest::writeConfig(m_dir, QJsonObject {{"mcpServers", QJsonObject {}}});
        m_app = std::make_unique<App>(nullptr, m_dir.filePath(QStringLiteral("tokens")));
        new QAbstractItemModelTester(m_app->sessions(),
                                     QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     m_app.get());
        LocalServer::Options options;
        options.configPath = m_config;
        options.provider = QStringLiteral("offline");
        m_app->connection()->setLocalOptions(options);
        m_app->connection()->useLocal();
        QTRY_COMPARE_WITH_TIMEOUT(m_app->connection()->state(), QStringLiteral("connected"), 20000);

        // One session with one turn.
        ConversationController *conversation = m_app->conversation();
        conversation->newSession();
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->sessionId().isEmpty()
                                         && conversation->streamState() == QLatin1String("open"),
                                 10000);
        m_session = conversation->sessionId();
        conversation->send(kMessage);
        QTRY_VERIFY_WITH_TIMEOUT(conversation->busy(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!conversation->busy(), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(sessionIds() == QStringList {m_session}, 10000);
        QVERIFY(messagesOf(m_session).size() >= 2);
    }

    void exportJsonIsTheServersDocument()
    {
        SessionArchiveController *archive = m_app->archive();
        QSignalSpy exported(archive, &SessionArchiveController::exported);
        const QUrl url = file(QStringLiteral("session.json"));
        QVERIFY(archive->exportSession(m_session, url, QStringLiteral("json")));
        QVERIFY(archive->busy());
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);
        QVERIFY(!archive->busy());
        QVERIFY2(archive->errorText().isEmpty(), qPrintable(archive->errorText()));
        QVERIFY2(archive->statusText().contains(url.toLocalFile()),
                 qPrintable(archive->statusText()));

        const QByteArray bytes = read(url.toLocalFile());
        QCOMPARE(exported.at(0).at(2).toLongLong(), qint64(bytes.size()));
        QJsonParseError error {};
        QJsonObject document = QJsonDocument::fromJson(bytes, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(document.value("format").toString(), QStringLiteral("mcp-host-session"));
        QCOMPARE(document.value("session").toObject().value("id").toString(), m_session);
        QCOMPARE(document.value("messages").toArray(), messagesOf(m_session));
        QCOMPARE(document.value("messages").toArray().at(0).toObject().value("content").toString(),
                 kMessage);
        // The same document the API gives (but for the time of the export).
        QJsonObject fromServer
                = api("GET", QStringLiteral("/api/v3/sessions/%1/export").arg(m_session)).json;
        document.remove("exported");
        fromServer.remove("exported");
        QCOMPARE(document, fromServer);
    }

    void exportMarkdownHasTheConversation()
    {
        SessionArchiveController *archive = m_app->archive();
        QSignalSpy exported(archive, &SessionArchiveController::exported);
        const QUrl url = file(QStringLiteral("session.md"));
        QVERIFY(archive->exportSession(m_session, url, QStringLiteral("markdown")));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 20000);
        const QString text = QString::fromUtf8(read(url.toLocalFile()));
        QVERIFY2(text.contains(kMessage), qPrintable(text.left(2000)));
        QVERIFY2(text.startsWith(QLatin1Char('#')), qPrintable(text.left(200)));
    }

    // An unknown session: the server's words, and no file is left behind.
    void exportFailureLeavesNoFile()
    {
        SessionArchiveController *archive = m_app->archive();
        QSignalSpy failed(archive, &SessionArchiveController::failed);
        const QUrl url = file(QStringLiteral("missing.json"));
        QVERIFY(archive->exportSession(QStringLiteral("no-such-session"), url,
                                       QStringLiteral("json")));
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 20000);
        const QString said = api("GET", QStringLiteral("/api/v3/sessions/no-such-session/export"))
                                     .json.value("error")
                                     .toObject()
                                     .value("message")
                                     .toString();
        QVERIFY(!said.isEmpty());
        QVERIFY2(archive->errorText().contains(said), qPrintable(archive->errorText()));
        QVERIFY(!QFile::exists(url.toLocalFile()));
        QVERIFY(QDir(m_dir.path()).entryList({QStringLiteral("missing*")}, QDir::Files).isEmpty());
    }

    void importAddsAndSelectsTheSession()
    {
        const QUrl url = file(QStringLiteral("session.json"));
        QVERIFY(QFile::exists(url.toLocalFile()));
        // The original's steps as the timeline shows them.
        QCOMPARE(m_app->conversation()->sessionId(), m_session);
        QTRY_VERIFY_WITH_TIMEOUT(steps().join('\n').contains("answer:"), 10000);
        const QStringList original = steps();
        SessionArchiveController *archive = m_app->archive();
        QSignalSpy imported(archive, &SessionArchiveController::imported);
        QVERIFY(archive->importSession(url));
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, 20000);
        const QString id = imported.at(0).at(0).toString();
        QVERIFY(!id.isEmpty());
        QVERIFY(id != m_session);
        QVERIFY2(archive->errorText().isEmpty(), qPrintable(archive->errorText()));
        // The sidebar shows it at once, with its title and turn, and it is the open session.
        SessionsModel *sessions = m_app->sessions();
        const int row = sessions->rowOf(id);
        QVERIFY(row >= 0);
        QCOMPARE(sessions->data(sessions->index(row), SessionsModel::TurnCountRole).toInt(), 1);
        QCOMPARE(sessions->data(sessions->index(row), SessionsModel::TitleRole).toString(),
                 sessions->data(sessions->index(sessions->rowOf(m_session)),
                                SessionsModel::TitleRole)
                         .toString());
        QCOMPARE(m_app->conversation()->sessionId(), id);
        // The same conversation and steps.
        QTRY_COMPARE_WITH_TIMEOUT(steps(), original, 10000);
        const QModelIndex first = m_app->timeline()->index(0);
        QCOMPARE(m_app->timeline()->data(first, TimelineModel::KindRole).toString(),
                 QStringLiteral("user"));
        QCOMPARE(m_app->timeline()->data(first, TimelineModel::TextRole).toString(), kMessage);
        // The same messages on the server; a refresh still lists both.
        QCOMPARE(messagesOf(id), messagesOf(m_session));
        QSignalSpy loading(sessions, &SessionsModel::loadingChanged);
        sessions->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(loading.count() >= 2 && !sessions->loading(), 10000);
        QCOMPARE(sessionIds().size(), 2);
        QVERIFY(sessionIds().contains(id));
    }

    // A file that is not a session document: the server's message as it gave it.
    void malformedFileIsRefusedWithTheServersWords()
    {
        QByteArray document = read(m_dir.filePath(QStringLiteral("session.json")));
        QVERIFY(!document.isEmpty());
        QJsonObject broken = QJsonDocument::fromJson(document).object();
        broken.insert("version", 99);
        const QByteArray bytes = QJsonDocument(broken).toJson();
        const QString path = m_dir.filePath(QStringLiteral("broken.json"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes);
        out.close();
        const GuiTest::Reply refused
                = api("POST", QStringLiteral("/api/v3/sessions/import"), bytes);
        QCOMPARE(refused.status, 400);
        const QString said = refused.json.value("error").toObject().value("message").toString();
        QVERIFY2(said.contains("version"), qPrintable(said));
        const int before = int(sessionIds().size());
        expectRefused(QUrl::fromLocalFile(path), said);
        QCOMPARE(int(sessionIds().size()), before);

        // Not JSON at all (say, the Markdown export).
        expectRefused(file(QStringLiteral("session.md")), QStringLiteral("Not imported: "));
        QCOMPARE(int(sessionIds().size()), before);
    }

    // Over the cap: refused before a byte is sent, the sizes named; an empty file too.
    void tooBigAndEmptyFilesAreRefused()
    {
        const QString big = m_dir.filePath(QStringLiteral("big.json"));
        QFile out(big);
        QVERIFY(out.open(QIODevice::WriteOnly));
        // A sparse file past the server's cap: its size is all that is looked at.
        QVERIFY(out.resize(ApiClient::kMaxImportBytes + 1));
        out.close();
        const int before = int(sessionIds().size());
        expectRefused(QUrl::fromLocalFile(big), QStringLiteral("at most 64.0 MiB"));
        QVERIFY2(m_app->archive()->errorText().contains(QStringLiteral("big.json")),
                 qPrintable(m_app->archive()->errorText()));

        const QString empty = m_dir.filePath(QStringLiteral("empty.json"));
        QFile none(empty);
        QVERIFY(none.open(QIODevice::WriteOnly));
        none.close();
        expectRefused(QUrl::fromLocalFile(empty), QStringLiteral("is empty"));
        expectRefused(file(QStringLiteral("not-there.json")), QStringLiteral("does not exist"));
        QCOMPARE(int(sessionIds().size()), before);
        QCOMPARE(api("GET", QStringLiteral("/api/v3/sessions"))
                         .json.value("sessions")
                         .toArray()
                         .size(),
                 before);
    }

    void cleanupTestCase()
    {
        if (!m_app)
            return;
        bool done = false;
        m_app->connection()->shutdown([&done] { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        m_app.reset();
    }

private:
    const QString kMessage = QStringLiteral("Keep this for the archive");
    QTemporaryDir m_dir;
    QString m_config;
    QString m_session;
    QNetworkAccessManager m_nam;
    std::unique_ptr<App> m_app;
};

QTEST_MAIN(tst_SessionArchive)
#include "tst_sessionarchive.moc"
