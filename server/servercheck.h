#pragma once

#include "hostconfig.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <functional>

class ServerRegistry;

/// Checks the MCP servers of a config: starts every one once (no restarts), and reports for
/// each its state, transport, protocol version, capabilities and tool/resource/prompt counts,
/// or why it failed with the tail of its stderr; then stops them. `mcp-hostd doctor` prints
/// the report.
class ServerCheck : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerCheck)

public:
    explicit ServerCheck(HostConfig config, QObject *parent = nullptr);
    ~ServerCheck() override;

    /// Runs the checks; `done` gets the report and the exit code (0: every enabled server
    /// ready, 1: some failed, 2: the config has errors and nothing was started).
    void run(std::function<void(const QJsonObject &report, int exitCode)> done);

private:
    void collect();
    void finish();

    HostConfig m_config;
    ServerRegistry *m_registry = nullptr;
    QJsonObject m_report;
    QHash<QString, QJsonObject> m_details;
    int m_outstanding = 0;
    std::function<void(const QJsonObject &, int)> m_done;
};
