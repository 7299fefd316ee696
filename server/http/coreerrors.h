#pragma once

#include "apierror.h"
#include "chatservice.h"
#include "sessionservice.h"

/// The core's typed errors as API errors: the one translation of each core enum (the
/// messages come from the core, which knows the limits they name).
namespace CoreErrors {

[[nodiscard]] ApiError fromChat(const ChatService &chat, ChatService::Error error);
[[nodiscard]] ApiError fromSessions(const SessionService &sessions,
                                    SessionService::CreateError error);

} // namespace CoreErrors
