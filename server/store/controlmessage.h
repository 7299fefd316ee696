#pragma once

#include "turncontrol.h"

#include <QByteArray>
#include <QString>

#include <optional>

/// The wire form of the control channel's messages (RedisTurnControl): compact JSON, version 1.
/// - a request  {"v":1,"type":"request","rid","from","op","session","turn","id","approved",
///               "scope","action","content"}
/// - a reply    {"v":1,"type":"reply","rid","outcome","server","tool"}
/// They come from the network: decode() takes only a message within kMaxBytes whose every
/// field has its type and bounds (ids of the shapes the host makes), and nothing else. No
/// secret is ever in one (ids, names, the user's answer to an elicitation).
namespace ControlMessage {

constexpr qsizetype kMaxBytes = 1024 * 1024;

struct Request
{
    QString rid; ///< the request's id, unique per asking instance
    QString from; ///< the asking instance's id (its reply channel)
    TurnCommand command;
};
struct Reply
{
    QString rid;
    TurnCommandReply reply;
};

[[nodiscard]] QByteArray encode(const Request &request);
[[nodiscard]] QByteArray encode(const Reply &reply);
/// Null (and `*why`) for anything but a well-formed request.
[[nodiscard]] std::optional<Request> decodeRequest(const QByteArray &bytes, QString *why);
[[nodiscard]] std::optional<Reply> decodeReply(const QByteArray &bytes, QString *why);
/// An instance id or request id: 1 to 64 of [0-9a-z-].
[[nodiscard]] bool validId(const QString &id);

} // namespace ControlMessage
