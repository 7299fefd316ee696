#include "interruptedturn.h"

namespace InterruptedTurn {

StreamEvent event(const QString &turnId, const QString &why)
{
    return StreamEvent::make(
            StreamEventType::Error,
            {{QStringLiteral("code"), QStringLiteral("turn_interrupted")},
             {QStringLiteral("message"),
              QStringLiteral("this turn was interrupted: %1; send the message again to go on")
                      .arg(why)},
             {QStringLiteral("retryable"), true}},
            turnId);
}

} // namespace InterruptedTurn
