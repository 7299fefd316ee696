#pragma once

#include "streamevent.h"

/// The event that closes a turn whose owner is gone (the process was killed, or its lease
/// expired): an `error` with code `turn_interrupted`. Every store appends this one.
namespace InterruptedTurn {
[[nodiscard]] StreamEvent event(const QString &turnId, const QString &why);
}
