#include "providerfactory.h"

#include "anthropicprovider.h"
#include "configreader.h"
#include "logging.h"
#include "offlinemodel.h"
#include "openaiprovider.h"

namespace {

const QString kOpenAi = QStringLiteral("openai");
const QString kAnthropic = QStringLiteral("anthropic");
const QString kOffline = QStringLiteral("offline");

// Keys accepted for one value, the first is the documented one.
std::optional<QString> stringOf(ConfigReader &reader, const QJsonObject &obj, const QString &at,
                                std::initializer_list<const char *> keys)
{
    for (const char *key : keys) {
        if (const auto v = reader.string(obj, at, QLatin1String(key)))
            return v->trimmed();
        if (obj.contains(QLatin1String(key)))
            return std::nullopt; // there, of the wrong type: reported
    }
    return std::nullopt;
}

std::optional<int> intOf(ConfigReader &reader, const QJsonObject &obj, const QString &at,
                         std::initializer_list<const char *> keys, const ValueRange &range)
{
    for (const char *key : keys) {
        if (obj.contains(QLatin1String(key))) {
            const auto v = reader.integer(obj, at, QLatin1String(key), range);
            return v ? std::optional<int>(int(*v)) : std::nullopt;
        }
    }
    return std::nullopt;
}

ProviderConfig readSection(ConfigReader &reader, const QJsonObject &s, const QString &at,
                           std::initializer_list<const char *> nameKeys)
{
    ProviderConfig c;
    for (const char *key : nameKeys) {
        if (!s.contains(QLatin1String(key)))
            continue;
        const auto name = reader.string(s, at, QLatin1String(key));
        if (!name)
            break;
        if (const auto problem = ProviderConfig::nameProblem(*name))
            reader.error(JsonPositions::child(at, QLatin1String(key)),
                         ConfigReader::settingName(JsonPositions::child(at, QLatin1String(key)))
                                 + QLatin1Char(' ') + *problem);
        // Kept even when unknown, so that a caller that drops the errors (fromJson) still
        // fails in createChatModel instead of falling back to another model.
        c.provider = name->trimmed();
        break;
    }
    c.model = stringOf(reader, s, at, {"model"}).value_or(QString());
    for (const char *key : {"base_url", "baseUrl", "url"}) {
        if (!s.contains(QLatin1String(key)))
            continue;
        const auto url = stringOf(reader, s, at, {key});
        if (!url)
            break;
        const QUrl u(*url, QUrl::StrictMode);
        if (!url->isEmpty()
            && (!u.isValid()
                || (u.scheme() != QLatin1String("http") && u.scheme() != QLatin1String("https"))
                || u.host().isEmpty())) {
            reader.error(JsonPositions::child(at, QLatin1String(key)),
                         QStringLiteral("%1 must be an http:// or https:// URL, got \"%2\"")
                                 .arg(ConfigReader::settingName(
                                              JsonPositions::child(at, QLatin1String(key))),
                                      *url));
        } else {
            c.baseUrl = *url;
        }
        break;
    }
    c.apiKey = stringOf(reader, s, at, {"api_key", "apiKey"}).value_or(QString());
    c.maxRetries = intOf(reader, s, at, {"max_retries", "maxRetries"}, ProviderConfig::kMaxRetries);
    c.retryBaseDelayMs = intOf(reader, s, at, {"retry_base_delay_ms", "retryBaseDelayMs"},
                               ProviderConfig::kRetryBaseDelayMs);
    c.idleTimeoutMs = intOf(reader, s, at, {"idle_timeout_ms", "idleTimeoutMs"},
                            ProviderConfig::kIdleTimeoutMs);
    c.requestTimeoutMs = intOf(reader, s, at, {"request_timeout_ms", "requestTimeoutMs"},
                               ProviderConfig::kRequestTimeoutMs);
    c.maxSseLineBytes = reader.integer(s, at, QStringLiteral("max_sse_line_bytes"),
                                       ProviderConfig::kMaxSseLineBytes);
    return c;
}

} // namespace

