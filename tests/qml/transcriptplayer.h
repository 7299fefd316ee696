#pragma once

#include <QObject>
#include <QString>

class TimelineModel;

/// For the QML tests (QML: the `Transcript` singleton of module McpHostTest): feeds a recorded
/// transcript of a real run (tests/data/<name>.jsonl, one SSE event per line) into a
/// TimelineModel, as the conversation controller does with a live stream.
class TranscriptPlayer : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TranscriptPlayer)

public:
    using QObject::QObject;

    /// Applies the first `maxEvents` events (all when < 0); the number applied, -1 on a bad file.
    Q_INVOKABLE int play(TimelineModel *model, const QString &name, int maxEvents = -1) const;
};
