#include "app.h"

#include "connectioncontroller.h"
#include "conversationcontroller.h"
#include "localserver.h"
#include "notifier.h"
#include "providerfactory.h"
#include "theme.h"
#include "tokenkeystore.h"
#include "tokenstore.h"

namespace {
App *s_instance = nullptr;
}

App::App(QObject *parent, const QString &tokenDir)
    : QObject(parent)
    , m_local(new LocalServer(this))
    , m_tokens(new TokenStore(tokenDir, this))
    , m_connection(new ConnectionController(m_local, m_tokens, this))
    , m_conversation(new ConversationController(m_connection->api(), this))
    , m_timeline(new TimelineModel(this))
    , m_theme(new Theme(this))
    , m_notifier(new Notifier(this))
    , m_sessions(new SessionsModel(this))
    , m_sessionFilter(new SessionFilterModel(this))
    , m_servers(new ServersModel(this))
    , m_approvalRules(new ApprovalRulesModel(this))
    , m_settings(new SettingsController(this))
    , m_archive(new SessionArchiveController(this))
    , m_keys(std::make_unique<TokenKeyStore>(m_tokens))
{
    Q_ASSERT(!s_instance);
    s_instance = this;

    // A new server (local start, remote connect): the stream follows, the old session is void.
    connect(m_connection, &ConnectionController::endpointChanged, this, [this] {
        m_conversation->setEndpoint(m_connection->serverUrl(), m_connection->token());
    });
    // The conversation's stream feeds the timeline, event by event.
    connect(m_conversation, &ConversationController::timelineCleared, m_timeline,
            &TimelineModel::clear);
    connect(m_conversation, &ConversationController::eventArrived, m_timeline,
            &TimelineModel::applyEvent);
    connect(m_conversation, &ConversationController::approvalRequested, m_notifier,
            &Notifier::notifyApproval);
    // The sidebar, the servers panel and the rules speak to whichever server is connected.
    m_sessions->setApiClient(m_connection->api());
    m_servers->setApiClient(m_connection->api());
    m_approvalRules->setApiClient(m_connection->api());
    m_archive->setApiClient(m_connection->api());
    // An imported session shows in the sidebar at once and is opened (selected).
    connect(m_archive, &SessionArchiveController::imported, this, [this](const QString &id) {
        m_sessions->add(m_archive->lastImport());
        m_conversation->open(id);
    });
    m_sessionFilter->setSourceModel(m_sessions);
    m_settings->setKeyStore(m_keys.get());
    connect(m_connection, &ConnectionController::connected, this, [this] {
        m_sessions->refresh();
        m_servers->refresh();
        m_approvalRules->refresh();
    });
    // A turn changes the list (titles, turn counts, order by activity).
    connect(m_conversation, &ConversationController::eventArrived, this,
            [this](const StreamEvent &event) {
                if (event.type == StreamEventType::FinalResponse
                    || event.type == StreamEventType::Thinking)
                    m_sessions->refresh();
            });
    connect(m_settings, &SettingsController::applyRequested, this, &App::applySettings);
    connect(m_notifier, &Notifier::activated, this,
            [this](const QString &sessionId, const QString &callId) {
                if (sessionId != m_conversation->sessionId())
                    m_conversation->open(sessionId);
                Q_EMIT revealCall(sessionId, callId);
            });
}

void App::applySettings()
{
    // Settings apply to the in-process server only; a remote server keeps its own.
    if (m_connection->mode() != QLatin1String("local"))
        return;
    m_settings->loadApiKey(this, [this](const QString &apiKey) {
        LocalServer::Options options;
        options.configPath = m_settings->configPath();
        options.provider = m_settings->provider();
        options.model = m_settings->model();
        options.baseUrl = m_settings->baseUrl();
        options.apiKey = apiKey;
        options.maxIterations = m_settings->maxIterations();
        m_connection->setLocalOptions(options);
        m_connection->shutdown([this] { m_connection->useLocal(); });
    });
}

void App::startLocal(const LocalServer::Options &commandLine)
{
    LocalServer::Options options = commandLine;
    const bool savedProvider = options.provider.isEmpty()
            || ProviderConfig::canonicalProvider(options.provider) == m_settings->provider();
    if (options.provider.isEmpty())
        options.provider = m_settings->provider();
    if (options.maxIterations == 0)
        options.maxIterations = m_settings->maxIterations();
    const auto start = [this](const LocalServer::Options &o) {
        m_connection->setLocalOptions(o);
        m_connection->useLocal();
    };
    if (savedProvider) {
        if (options.model.isEmpty())
            options.model = m_settings->model();
        if (options.baseUrl.isEmpty())
            options.baseUrl = m_settings->baseUrl();
    }
    // The built-in model needs no key: the keychain is not asked (no unlock prompt at launch).
    const bool offline
            = ProviderConfig::canonicalProvider(options.provider) == QLatin1String("offline");
    if (!savedProvider || !options.apiKey.isEmpty() || offline) {
        start(options);
        return;
    }
    m_settings->loadApiKey(this, [options, start](const QString &apiKey) mutable {
        options.apiKey = apiKey;
        start(options);
    });
}

App::~App()
{
    m_sessions->commitRemoval();
    if (s_instance == this)
        s_instance = nullptr;
}

App *App::instance()
{
    return s_instance;
}

App *App::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    Q_ASSERT(s_instance);
    // The C++ side owns the object: the engine must not delete it with the last QML reference.
    QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
    return s_instance;
}

QString App::version() const
{
    return QStringLiteral(MCPHOST_VERSION);
}
