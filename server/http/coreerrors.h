#pragma once

#include "apierror.h"
#include "chatservice.h"

/// The core's typed errors as API errors: the one translation of each core enum.
namespace CoreErrors {

[[nodiscard]] ApiError fromChat(ChatService::Error error);

} // namespace CoreErrors
