#include "sqliteworker.h"

#include "sqlitesessiondb.h"

#include <QList>
#include <QMetaObject>

#include <chrono>

SqliteWorker::SqliteWorker(std::unique_ptr<SqliteSessionDb> db, QObject *receiver)
    : m_db(std::move(db))
    , m_receiver(receiver)
    , m_thread([this] { run(); })
{ }

SqliteWorker::~SqliteWorker()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
}

void SqliteWorker::post(Task task, Kind kind)
{
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back({std::move(task), kind});
        m_queued.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_one();
}

bool SqliteWorker::stopping() const
{
    std::lock_guard lock(m_mutex);
    return m_stopping;
}

void SqliteWorker::run()
{
    for (;;) {
        std::deque<Item> round;
        // A turn posts its next event as soon as the last one is acknowledged: look again for
        // a moment (yielding the core) before sleeping, which saves a thread wake-up per event.
        const auto spinUntil
                = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinUs);
        while (m_queued.load(std::memory_order_acquire) == 0
               && std::chrono::steady_clock::now() < spinUntil)
            std::this_thread::yield();
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty())
                break; // stopping, and nothing left to write
            while (!m_queue.empty() && round.size() < size_t(kMaxTasksPerRound)) {
                round.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
                m_queued.fetch_sub(1, std::memory_order_release);
            }
        }

        QList<std::function<void()>> ready; // in posting order
        QList<Completion> pending; // of the open transaction
        bool inTransaction = false;
        const auto endTransaction = [&] {
            if (!inTransaction)
                return;
            inTransaction = false;
            const auto committed = m_db->commit();
            std::optional<StoreError> error;
            if (!committed.ok()) {
                error = committed.error();
                m_db->rollback();
            }
            for (Completion &c : pending)
                ready.append([c = std::move(c), error] { c(error ? &*error : nullptr); });
            pending.clear();
        };
        for (Item &item : round) {
            if (item.kind == Kind::Alone) {
                endTransaction();
                Completion c = item.task(*m_db);
                if (c)
                    ready.append([c = std::move(c)] { c(nullptr); });
                continue;
            }
            if (!inTransaction) {
                // When BEGIN fails (the database is not open), the tasks run on their own:
                // each answers with its own error or, unlikely, commits by itself.
                inTransaction = m_db->begin().ok();
                if (!inTransaction) {
                    if (Completion c = item.task(*m_db))
                        ready.append([c = std::move(c)] { c(nullptr); });
                    continue;
                }
            }
            if (Completion c = item.task(*m_db))
                pending.append(std::move(c));
        }
        endTransaction();
        m_db->trimCache();

        if (!ready.isEmpty() && m_receiver) {
            QMetaObject::invokeMethod(
                    m_receiver.data(),
                    [ready = std::move(ready), receiver = m_receiver]() {
                        for (const auto &f : ready) {
                            if (!receiver)
                                return; // a completion destroyed the store
                            f();
                        }
                    },
                    Qt::QueuedConnection);
        }
    }
}
