#include "app.h"

#include "connectioncontroller.h"
#include "conversationcontroller.h"
#include "localserver.h"
#include "notifier.h"
#include "theme.h"
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
    connect(m_notifier, &Notifier::activated, this,
            [this](const QString &sessionId, const QString &callId) {
                if (sessionId != m_conversation->sessionId())
                    m_conversation->open(sessionId);
                Q_EMIT revealCall(sessionId, callId);
            });
}

App::~App()
{
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