QString ProviderConfig::canonicalProvider(const QString &name)
{
    QString n = name.trimmed().toLower();
    if (n.isEmpty() || n == QLatin1String("auto"))
        return {};
    static const QStringList openai {QStringLiteral("openai"),
                                     QStringLiteral("openai-compatible"),
                                     QStringLiteral("openai_compatible"),
                                     QStringLiteral("ollama"),
                                     QStringLiteral("vllm"),
                                     QStringLiteral("lmstudio"),
                                     QStringLiteral("llamacpp"),
                                     QStringLiteral("llama.cpp")};
    static const QStringList offline {QStringLiteral("offline"), QStringLiteral("none"),
                                      QStringLiteral("builtin"), QStringLiteral("built-in")};
    if (openai.contains(n))
        return kOpenAi;
    if (n == QLatin1String("anthropic") || n == QLatin1String("claude"))
        return kAnthropic;
    if (offline.contains(n))
        return kOffline;
    return n;
}

QString ProviderConfig::defaultModel(const QString &provider)
{
    const QString p = canonicalProvider(provider);
    if (p == kOpenAi)
        return QStringLiteral("gpt-4o-mini");
    if (p == kAnthropic)
        return QStringLiteral("claude-sonnet-4-5");
    return {};
}

ProviderConfig ProviderConfig::read(ConfigReader &reader, const QJsonObject &root)
{
    const QJsonValue section = root.value(QLatin1String("provider"));
    const QString at = QStringLiteral("/provider");
    if (section.isUndefined())
        return {};
    if (section.isString()) {
        // The flat form: {"provider": "openai", "model": …, "base_url": …} at the top level.
        return readSection(reader, root, QString(), {"provider"});
    }
    if (!section.isObject()) {
        reader.error(at,
                     QStringLiteral("provider must be an object (or a provider name), not %1")
                             .arg(ConfigReader::typeName(section)));
        return {};
    }
    return readSection(reader, section.toObject(), at, {"name", "provider", "type"});
}

ProviderConfig ProviderConfig::fromJson(const QJsonObject &section)
{
    ConfigReader reader;
    // Accept both the section itself and a document whose "provider" is the section.
    if (section.value(QLatin1String("provider")).isObject())
        return read(reader, section);
    return readSection(reader, section, QString(), {"provider", "type"});
}

std::optional<QString> ProviderConfig::nameProblem(const QString &name)
{
    const QString p = canonicalProvider(name);
    if (p.isEmpty() || p == kOpenAi || p == kAnthropic || p == kOffline)
        return std::nullopt;
    return QStringLiteral("must be one of openai, anthropic, offline or auto (or an alias: "
                          "ollama, vllm, lmstudio, llamacpp, openai-compatible, claude, none, "
                          "builtin), got \"%1\"")
            .arg(name);
}

std::optional<QString> ProviderConfig::missingKeyProblem() const
{
    if (!apiKey.isEmpty())
        return std::nullopt;
    // A local or self-hosted endpoint may need no key; the official ones always do.
    const QString host = QUrl(baseUrl).host().toLower();
    if (provider == kOpenAi && host == QLatin1String("api.openai.com"))
        return QStringLiteral("no API key for openai: set OPENAI_API_KEY (or provider.api_key "
                              "in the config), point OPENAI_BASE_URL at a local server, or use "
                              "--provider offline");
    if (provider == kAnthropic && host == QLatin1String("api.anthropic.com"))
        return QStringLiteral("no API key for anthropic: set ANTHROPIC_API_KEY (or "
                              "provider.api_key in the config), or use --provider offline");
    return std::nullopt;
}

