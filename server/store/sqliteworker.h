#pragma once

#include "storetypes.h"

#include <QObject>
#include <QPointer>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

class SqliteSessionDb;

/// The thread that owns the SQLite connection. The sqlite3 C API blocks (a commit waits for
/// write(), and with `synchronous = FULL` for fsync()), so the store's thread only posts tasks
/// here, in order, and gets the completions back queued on its own event loop.
///
/// Group commit: the worker takes every task queued since its last round and runs them in one
/// transaction; their completions are delivered (in posting order) only after COMMIT. When the
/// commit fails, the whole round is rolled back and every completion of it gets the error.
class SqliteWorker
{
public:
    /// Runs on the receiver's thread; `failed` is the round's error when its commit failed.
    using Completion = std::function<void(const StoreError *failed)>;
    using Task = std::function<Completion(SqliteSessionDb &db)>;
    enum class Kind {
        InTransaction, ///< grouped with the round's other tasks in one transaction
        Alone, ///< runs outside any transaction (open, a backup step)
    };

    SqliteWorker(std::unique_ptr<SqliteSessionDb> db, QObject *receiver);
    /// Runs the tasks still queued, closes the connection and joins the thread; completions
    /// that were not delivered yet are dropped (the receiver is going away).
    ~SqliteWorker();
    SqliteWorker(const SqliteWorker &) = delete;
    SqliteWorker &operator=(const SqliteWorker &) = delete;

    /// From any thread (also from a task, which then runs in a later round).
    void post(Task task, Kind kind = Kind::InTransaction);
    /// True once the destructor started: long tasks (a backup) give up.
    [[nodiscard]] bool stopping() const;

    static constexpr int kMaxTasksPerRound = 2000;
    static constexpr int kSpinUs = 50; ///< how long an idle worker looks for new tasks first

private:
    struct Item
    {
        Task task;
        Kind kind;
    };
    void run();

    std::unique_ptr<SqliteSessionDb> m_db;
    QPointer<QObject> m_receiver;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Item> m_queue;
    std::atomic<int> m_queued {0}; ///< m_queue's size, read without the lock
    bool m_stopping = false;
    std::thread m_thread;
};
