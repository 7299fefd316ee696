#include "localserver.h"

#include "agentsettings.h"
#include "hostcore.h"
#include "httpapiserver.h"
#include "logging.h"
#include "servecommand.h"

#include <QByteArray>
#include <QPointer>
#include <QRandomGenerator>

#include <array>

LocalServer::LocalServer(QObject *parent)
    : QObject(parent)
{ }

LocalServer::~LocalServer()
{
    // A server that was not stopped goes down with its parent; the listener closes first so
    // no request reaches a half-destroyed core.
    if (m_http) {
        m_http->close();
        delete m_http; // before the core it uses (children go in creation order)
    }
}

QString LocalServer::generateToken()
{
    std::array<quint32, 8> words {};
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()),
                           qsizetype(words.size() * sizeof(quint32)));
    return QString::fromLatin1(
            bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool LocalServer::start(const Options &options, QString *error)
{
    if (m_http || m_stopping) {
        *error = QStringLiteral("the local server is already running");
        return false;
    }
    if (options.maxIterations != 0) {
        if (const auto problem = AgentSettings::kMaxIterations.problem(options.maxIterations)) {
            *error = QStringLiteral("max iterations %1").arg(*problem);
            return false;
        }
    }
    auto *core = new HostCore(this);
    HostCore::Options host;
    host.configPath = options.configPath;
    host.cli.provider = options.provider;
    host.cli.model = options.model;
    host.cli.baseUrl = options.baseUrl;
    host.cli.apiKey = options.apiKey;
    if (options.maxIterations != 0)
        host.maxIterations = options.maxIterations;
    if (!core->init(host, error)) {
        delete core;
        return false;
    }
    // Whatever the config's `server` section says, the app's own server is loopback only, on a
    // free port, with a token nobody else knows.
    HostConfig::Server local;
    local.listen = QHostAddress(QHostAddress::LocalHost);
    local.port = 0;
    const QString token = generateToken();
    local.token = token;
    const HttpApiServer::Options http = ServeCommand::httpOptions(
            HostConfig::Server::merged(core->config().server, local), core->config().sessions);
    auto *server = new HttpApiServer(core, http, this);
    if (!server->listen(error)) {
        delete server;
        delete core;
        return false;
    }
    m_core = core;
    m_http = server;
    m_token = token;
    // The store's calls wait for it to open; one that cannot open (a database another process
    // holds) is reported, and every session call then says so too.
    QPointer<LocalServer> self(this);
    m_core->open([self](const QString &why) {
        if (self && !why.isEmpty()) {
            qCWarning(lcGui).noquote() << "the session store did not open:" << why;
            Q_EMIT self->storeFailed(why);
        }
    });
    m_core->start();
    qCInfo(lcGui).noquote() << "local server on" << url().toString() << "config"
                            << (configPath().isEmpty() ? QStringLiteral("(none)") : configPath());
    return true;
}

void LocalServer::stop(std::function<void()> done)
{
    if (!m_http || m_stopping) {
        if (done)
            done();
        return;
    }
    m_stopping = true;
    m_core->shutdown([this, done = std::move(done)] {
        m_http->close();
        m_http->deleteLater();
        m_core->deleteLater();
        m_http = nullptr;
        m_core = nullptr;
        m_token.clear();
        m_stopping = false;
        Q_EMIT stopped();
        if (done)
            done();
    });
}

QUrl LocalServer::url() const
{
    if (!m_http)
        return {};
    QUrl u;
    u.setScheme(QStringLiteral("http"));
    u.setHost(QStringLiteral("127.0.0.1"));
    u.setPort(m_http->port());
    return u;
}

quint16 LocalServer::port() const
{
    return m_http ? m_http->port() : quint16(0);
}

QString LocalServer::configPath() const
{
    return m_core ? m_core->config().path : QString();
}
