#pragma once

#include "apierror.h"
#include "chatservice.h"
#include "serverservice.h"
#include "sessionservice.h"

/// The core's typed errors as API errors: the one translation of each core enum (the
/// messages come from the core, which knows the limits they name).
namespace CoreErrors {

[[nodiscard]] ApiError fromChat(const ChatService &chat, ChatService::Error error);
/// A store error of a call that named a session (NotFound: unknown_session).
[[nodiscard]] ApiError fromStore(const StoreError &error);
/// `name`: the server the request named.
[[nodiscard]] ApiError fromServers(ServerService::Error error, const QString &name);

} // namespace CoreErrors
