// A process that uses a SqliteSessionStore, for tst_sqlitestore (a test helper, not a tool):
//   sqlite_store_child hold PATH     opens the store, prints "open" (or "error: …"), waits
//   sqlite_store_child append PATH   opens, creates session "crash", begins turn "t1" and
//                                    appends events without end, 32 in flight; prints
//                                    "committed SEQ" for each event the store acknowledged.
// The test kills it with SIGKILL.

#include <sqlitesessionstore.h>

#include <QCoreApplication>

#include <cstdio>

namespace {

void say(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

class Appender
{
public:
    explicit Appender(SqliteSessionStore *store)
        : m_store(store)
    { }

    void start()
    {
        SessionRecord record;
        record.id = QStringLiteral("crash");
        m_store->createSession(record, [this](StoreResult<SessionRecord> r) {
            if (!r.ok())
                return fail(r.error());
            m_store->beginTurn(QStringLiteral("crash"), QStringLiteral("t1"),
                               [this](StoreResult<Lease> lease) {
                                   if (!lease.ok())
                                       return fail(lease.error());
                                   m_lease = lease.value();
                                   say("lease");
                                   for (int i = 0; i < 32; ++i)
                                       next();
                               });
        });
    }

private:
    void fail(const StoreError &error)
    {
        say("error: " + error.message.toUtf8());
        QCoreApplication::exit(1);
    }

    void next()
    {
        const qint64 n = ++m_posted;
        const StreamEvent event = StreamEvent::make(
                StreamEventType::PartialResponse,
                {{QStringLiteral("n"), n},
                 {QStringLiteral("content"), QStringLiteral("x").repeated(200)}},
                QStringLiteral("t1"));
        m_store->appendEvent(m_lease, event, [this](StoreResult<StreamEvent> r) {
            if (!r.ok())
                return fail(r.error());
            say("committed " + QByteArray::number(r.value().seq));
            next();
        });
    }

    SqliteSessionStore *m_store;
    Lease m_lease;
    qint64 m_posted = 0;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 3
        || (args.at(1) != QLatin1String("hold") && args.at(1) != QLatin1String("append"))) {
        std::fprintf(stderr, "usage: sqlite_store_child hold|append PATH\n");
        return 2;
    }
    SqliteSessionStore store(args.at(2));
    Appender appender(&store);
    const bool append = args.at(1) == QLatin1String("append");
    store.open([&](StoreResult<bool> r) {
        if (!r.ok()) {
            say("error: " + r.error().message.toUtf8());
            QCoreApplication::exit(1);
            return;
        }
        say("open");
        if (append)
            appender.start();
    });
    return app.exec();
}
