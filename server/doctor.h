#pragma once

#include "hostconfig.h"

#include <QJsonObject>
#include <QObject>

#include <functional>

class ServerRegistry;

/// `mcp-hostd doctor`: starts every configured server once (no restarts), and reports for each
/// its state, transport, protocol version, capabilities and tool/resource/prompt counts, or
/// why it failed with the tail of its stderr.
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
    void collect();
    void finish();

    HostConfig m_config;
    ServerRegistry *m_registry = nullptr;
    QJsonObject m_report;
    QHash<QString, QJsonObject> m_details;
    int m_outstanding = 0;
    std::function<void(const QJsonObject &, int)> m_done;
};
