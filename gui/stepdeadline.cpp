#include "stepdeadline.h"

#include "streamevent.h"

#include <QDateTime>
#include <QJsonValue>

#include <algorithm>
#include <cmath>

qint64 StepDeadline::read(const QJsonObject &data, QLatin1String timeoutKey, qint64 at)
{
    if (at <= 0)
        return 0;
    qint64 best = 0;
    const QJsonValue timeout = data.value(timeoutKey);
    if (timeout.isDouble()) {
        const double ms = timeout.toDouble();
        if (std::isfinite(ms) && ms >= 0 && ms <= double(kMaxTimeoutMs))
            best = at + qint64(ms);
    }
    const QJsonValue deadline = data.value(QLatin1String("deadline"));
    if (deadline.isString() && deadline.toString().size() <= 64) {
        const QDateTime when = StreamEvent::parseTimestamp(deadline.toString());
        if (when.isValid()) {
            const qint64 ms = when.toMSecsSinceEpoch();
            if (ms >= at - kMaxEarlyMs && ms <= at + kMaxTimeoutMs) {
                const qint64 due = std::max(at, ms);
                best = best > 0 ? std::min(best, due) : due;
            }
        }
    }
    return best;
}