ProviderConfig ProviderConfig::fromEnvironment(const QProcessEnvironment &env)
{
    ProviderConfig c;
    c.provider = env.value(QStringLiteral("MCPHOST_PROVIDER")).trimmed();
    c.model = env.value(QStringLiteral("MCPHOST_MODEL")).trimmed();
    const Credentials openai {env.value(QStringLiteral("OPENAI_API_KEY")).trimmed(),
                              env.value(QStringLiteral("OPENAI_BASE_URL")).trimmed()};
    const Credentials anthropic {env.value(QStringLiteral("ANTHROPIC_API_KEY")).trimmed(),
                                 env.value(QStringLiteral("ANTHROPIC_BASE_URL")).trimmed()};
    if (!openai.apiKey.isEmpty() || !openai.baseUrl.isEmpty())
        c.credentials.insert(kOpenAi, openai);
    if (!anthropic.apiKey.isEmpty() || !anthropic.baseUrl.isEmpty())
        c.credentials.insert(kAnthropic, anthropic);
    return c;
}

void ProviderConfig::applyEnvironment(const QProcessEnvironment &env)
{
    *this = merge(*this, fromEnvironment(env));
}

ProviderConfig ProviderConfig::merge(const ProviderConfig &lower, const ProviderConfig &higher)
{
    ProviderConfig r = lower;
    const QString lowerProvider = canonicalProvider(lower.provider);
    const QString higherProvider = canonicalProvider(higher.provider);
    if (!higherProvider.isEmpty()) {
        if (!lowerProvider.isEmpty() && lowerProvider != higherProvider) {
            // The lower layer's model, URL and key were meant for another provider.
            r.model.clear();
            r.baseUrl.clear();
            r.apiKey.clear();
        }
        r.provider = higher.provider;
    }
    const QString provider = canonicalProvider(r.provider);
    for (auto it = higher.credentials.cbegin(); it != higher.credentials.cend(); ++it) {
        Credentials &mine = r.credentials[it.key()];
        if (!it->apiKey.isEmpty())
            mine.apiKey = it->apiKey;
        if (!it->baseUrl.isEmpty())
            mine.baseUrl = it->baseUrl;
        // Credentials for the provider the lower layer named beat its own values.
        if (it.key() == provider && !lowerProvider.isEmpty()) {
            if (!it->apiKey.isEmpty())
                r.apiKey = it->apiKey;
            if (!it->baseUrl.isEmpty())
                r.baseUrl = it->baseUrl;
        }
    }
    if (!higher.model.isEmpty())
        r.model = higher.model;
    if (!higher.baseUrl.isEmpty())
        r.baseUrl = higher.baseUrl;
    if (!higher.apiKey.isEmpty())
        r.apiKey = higher.apiKey;
    if (higher.maxRetries)
        r.maxRetries = higher.maxRetries;
    if (higher.retryBaseDelayMs)
        r.retryBaseDelayMs = higher.retryBaseDelayMs;
    if (higher.idleTimeoutMs)
        r.idleTimeoutMs = higher.idleTimeoutMs;
    if (higher.requestTimeoutMs)
        r.requestTimeoutMs = higher.requestTimeoutMs;
    if (higher.maxSseLineBytes)
        r.maxSseLineBytes = higher.maxSseLineBytes;
    return r;
}

