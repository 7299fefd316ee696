#include "answerdeadline.h"

#include "streamevent.h"

#include <QDateTime>

#include <algorithm>

void AnswerDeadline::addTo(QJsonObject *data, QLatin1String timeoutKey, int timeoutMs)
{
    const int ms = std::max(0, timeoutMs);
    data->insert(timeoutKey, ms);
    data->insert(QLatin1String("deadline"),
                 StreamEvent::formatTimestamp(QDateTime::currentDateTimeUtc().addMSecs(ms)));
}
