#include "transcriptplayer.h"

#include "streamevent.h"
#include "timelinemodel.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

int TranscriptPlayer::play(TimelineModel *model, const QString &name, int maxEvents) const
{
    if (!model)
        return -1;
    QFile file(QStringLiteral(MCPHOST_SOURCE_DIR "/tests/data/") + name + QStringLiteral(".jsonl"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    int applied = 0;
    while (!file.atEnd() && (maxEvents < 0 || applied < maxEvents)) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const auto event = StreamEvent::fromJson(QJsonDocument::fromJson(line).object());
        if (!event)
            return -1;
        model->applyEvent(*event);
        ++applied;
    }
    model->flush();
    return applied;
}
