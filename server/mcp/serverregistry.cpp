#include "serverregistry.h"

#include "logging.h"

#include <QRegularExpression>

namespace {
QString sanitize(const QString &name)
{
    static const QRegularExpression invalid(QStringLiteral("[^A-Za-z0-9_-]"));
    QString s = name;
    s.replace(invalid, QStringLiteral("_"));
    return s.left(64);
}
} // namespace

ServerRegistry::ServerRegistry(const QList<ServerConfig> &configs,
                               const ServerConnection::Options &options, QObject *parent)
    : QObject(parent)
{
    for (const ServerConfig &config : configs) {
        auto *c = new ServerConnection(config, options, this);
        connect(c, &ServerConnection::stateChanged, this, [this, c](ServerConnection::State s) {
            // The catalog first: whoever hears "settled" must find the new tools in it.
            rebuildCatalog();
            Q_EMIT serverStateChanged(c->name(), s);
            checkSettled();
        });
        connect(c, &ServerConnection::toolsChanged, this, &ServerRegistry::rebuildCatalog);
        connect(c, &ServerConnection::stopped, this, [this] {
            if (m_stopping > 0 && --m_stopping == 0)
                Q_EMIT allStopped();
        });
        m_connections.append(c);
    }
}

ServerRegistry::~ServerRegistry() = default;

ServerConnection *ServerRegistry::connection(const QString &name) const
{
    for (ServerConnection *c : m_connections) {
        if (c->name() == name)
            return c;
    }
    return nullptr;
}

void ServerRegistry::startAll()
{
    m_wasSettled = false;
    for (ServerConnection *c : std::as_const(m_connections))
        c->start();
    checkSettled();
}

void ServerRegistry::stopAll()
{
    m_stopping = int(m_connections.size());
    if (m_stopping == 0) {
        QMetaObject::invokeMethod(this, &ServerRegistry::allStopped, Qt::QueuedConnection);
        return;
    }
    for (ServerConnection *c : std::as_const(m_connections))
        c->stop();
}

bool ServerRegistry::isSettled() const
{
    for (ServerConnection *c : m_connections) {
        const auto s = c->state();
        if (s == ServerConnection::State::Starting || s == ServerConnection::State::Restarting
            || s == ServerConnection::State::Stopped)
            return false;
    }
    return true;
}

void ServerRegistry::checkSettled()
{
    const bool settledNow = isSettled();
    if (settledNow && !m_wasSettled) {
        m_wasSettled = true;
        Q_EMIT settled();
    } else if (!settledNow) {
        m_wasSettled = false;
    }
}

void ServerRegistry::rebuildCatalog()
{
    QHash<QString, int> counts;
    for (ServerConnection *c : std::as_const(m_connections)) {
        for (const Mcp::Tool &t : c->tools())
            ++counts[sanitize(t.name)];
    }
    QList<CatalogEntry> catalog;
    QHash<QString, int> index;
    for (ServerConnection *c : std::as_const(m_connections)) {
        for (const Mcp::Tool &t : c->tools()) {
            QString name = sanitize(t.name);
            if (counts.value(name) > 1)
                name = sanitize(c->name() + QStringLiteral("__") + t.name);
            // Still taken (a server with two tools that sanitize alike): number it.
            for (int n = 2; index.contains(name); ++n)
                name = sanitize(t.name).left(60) + QLatin1Char('_') + QString::number(n);
            index.insert(name, int(catalog.size()));
            catalog.append({name, c->name(), t});
        }
    }
    m_catalog = std::move(catalog);
    m_catalogIndex = std::move(index);
    Q_EMIT catalogChanged();
}

std::optional<ServerRegistry::CatalogEntry> ServerRegistry::findTool(const QString &name) const
{
    const auto it = m_catalogIndex.constFind(name);
    if (it == m_catalogIndex.constEnd())
        return std::nullopt;
    return m_catalog.at(it.value());
}

void ServerRegistry::setRoots(const QList<Mcp::Root> &roots)
{
    for (ServerConnection *c : std::as_const(m_connections))
        c->setRoots(roots);
}

void ServerRegistry::setSamplingHandler(Mcp::SamplingHandler *handler)
{
    for (ServerConnection *c : std::as_const(m_connections))
        c->setSamplingHandler(handler);
}

void ServerRegistry::setElicitationHandler(Mcp::ElicitationHandler *handler)
{
    for (ServerConnection *c : std::as_const(m_connections))
        c->setElicitationHandler(handler);
}
