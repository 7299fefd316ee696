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
    }
    return {ApiError::Code::InvalidField, message};
}

ApiError fromSessions(const SessionService &sessions, SessionService::CreateError error)
{
    const QString message = sessions.errorMessage(error);
    switch (error) {
    case SessionService::CreateError::IdTaken:
        return {ApiError::Code::SessionExists, message};
    case SessionService::CreateError::Full:
        return {ApiError::Code::TooManySessions, message};
    }
    return {ApiError::Code::SessionExists, message};
}

} // namespace CoreErrors
