#include "doctor.h"

#include "servercheck.h"

#include <QJsonArray>

Doctor::Doctor(HostConfig config, QObject *parent)
    : QObject(parent)
    , m_check(new ServerCheck(std::move(config), this))
{ }

Doctor::~Doctor() = default;

void Doctor::run(std::function<void(const QJsonObject &, int)> done)
{
    m_check->run(std::move(done));
}

QString Doctor::formatText(const QJsonObject &report)
{
    QString out;
    const QString path = report.value(QStringLiteral("config")).toString();
    out += QStringLiteral("config: %1\n")
                   .arg(path.isEmpty() ? QStringLiteral("(none found)") : path);
    for (const QJsonValue &e : report.value(QStringLiteral("config_errors")).toArray())
        out += QStringLiteral("error: %1\n").arg(e.toString());
    const QJsonArray servers = report.value(QStringLiteral("servers")).toArray();
    if (servers.isEmpty() && !report.contains(QStringLiteral("config_errors")))
        out += QStringLiteral("no MCP servers configured\n");
    for (const QJsonValue &v : servers) {
        const QJsonObject s = v.toObject();
        const QString state = s.value(QStringLiteral("state")).toString();
        out += QStringLiteral("\n%1: %2 (%3)\n")
                       .arg(s.value(QStringLiteral("name")).toString(), state.toUpper(),
                            s.value(QStringLiteral("transport")).toString());
        if (state == QLatin1String("ready")) {
            const QJsonObject server = s.value(QStringLiteral("server")).toObject();
            out += QStringLiteral("  server:       %1 %2\n")
                           .arg(server.value(QStringLiteral("name")).toString(),
                                server.value(QStringLiteral("version")).toString());
            out += QStringLiteral("  protocol:     %1\n")
                           .arg(s.value(QStringLiteral("protocol_version")).toString());
            out += QStringLiteral("  capabilities: %1\n")
                           .arg(s.value(QStringLiteral("capabilities"))
                                        .toObject()
                                        .keys()
                                        .join(QStringLiteral(", ")));
            auto count = [&s](const char *key) {
                const QJsonValue v = s.value(QLatin1String(key));
                return v.isUndefined() ? QStringLiteral("-")
                        : v.isDouble() ? QString::number(v.toInt())
                                       : v.toString();
            };
            out += QStringLiteral("  tools:        %1\n").arg(count("tools"));
            out += QStringLiteral("  resources:    %1 (+%2 templates)\n")
                           .arg(count("resources"), count("resource_templates"));
            out += QStringLiteral("  prompts:      %1\n").arg(count("prompts"));
        } else if (state == QLatin1String("failed")) {
            out += QStringLiteral("  reason:       %1\n")
                           .arg(s.value(QStringLiteral("reason")).toString());
            const QJsonArray tail = s.value(QStringLiteral("stderr_tail")).toArray();
            if (!tail.isEmpty()) {
                out += QStringLiteral("  stderr (last %1 lines):\n").arg(tail.size());
                for (const QJsonValue &line : tail)
                    out += QStringLiteral("    %1\n").arg(line.toString());
            }
        }
    }
    if (report.contains(QStringLiteral("config_errors")))
        out += QStringLiteral("\nthe config has errors: no server was started\n");
    else if (report.value(QStringLiteral("ok")).toBool())
        out += QStringLiteral("\nall enabled servers are ready\n");
    else
        out += QStringLiteral("\nsome servers failed\n");
    return out;
}
