#pragma once

#include "chatmodel.h"
#include "sessionstore.h"
#include "streamevent.h"

#include <QList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

/// A session while a turn works on it: its messages (the model's context) as loaded from the
/// store, the lease of the running turn, and the writes of the turn, which go to the store in
/// order. It holds no event log: events are committed to the store, which is the truth.
///
/// beginTurn() takes the store's lease for a turn (another instance or caller holding it:
/// Busy). While the turn runs, append() and appendMessage() send its writes with the lease;
/// eventAppended() reports each event once the store committed it (with its seq), in order.
/// A write the store refuses (the lease was lost, the store stayed unavailable) is reported
/// once by writeFailed(); the turn must stop, as nothing more of it can be stored. endTurn()
/// closes the turn and calls back once every write before it is settled. While a turn runs the
/// lease is renewed every kRenewMs (a store whose leases expire, Redis, needs it).
class Session : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Session)

public:
    /// `store` must outlive the session; `data` as the store loaded it.
    Session(SessionStore *store, SessionData data, QObject *parent = nullptr);
    ~Session() override;

    [[nodiscard]] const QString &id() const { return m_data.session.id; }
    [[nodiscard]] const SessionRecord &record() const { return m_data.session; }
    [[nodiscard]] const QList<ChatMessage> &messages() const { return m_data.messages; }
    /// The seq of the last event the store committed for this session that this session saw.
    [[nodiscard]] qint64 lastSeq() const { return m_data.session.lastSeq; }

    [[nodiscard]] bool isBusy() const { return !m_lease.turnId.isEmpty(); }
    [[nodiscard]] const QString &turnId() const { return m_lease.turnId; }
    [[nodiscard]] const Lease &lease() const { return m_lease; }

    using TurnDone = std::function<void(std::optional<StoreError>)>;
    /// Takes the lease for turn `turnId`; `done` gets nullopt when the turn may run. Refused
    /// at once (Busy) while this session runs a turn.
    void beginTurn(const QString &turnId, TurnDone done);
    /// Closes the running turn as `turn` says (state, iterations); `done` runs when every write
    /// of the turn is settled. No-op (done at once, later) without a turn.
    void endTurn(const TurnRecord &turn, std::function<void()> done);

    /// Stores `event` (the turn's lease, or fence 0 outside a turn); ts is set now.
    void append(StreamEvent event);
    void appendMessage(const ChatMessage &message);

    static constexpr int kRenewMs = 3000;

Q_SIGNALS:
    /// The store committed one of this session's events (with its seq and ts).
    void eventAppended(const StreamEvent &event);
    /// The store refused a write of the running turn; emitted once per turn.
    void writeFailed(const StoreError &error);
    void busyChanged(bool busy);

private:
    /// Runs `done` once the writes sent before it are settled (the store answers in order).
    void afterPending(std::function<void()> done);
    void settle();
    void fail(const StoreError &error);
    void renew();

    SessionStore *m_store;
    SessionData m_data;
    Lease m_lease;
    int m_pending = 0; ///< writes sent and not yet answered
    QList<std::function<void()>> m_whenSettled;
    bool m_failed = false;
    QTimer m_renew;
};
