#pragma once

#include "toolinvoker.h"

#include <QPointer>

class ServerRegistry;

/// ToolInvoker over the ServerRegistry: its catalog, its connections' clients.
class RegistryToolInvoker : public ToolInvoker
{
public:
    /// `registry` is not owned; when it is gone, there are no tools.
    explicit RegistryToolInvoker(ServerRegistry *registry);

    [[nodiscard]] QList<ToolDefinition> toolDefinitions() const override;
    [[nodiscard]] std::optional<ResolvedTool> resolve(const QString &name) const override;
    std::optional<qint64> call(const QString &server, const QString &tool,
                               const QJsonObject &arguments, ResultHandler onResult,
                               ProgressHandler onProgress, int timeoutMs, QObject *context,
                               QString *whyNot) override;
    void cancel(const QString &server, qint64 requestId, const QString &reason) override;
    [[nodiscard]] QList<ServerInstructions> instructions() const override;

private:
    QPointer<ServerRegistry> m_registry;
};
