#include "coreerrors.h"

namespace CoreErrors {

ApiError fromChat(ChatService::Error error)
{
    const QString message = ChatService::errorMessage(error);
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
    }
    return {ApiError::Code::InvalidField, message};
}

} // namespace CoreErrors
