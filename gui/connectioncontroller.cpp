#include "connectioncontroller.h"

#include "apiclient.h"
#include "localserver.h"
#include "logging.h"
#include "tokenstore.h"

#include <QTimer>

namespace {
constexpr int kDefaultHealthIntervalMs = 5000;

// The server's base: scheme, host and port (a path or query the user typed is not the API's).
std::optional<QUrl> parseServerUrl(const QString &text, QString *why)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!url.isValid()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        || url.host().isEmpty()) {
        *why = QStringLiteral("\"%1\" is not a server address such as "
                              "http://127.0.0.1:8765 (http:// or https://, a host, a port)")
                       .arg(text.left(200));
        return std::nullopt;
    }
    if (!url.userInfo().isEmpty()) {
        *why = QStringLiteral("the server address must not carry a user name or password; "
                              "enter the token in its own field");
        return std::nullopt;
    }
    QUrl base;
    base.setScheme(url.scheme());
    base.setHost(url.host());
    if (url.port() != -1)
        base.setPort(url.port());
    return base;
}
} // namespace

ConnectionController::ConnectionController(LocalServer *local, TokenStore *tokens, QObject *parent)
    : QObject(parent)
    , m_local(local)
    , m_tokens(tokens)
    , m_api(new ApiClient(this))
    , m_healthTimer(new QTimer(this))
{
    m_api->setTransferTimeout(10000);
    m_healthTimer->setInterval(kDefaultHealthIntervalMs);
    connect(m_healthTimer, &QTimer::timeout, this, &ConnectionController::poll);
    connect(m_tokens, &TokenStore::storageChanged, this,
            &ConnectionController::tokenStorageChanged);
}

ConnectionController::~ConnectionController() = default;

QString ConnectionController::tokenStorage() const
{
    if (m_mode == QLatin1String("local"))
        return QStringLiteral("none");
    switch (m_tokens->storage()) {
    case TokenStore::Storage::Keychain:
        return QStringLiteral("keychain");
    case TokenStore::Storage::File:
        return QStringLiteral("file");
    case TokenStore::Storage::None:
        break;
    }
    return QStringLiteral("none");
}

QString ConnectionController::tokenWarning() const
{
    return tokenStorage() == QLatin1String("file") ? m_tokens->warning() : QString();
}

void ConnectionController::setHealthInterval(int ms)
{
    m_healthTimer->setInterval(qMax(100, ms));
}

void ConnectionController::setState(const QString &state, const QString &text)
{
    if (state == m_state && text == m_statusText)
        return;
    m_state = state;
    m_statusText = text;
    Q_EMIT stateChanged();
}

void ConnectionController::setEndpoint(const QString &mode, const QUrl &url, const QString &token)
{
    ++m_generation;
    m_failedPolls = 0;
    m_model.clear();
    const bool modeChange = mode != m_mode;
    m_mode = mode;
    m_url = url;
    m_token = token;
    m_api->setBaseUrl(url);
    m_api->setToken(token);
    if (modeChange) {
        Q_EMIT modeChanged();
        Q_EMIT tokenStorageChanged();
    }
    Q_EMIT serverUrlChanged();
    Q_EMIT endpointChanged();
}

void ConnectionController::connectRemote(const QString &url, const QString &token, bool remember)
{
    QString why;
    const auto base = parseServerUrl(url, &why);
    if (!base) {
        setState(QStringLiteral("failed"), why);
        return;
    }
    const QString key = base->toString();
    if (token.isEmpty()) {
        // No token given: the one kept for this server, if any.
        setState(QStringLiteral("starting"),
                 QStringLiteral("Looking up the token of %1…").arg(key));
        const quint64 generation = ++m_generation;
        m_tokens->load(key, this, [this, base, key, generation](const TokenStore::Result &r) {
            if (generation != m_generation)
                return;
            if (!r.token) {
                setState(QStringLiteral("failed"),
                         r.error.isEmpty()
                                 ? QStringLiteral("No token is kept for %1: enter the server's "
                                                  "token.")
                                           .arg(key)
                                 : QStringLiteral("The token of %1 could not be read: %2")
                                           .arg(key, r.error));
                return;
            }
            connectRemote(key, *r.token, false);
        });
        return;
    }
    m_healthTimer->stop();
    if (m_local->isRunning())
        m_local->stop();
    setEndpoint(QStringLiteral("remote"), *base, token);
    setState(QStringLiteral("starting"), QStringLiteral("Connecting to %1…").arg(key));
    if (remember) {
        m_tokens->save(key, token, this, [this, key](const TokenStore::Result &r) {
            if (!r.error.isEmpty())
                qCWarning(lcGui).noquote() << "the token of" << key << "was not kept:" << r.error;
            Q_EMIT tokenStorageChanged();
        });
    }
    verify();
}

