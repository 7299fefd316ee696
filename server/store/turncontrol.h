#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>

#include <functional>

/// A request for a running turn: what POST /api/v3/chat/cancel, /approve and /elicit ask of it.
struct TurnCommand
{
    enum class Kind { Cancel, Approve, Elicit };
    Kind kind = Kind::Cancel;
    QString sessionId;
    QString turnId; ///< the turn it is for (the store's running turn of the session)
    QString requestId; ///< approve: the call id; elicit: the elicitation's request id
    bool approved = false; ///< approve
    QString scope; ///< approve: "once", "session", "tool" or "server"
    QString action; ///< elicit: "accept", "decline" or "cancel"
    QJsonObject content; ///< elicit: the answer's content
};

/// How a TurnCommand went.
struct TurnCommandReply
{
    enum class Outcome {
        Ok,
        NotHere, ///< the turn does not run here (the owner side: no answer is sent)
        NoTurn, ///< the turn is no longer running
        UnknownRequest, ///< nothing with that id waits for an answer
        BadAction,
        BadScope,
        TooLarge, ///< the command is over the size a control message may have
        Unreachable, ///< no answer from the turn's instance in time
        Unavailable, ///< the control channel (its store) cannot be reached now
    };
    Outcome outcome = Outcome::Ok;
    /// Approve: the server and tool of the call answered (the asking instance remembers a
    /// scope past "once" as well; a sampling request has an empty tool).
    QString server;
    QString tool;
};

/// Reaches the instance that runs a turn (many instances on one store): the asking side
/// send()s a command for a turn that runs elsewhere; the owning side's handler applies it to
/// its local turn. Stores of one instance (memory, SQLite) have none: every turn is local.
class TurnControl : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TurnControl)

public:
    /// Applies a command to a local turn; NotHere when that turn does not run here.
    using Handler = std::function<TurnCommandReply(const TurnCommand &)>;
    using Done = std::function<void(const TurnCommandReply &)>;

    explicit TurnControl(QObject *parent = nullptr)
        : QObject(parent)
    { }
    ~TurnControl() override = default;

    void setHandler(Handler handler) { m_handler = std::move(handler); }
    virtual void start() = 0;
    /// Sends `command` to the instance that runs its turn; `done` gets that instance's answer,
    /// Unreachable after the bounded wait, or Unavailable; never inside the call.
    virtual void send(const TurnCommand &command, Done done) = 0;

protected:
    [[nodiscard]] TurnCommandReply handle(const TurnCommand &command) const
    {
        return m_handler ? m_handler(command)
                         : TurnCommandReply {TurnCommandReply::Outcome::NotHere, {}, {}};
    }

private:
    Handler m_handler;
};
