#pragma once

#include "memorysessionstore.h"
#include "session.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QUuid>

#include <memory>
#include <optional>

/// Test helpers over the asynchronous SessionStore: wait for one answer, and make a live
/// Session on a store.
namespace StoreTestUtil {

/// Runs the event loop until `call` answers (at most `timeoutMs`); nullopt on a timeout.
template<typename T, typename Call>
std::optional<StoreResult<T>> wait(Call call, int timeoutMs = 10000)
{
    std::optional<StoreResult<T>> out;
    call([&out](StoreResult<T> r) { out = std::move(r); });
    QDeadlineTimer deadline(timeoutMs);
    while (!out && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    return out;
}

/// A new session in `store` (id empty: a UUID) as a live Session (parented to `parent`).
inline Session *createSession(SessionStore *store, const QString &id = {},
                              QObject *parent = nullptr)
{
    SessionRecord record;
    record.id = id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : id;
    const auto created = wait<SessionRecord>(
            [&](SessionStore::Done<SessionRecord> d) { store->createSession(record, d); });
    if (!created || !created->ok())
        return nullptr;
    SessionData data;
    data.session = created->value();
    return new Session(store, data, parent);
}

/// Every stored event of a session.
inline QList<StreamEvent> events(SessionStore *store, const QString &id)
{
    const auto page = wait<EventPage>(
            [&](SessionStore::Done<EventPage> d) { store->readEvents(id, 0, 10000, d); });
    return page && page->ok() ? page->value().events : QList<StreamEvent>();
}

} // namespace StoreTestUtil
