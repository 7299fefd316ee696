#include "storetypes.h"

namespace {
const char *const kTurnStates[]
        = {"running", "answered", "max_iterations", "cancelled", "failed", "interrupted"};
}

QString turnStateName(TurnState state)
{
    return QLatin1String(kTurnStates[int(state)]);
}

std::optional<TurnState> turnStateFromName(const QString &name)
{
    for (int i = 0; i < 6; ++i) {
        if (name == QLatin1String(kTurnStates[i]))
            return TurnState(i);
    }
    return std::nullopt;
}
