// TokenStore where no secret service runs (as in CI): the 0600 file with a visible warning,
// a round trip, and a file others can read refused.
#include <tokenstore.h>

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

namespace {
struct Outcome
{
    bool called = false;
    TokenStore::Result result;
};

TokenStore::Callback into(Outcome *outcome)
{
    return [outcome](const TokenStore::Result &r) {
        outcome->called = true;
        outcome->result = r;
    };
}

int modeOf(const QString &path)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 0777);
}
} // namespace

class tst_TokenStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_store = std::make_unique<TokenStore>(m_dir->path());
        m_store->setService(QStringLiteral("mcp-host-test"));
    }

    void fileFallbackRoundTrip()
    {
        QSignalSpy changed(m_store.get(), &TokenStore::storageChanged);
        QCOMPARE(m_store->storage(), TokenStore::Storage::None);
        Outcome saved;
        m_store->save(QStringLiteral("http://a.example:8765"), QStringLiteral("token-a"), this,
                      into(&saved));
        QTRY_VERIFY_WITH_TIMEOUT(saved.called, 20000);
        QVERIFY2(saved.result.error.isEmpty(), qPrintable(saved.result.error));
        if (m_store->storage() == TokenStore::Storage::Keychain)
            QSKIP("a system keychain serves on this machine: the file fallback is not used");

        QCOMPARE(m_store->storage(), TokenStore::Storage::File);
        QCOMPARE(changed.count(), 1);
        // The user is told, and told where.
        QVERIFY(m_store->warning().contains(QStringLiteral("keychain")));
        QVERIFY(m_store->warning().contains(m_store->fallbackPath()));
        QVERIFY(QFile::exists(m_store->fallbackPath()));
        QCOMPARE(modeOf(m_store->fallbackPath()), 0600);

        Outcome second;
        m_store->save(QStringLiteral("http://b.example:8765"), QStringLiteral("token-b"), this,
                      into(&second));
        QTRY_VERIFY_WITH_TIMEOUT(second.called, 20000);
        QCOMPARE(modeOf(m_store->fallbackPath()), 0600);

        // A new store (a new start of the app) reads both back.
        TokenStore again(m_dir->path());
        again.setService(QStringLiteral("mcp-host-test"));
        Outcome a;
        Outcome b;
        Outcome unknown;
        again.load(QStringLiteral("http://a.example:8765"), this, into(&a));
        again.load(QStringLiteral("http://b.example:8765"), this, into(&b));
        again.load(QStringLiteral("http://c.example:8765"), this, into(&unknown));
        QTRY_VERIFY_WITH_TIMEOUT(a.called && b.called && unknown.called, 20000);
        QCOMPARE(a.result.token.value_or(QString()), QStringLiteral("token-a"));
        QCOMPARE(b.result.token.value_or(QString()), QStringLiteral("token-b"));
        QVERIFY(!unknown.result.token);
        QVERIFY(unknown.result.error.isEmpty());
        QCOMPARE(again.storage(), TokenStore::Storage::File);
        QVERIFY(!again.warning().isEmpty());

        Outcome removed;
        again.remove(QStringLiteral("http://a.example:8765"), this, into(&removed));
        QTRY_VERIFY_WITH_TIMEOUT(removed.called, 20000);
        QVERIFY2(removed.result.error.isEmpty(), qPrintable(removed.result.error));
        Outcome gone;
        Outcome kept;
        again.load(QStringLiteral("http://a.example:8765"), this, into(&gone));
        again.load(QStringLiteral("http://b.example:8765"), this, into(&kept));
        QTRY_VERIFY_WITH_TIMEOUT(gone.called && kept.called, 20000);
        QVERIFY(!gone.result.token);
        QCOMPARE(kept.result.token.value_or(QString()), QStringLiteral("token-b"));
    }

    void groupReadableFileRefused()
    {
        Outcome saved;
        m_store->save(QStringLiteral("http://a.example:8765"), QStringLiteral("token-a"), this,
                      into(&saved));
        QTRY_VERIFY_WITH_TIMEOUT(saved.called, 20000);
        if (m_store->storage() == TokenStore::Storage::Keychain)
            QSKIP("a system keychain serves on this machine: the file fallback is not used");
        QVERIFY(QFile::setPermissions(m_store->fallbackPath(),
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));
        Outcome loaded;
        m_store->load(QStringLiteral("http://a.example:8765"), this, into(&loaded));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.called, 20000);
        QVERIFY(!loaded.result.token);
        QVERIFY2(loaded.result.error.contains(QStringLiteral("chmod 600")),
                 qPrintable(loaded.result.error));
        QVERIFY(loaded.result.error.contains(QStringLiteral("0640")));
        // No secret in the message.
        QVERIFY(!loaded.result.error.contains(QStringLiteral("token-a")));
    }

    void callbackNotCalledAfterContextIsGone()
    {
        bool called = false;
        auto *context = new QObject;
        m_store->load(QStringLiteral("http://a.example:8765"), context,
                      [&called](const TokenStore::Result &) { called = true; });
        delete context;
        // A later call on the same store finishes after the first one did.
        Outcome later;
        m_store->load(QStringLiteral("http://a.example:8765"), this, into(&later));
        QTRY_VERIFY_WITH_TIMEOUT(later.called, 20000);
        QTest::qWait(50);
        QVERIFY(!called);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TokenStore> m_store;
};

QTEST_GUILESS_MAIN(tst_TokenStore)
#include "tst_tokenstore.moc"