void ConnectionController::useLocal()
{
    m_healthTimer->stop();
    if (!m_local->isRunning()) {
        setState(QStringLiteral("starting"), QStringLiteral("Starting the local server…"));
        QString error;
        if (!m_local->start(m_localOptions, &error)) {
            ++m_generation;
            m_mode = QStringLiteral("local");
            Q_EMIT modeChanged();
            setState(QStringLiteral("failed"),
                     QStringLiteral("The local server did not start: %1").arg(error));
            return;
        }
    }
    setEndpoint(QStringLiteral("local"), m_local->url(), m_local->token());
    setState(QStringLiteral("starting"), QStringLiteral("Connecting to the local server…"));
    verify();
}

void ConnectionController::shutdown(std::function<void()> done)
{
    m_healthTimer->stop();
    ++m_generation;
    setState(QStringLiteral("disconnected"), QStringLiteral("Stopped."));
    m_local->stop(std::move(done));
}

void ConnectionController::verify()
{
    const quint64 generation = m_generation;
    m_api->health(
            this,
            [this, generation](const QJsonObject &health, const std::optional<ApiError> &error) {
                if (generation == m_generation)
                    onHealth(health, error, true);
            });
}

void ConnectionController::poll()
{
    const quint64 generation = m_generation;
    m_api->health(
            this,
            [this, generation](const QJsonObject &health, const std::optional<ApiError> &error) {
                if (generation == m_generation)
                    onHealth(health, error, false);
            });
}

QString ConnectionController::describe(const ApiError &error) const
{
    const QString where = m_mode == QLatin1String("local")
            ? QStringLiteral("The local server")
            : QStringLiteral("The server at %1").arg(m_url.toString());
    if (error.network || error.code == QLatin1String("timeout"))
        return QStringLiteral("%1 does not answer (%2).").arg(where, error.message);
    return QStringLiteral("%1 answered with an error: %2").arg(where, error.toString());
}

void ConnectionController::onHealth(const QJsonObject &health, const std::optional<ApiError> &error,
                                    bool first)
{
    if (error) {
        ++m_failedPolls;
        if (first && !(error->network || error->code == QLatin1String("timeout"))) {
            setState(QStringLiteral("failed"), describe(*error));
            return;
        }
        // A server that was there and is gone: keep asking, say so.
        setState(first ? QStringLiteral("failed") : QStringLiteral("reconnecting"),
                 describe(*error)
                         + (first ? QString()
                                  : QStringLiteral(" Trying again every %1 s (attempt %2)…")
                                            .arg(m_healthTimer->interval() / 1000.0)
                                            .arg(m_failedPolls)));
        if (!first)
            return;
        if (m_mode == QLatin1String("remote"))
            m_healthTimer->start();
        return;
    }
    // With a wrong or missing token /health answers only {status, version}.
    if (!health.contains(QLatin1String("model"))) {
        m_healthTimer->stop();
        setState(QStringLiteral("failed"),
                 QStringLiteral("The server at %1 refused the token: check it and connect again.")
                         .arg(m_url.toString()));
        return;
    }
    const bool wasConnected = m_state == QLatin1String("connected");
    m_failedPolls = 0;
    m_model = health.value(QLatin1String("model")).toString().left(200);
    const QString where = m_mode == QLatin1String("local")
            ? QStringLiteral("Local server")
            : QStringLiteral("Connected to %1").arg(m_url.toString());
    const QString status = health.value(QLatin1String("status")).toString();
    setState(QStringLiteral("connected"),
             status == QLatin1String("degraded")
                     ? QStringLiteral("%1 · %2 · an MCP server failed").arg(where, m_model)
                     : QStringLiteral("%1 · %2").arg(where, m_model));
    m_healthTimer->start();
    if (!wasConnected)
        Q_EMIT connected();
}
