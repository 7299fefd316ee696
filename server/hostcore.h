#pragma once

#include "agentoptions.h"
#include "hostconfig.h"
#include "providerfactory.h"

#include <QObject>

#include <functional>

class ApprovalRules;
class ChatModel;
class ChatService;
class HostStateService;
class ServerRegistry;
class ServerRequestRouter;
class ServerService;
class SessionService;
class SessionStore;
class TurnControl;

/// The working parts of a host, built from its config: the MCP servers (registry and the
/// router for their requests), the chat model, the sessions and the chat service that runs
/// turns. The headless server and the desktop app's local mode both use it.
///
/// The API layers (mcphost_http, the CLI commands, the desktop app) use only its services:
/// chat() (turns, approvals, elicitations), sessionService() and serverService(); registry(),
/// model() and store() are the parts inside the core (and for tests).
class HostCore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HostCore)

public:
    struct Options
    {
        QString configPath; ///< empty: the default locations (HostConfig::load)
        ProviderConfig cli; ///< --provider / --model, over environment and config
        bool autoRestart = true; ///< restart crashed MCP servers with backoff
        HostConfig::Sessions sessions; ///< the command line's layer over the config's
        QString store; ///< --store over the config's `store` ("" : the config's, else SQLite)
        /// The caller's layer over `agent.max_iterations` (the desktop app's Settings); unset:
        /// the config's. Range-checked by the caller (AgentSettings::kMaxIterations).
        std::optional<int> maxIterations;
    };

    explicit HostCore(QObject *parent = nullptr);
    ~HostCore() override;

    /// Loads the config and the state file (HostState; `state_file`) and builds everything;
    /// false with a message for people on failure (a bad state file is one).
    bool init(const Options &options, QString *error);
    /// The same with a config already read (it must be ok()).
    bool init(HostConfig config, const Options &options, QString *error);
    /// Opens the session store (connects, migrates, closes interrupted turns); `done` gets ""
    /// or the reason for people. Call after init() and before serving.
    void open(std::function<void(const QString &error)> done);
    /// Starts every MCP server (concurrently).
    void start();
    /// Cancels the running turns (waits until the store holds their last steps, at most a
    /// few seconds), stops the MCP servers, then calls `done`. Stored sessions stay.
    void shutdown(std::function<void()> done);

    [[nodiscard]] const HostConfig &config() const { return m_config; }
    [[nodiscard]] ServerRegistry *registry() const { return m_registry; }
    [[nodiscard]] ChatModel *model() const { return m_model; }
    [[nodiscard]] SessionStore *store() const { return m_store; }
    [[nodiscard]] ChatService *chat() const { return m_chat; }
    [[nodiscard]] SessionService *sessionService() const { return m_sessionService; }
    [[nodiscard]] ServerService *serverService() const { return m_serverService; }
    [[nodiscard]] const AgentOptions &agentOptions() const { return m_agentOptions; }
    /// The live approval policy (config + remembered rules + each session's answers).
    [[nodiscard]] ApprovalRules *approvalRules() const { return m_rules; }
    /// The remembered rules and server choices, kept in the state file.
    [[nodiscard]] HostStateService *state() const { return m_state; }

private:
    HostConfig m_config;
    AgentOptions m_agentOptions;
    ServerRegistry *m_registry = nullptr;
    ServerRequestRouter *m_router = nullptr;
    ChatModel *m_model = nullptr;
    SessionStore *m_store = nullptr;
    TurnControl *m_control = nullptr; ///< other instances' turns (a shared store only)
    ChatService *m_chat = nullptr;
    SessionService *m_sessionService = nullptr;
    ServerService *m_serverService = nullptr;
    ApprovalRules *m_rules = nullptr;
    HostStateService *m_state = nullptr;
    bool m_shuttingDown = false;
};
