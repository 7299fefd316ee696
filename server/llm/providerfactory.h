#pragma once

#include <QHash>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

class ChatModel;
class QObject;

/// Which language model to use, and how to reach it.
///
/// Layers are merged with CLI > environment > config file:
/// @code
///   ProviderConfig config = ProviderConfig::fromJson(file["provider"]); // or the whole section
///   config.applyEnvironment();                 // OPENAI_*, ANTHROPIC_*, MCPHOST_*
///   config = ProviderConfig::merge(config, cli); // --provider / --model
///   ChatModel *model = createChatModel(config, parent);
/// @endcode
/// Credentials from the environment are kept per provider (OPENAI_API_KEY is only ever sent to
/// the OpenAI-compatible provider, ANTHROPIC_API_KEY only to Anthropic).
struct ProviderConfig
{
    struct Credentials
    {
        QString apiKey;
        QString baseUrl;
    };

    QString provider; ///< "openai", "anthropic", "offline"; empty: choose automatically
    QString model; ///< empty: the provider's default
    QString baseUrl; ///< empty: the provider's default (or the environment's)
    QString apiKey; ///< never logged
    std::optional<int> maxRetries;
    std::optional<int> retryBaseDelayMs;
    std::optional<int> idleTimeoutMs;
    std::optional<int> requestTimeoutMs;
    /// Per provider ("openai", "anthropic"): what a layer knows for that provider only.
    QHash<QString, Credentials> credentials;

    static constexpr int kDefaultMaxRetries = 3;
    static constexpr int kDefaultRetryBaseDelayMs = 1000;
    static constexpr int kDefaultIdleTimeoutMs = 60000;
    static constexpr int kDefaultRequestTimeoutMs = 600000;

    /// A config file section: {"provider", "model", "base_url", "api_key", "max_retries",
    /// "retry_base_delay_ms", "idle_timeout_ms", "request_timeout_ms"}. With a provider named,
    /// the base URL and key belong to it.
    [[nodiscard]] static ProviderConfig fromJson(const QJsonObject &section);
    /// The environment as a layer: MCPHOST_PROVIDER, MCPHOST_MODEL, OPENAI_API_KEY,
    /// OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL.
    [[nodiscard]] static ProviderConfig fromEnvironment(const QProcessEnvironment &env
                                                        = QProcessEnvironment::systemEnvironment());
    /// Lets the environment override this layer: *this = merge(*this, fromEnvironment(env)).
    void applyEnvironment(const QProcessEnvironment &env
                          = QProcessEnvironment::systemEnvironment());
    /// `higher` wins wherever it says something. When it names a different provider, the lower
    /// layer's model, base URL and key (which belonged to the other provider) are dropped.
    [[nodiscard]] static ProviderConfig merge(const ProviderConfig &lower,
                                              const ProviderConfig &higher);

    /// The effective configuration: the provider chosen (an Anthropic key -> "anthropic"; an
    /// OpenAI key or base URL -> "openai"; otherwise "offline"), its key and base URL picked,
    /// defaults filled in (models "gpt-4o-mini" / "claude-sonnet-4-5").
    [[nodiscard]] ProviderConfig resolved() const;
    /// For display (/health, logs): the key replaced by whether one is set.
    [[nodiscard]] QJsonObject toDisplayJson() const;
    /// The default model of a provider.
    [[nodiscard]] static QString defaultModel(const QString &provider);
    /// "openai", "anthropic", "offline", or empty for an unknown name (aliases: "ollama",
    /// "openai-compatible", "claude", "none", "builtin").
    [[nodiscard]] static QString canonicalProvider(const QString &name);
};

/// Creates the chat model `config` describes (after resolved()); null with `error` set if the
/// provider name is unknown.
ChatModel *createChatModel(const ProviderConfig &config, QObject *parent = nullptr,
                           QString *error = nullptr);