ProviderConfig ProviderConfig::resolved() const
{
    const QString raw = provider.trimmed().toLower();
    QString p = canonicalProvider(raw);
    if (p.isEmpty()) {
        if (!apiKey.isEmpty() || !baseUrl.isEmpty()) {
            p = baseUrl.contains(QLatin1String("anthropic"))
                            || apiKey.startsWith(QLatin1String("sk-ant-"))
                    ? kAnthropic
                    : kOpenAi;
        } else if (!credentials.value(kAnthropic).apiKey.isEmpty()) {
            p = kAnthropic;
        } else if (!credentials.value(kOpenAi).apiKey.isEmpty()
                   || !credentials.value(kOpenAi).baseUrl.isEmpty()) {
            p = kOpenAi;
        } else {
            p = kOffline;
        }
    }
    ProviderConfig r;
    r.provider = p;
    r.maxRetries = maxRetries.value_or(kDefaultMaxRetries);
    r.retryBaseDelayMs = retryBaseDelayMs.value_or(kDefaultRetryBaseDelayMs);
    r.idleTimeoutMs = idleTimeoutMs.value_or(kDefaultIdleTimeoutMs);
    r.requestTimeoutMs = requestTimeoutMs.value_or(kDefaultRequestTimeoutMs);
    r.maxSseLineBytes = maxSseLineBytes.value_or(kDefaultMaxSseLineBytes);
    if (p == kOffline)
        return r;
    const Credentials env = credentials.value(p);
    r.apiKey = !apiKey.isEmpty() ? apiKey : env.apiKey;
    r.baseUrl = !baseUrl.isEmpty() ? baseUrl : env.baseUrl;
    if (r.baseUrl.isEmpty() && raw == QLatin1String("ollama"))
        r.baseUrl = QStringLiteral("http://localhost:11434/v1");
    if (r.baseUrl.isEmpty() && p == kOpenAi)
        r.baseUrl = QStringLiteral("https://api.openai.com/v1");
    if (r.baseUrl.isEmpty() && p == kAnthropic)
        r.baseUrl = QStringLiteral("https://api.anthropic.com");
    r.model = !model.isEmpty() ? model : defaultModel(p);
    return r;
}

QJsonObject ProviderConfig::toDisplayJson() const
{
    const ProviderConfig r = resolved();
    QJsonObject o {{QStringLiteral("provider"), r.provider},
                   {QStringLiteral("model"), r.model},
                   {QStringLiteral("api_key_set"), !r.apiKey.isEmpty()}};
    if (!r.baseUrl.isEmpty())
        o.insert(QStringLiteral("base_url"), r.baseUrl);
    return o;
}

ChatModel *createChatModel(const ProviderConfig &config, QObject *parent, QString *error)
{
    const ProviderConfig r = config.resolved();
    if (r.provider == kOffline) {
        qCInfo(lcLlm) << "using the built-in offline model";
        return new OfflineModel(parent);
    }
    HttpProviderOptions options;
    options.baseUrl = QUrl(r.baseUrl);
    options.apiKey = r.apiKey;
    options.model = r.model;
    options.maxRetries = std::max(0, *r.maxRetries);
    options.retryBaseDelayMs = std::max(1, *r.retryBaseDelayMs);
    options.idleTimeoutMs = std::max(0, *r.idleTimeoutMs);
    options.requestTimeoutMs = std::max(0, *r.requestTimeoutMs);
    options.maxEventBytes = *r.maxSseLineBytes;
    if (r.provider == kOpenAi || r.provider == kAnthropic) {
        if (!options.baseUrl.isValid() || options.baseUrl.scheme().isEmpty()) {
            if (error)
                *error = QStringLiteral("Invalid base URL for the %1 provider: %2")
                                 .arg(r.provider, r.baseUrl);
            return nullptr;
        }
        if (const auto problem = r.missingKeyProblem()) {
            if (error)
                *error = *problem;
            return nullptr;
        }
        // The key itself is never logged; only whether there is one.
        qCInfo(lcLlm).noquote() << QStringLiteral("using %1:%2 at %3 (%4)")
                                           .arg(r.provider, r.model,
                                                options.baseUrl.toDisplayString(
                                                        QUrl::RemoveUserInfo),
                                                r.apiKey.isEmpty() ? QStringLiteral("no API key")
                                                                   : QStringLiteral("API key set"));
        if (r.provider == kOpenAi)
            return new OpenAiProvider(options, parent);
        return new AnthropicProvider(options, parent);
    }
    if (error)
        *error = QStringLiteral("Unknown provider \"%1\" (expected openai, anthropic or offline)")
                         .arg(r.provider);
    return nullptr;
}
