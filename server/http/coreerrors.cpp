#include "coreerrors.h"

namespace CoreErrors {

ApiError fromChat(const ChatService &chat, ChatService::Error error)
{
    const QString message = chat.errorMessage(error);
    switch (error) {
    case ChatService::Error::UnknownSession:
        return {ApiError::Code::UnknownSession, message};
    case ChatService::Error::Busy:
        return {ApiError::Code::TurnRunning, message};
    case ChatService::Error::EmptyMessage:
        return {ApiError::Code::EmptyMessage, message};
    case ChatService::Error::NoTurn:
        return {ApiError::Code::NoTurn, message};
    case ChatService::Error::UnknownRequest:
        return {ApiError::Code::UnknownRequest, message};
    case ChatService::Error::BadAction:
        return {ApiError::Code::InvalidField, message};
    case ChatService::Error::TooManySessions:
        return {ApiError::Code::TooManySessions, message};
    case ChatService::Error::BadScope:
        return {ApiError::Code::InvalidField, message};
    case ChatService::Error::StoreUnavailable:
        return {ApiError::Code::StoreUnavailable, message, 2};
    case ChatService::Error::TurnUnreachable:
        return {ApiError::Code::TurnUnreachable, message, 2};
    case ChatService::Error::TooLarge:
        return {ApiError::Code::BodyTooLarge, message};
    }
    return {ApiError::Code::InvalidField, message};
}

ApiError fromStore(const StoreError &error)
{
    using C = StoreError::Code;
    switch (error.code) {
    case C::NotFound:
        return {ApiError::Code::UnknownSession,
                QStringLiteral("no session with this id (it may have expired or been deleted)")};
    case C::Conflict:
        return {ApiError::Code::SessionExists, error.message};
    case C::Busy:
        return {ApiError::Code::TurnRunning, error.message};
    case C::Full:
        return {ApiError::Code::TooManySessions, error.message};
    case C::Invalid:
        return {ApiError::Code::InvalidField, error.message};
    case C::Unavailable:
    case C::Fenced:
        return {ApiError::Code::StoreUnavailable,
                QStringLiteral("the session store cannot be reached now; try again shortly (%1)")
                        .arg(error.message),
                2};
    case C::Io:
        return {ApiError::Code::StoreFailed,
                QStringLiteral("the session store failed: %1").arg(error.message)};
    }
    return {ApiError::Code::StoreFailed, error.message};
}

ApiError fromServers(ServerService::Error error, const QString &name)
{
    const QString message = ServerService::errorMessage(error, name);
    switch (error) {
    case ServerService::Error::UnknownServer:
        return {ApiError::Code::UnknownServer, message};
    case ServerService::Error::Disabled:
        return {ApiError::Code::ServerDisabled, message};
    }
    return {ApiError::Code::UnknownServer, message};
}

} // namespace CoreErrors
