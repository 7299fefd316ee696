#pragma once

#include "hostconfig.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

class ServerCheck;

/// `mcp-hostd doctor`: runs the core's ServerCheck on the config (every configured server
/// started once, its state, transport, protocol version, capabilities and tool/resource/prompt
/// counts, or why it failed with the tail of its stderr) and formats its report.
class Doctor : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Doctor)

public:
    explicit Doctor(HostConfig config, QObject *parent = nullptr);
    ~Doctor() override;

    /// Runs the checks; `done` gets the report and the exit code (0: every enabled server ready).
    void run(std::function<void(const QJsonObject &report, int exitCode)> done);

    /// The report as readable text.
    [[nodiscard]] static QString formatText(const QJsonObject &report);

private:
    ServerCheck *m_check;
};
