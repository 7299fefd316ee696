#pragma once

#include <QHash>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QString>

#include <optional>

#include "valuerange.h"

class ChatModel;
class ConfigReader;
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
    std::optional<qint64> maxSseLineBytes; ///< longest SSE line accepted from the provider
    /// Per provider ("openai", "anthropic"): what a layer knows for that provider only.
    QHash<QString, Credentials> credentials;

    static constexpr int kDefaultMaxRetries = 3;
    static constexpr int kDefaultRetryBaseDelayMs = 1000;
    static constexpr int kDefaultIdleTimeoutMs = 60000;
    static constexpr int kDefaultRequestTimeoutMs = 600000;
    static constexpr qint64 kDefaultMaxSseLineBytes = qint64(4) * 1024 * 1024;

    static constexpr ValueRange kMaxRetries {0, 10, true, ""};
    static constexpr ValueRange kRetryBaseDelayMs {1, 60000, true, "milliseconds"};
    static constexpr ValueRange kIdleTimeoutMs {0, 3600000, true, "milliseconds (0: none)"};
    static constexpr ValueRange kRequestTimeoutMs {0, 86400000, true, "milliseconds (0: none)"};
    static constexpr ValueRange kMaxSseLineBytes {1024, 256.0 * 1024 * 1024, true, "bytes"};

    /// The config document's `provider`: an object (the section below) or a string (the
    /// provider's name). Wrong types, out-of-range numbers, a bad base URL and an unknown
    /// provider name are errors in `reader`.
    [[nodiscard]] static ProviderConfig read(ConfigReader &reader, const QJsonObject &root);
    /// Why `name` is not a provider name (with the valid ones), or nothing ("" and "auto"
    /// are valid: choose automatically). For the config, the environment and --provider.
    [[nodiscard]] static std::optional<QString> nameProblem(const QString &name);
    /// On a resolved config: "no API key for openai: set …" when the provider needs a key
    /// (its official endpoint) and none is set; nothing otherwise.
    [[nodiscard]] std::optional<QString> missingKeyProblem() const;

    /// A config file section: {"provider", "model", "base_url", "api_key", "max_retries",
    /// "retry_base_delay_ms", "idle_timeout_ms", "request_timeout_ms", "max_sse_line_bytes"},
    /// or a document whose "provider" is that section. With a provider named, the base URL and
    /// key belong to it. Errors are dropped here (read() reports them).
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
/// provider name is unknown or the provider needs an API key and has none (before any network
/// use).
ChatModel *createChatModel(const ProviderConfig &config, QObject *parent = nullptr,
                           QString *error = nullptr);
