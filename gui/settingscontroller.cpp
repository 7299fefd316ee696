#include "settingscontroller.h"

#include "agentsettings.h"
#include "configimporter.h"
#include "hostconfig.h"
#include "memorykeystore.h"
#include "providerfactory.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QPointer>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

#include <utility>

namespace {
const QString kProviderKey = QStringLiteral("provider/name");
const QString kModelKey = QStringLiteral("provider/model");
const QString kBaseUrlKey = QStringLiteral("provider/baseUrl");
const QString kMaxIterationsKey = QStringLiteral("agent/maxIterations");
constexpr int kMaxModelChars = 200;
constexpr int kMaxUrlChars = 2000;
constexpr int kMaxApiKeyChars = 4096;

QVariantMap errorMap(const ConfigError &e)
{
    return {{QStringLiteral("line"), e.line},
            {QStringLiteral("column"), e.column},
            {QStringLiteral("message"), e.message},
            {QStringLiteral("text"), e.toString()}};
}
} // namespace

SettingsController::SettingsController(QObject *parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>())
{
    init();
}

SettingsController::SettingsController(const QString &settingsFile, QObject *parent)
    : QObject(parent)
    , m_settings(std::make_unique<QSettings>(settingsFile, QSettings::IniFormat))
{
    init();
}

SettingsController::~SettingsController() = default;

void SettingsController::init()
{
    m_ownStore = std::make_unique<MemoryKeyStore>();
    m_store = m_ownStore.get();
    // Values edited by hand in the settings file are checked like typed ones.
    const QString provider = m_settings->value(kProviderKey).toString();
    if (!ProviderConfig::nameProblem(provider))
        m_provider = ProviderConfig::canonicalProvider(provider);
    m_model = m_settings->value(kModelKey).toString().left(kMaxModelChars);
    const QString url = m_settings->value(kBaseUrlKey).toString();
    const QUrl parsed(url, QUrl::StrictMode);
    if (url.size() <= kMaxUrlChars && parsed.isValid()
        && (parsed.scheme() == QLatin1String("http") || parsed.scheme() == QLatin1String("https"))
        && !parsed.host().isEmpty())
        m_baseUrl = url;
    bool ok = false;
    const int iterations = m_settings->value(kMaxIterationsKey).toInt(&ok);
    if (ok && !AgentSettings::kMaxIterations.problem(iterations))
        m_maxIterations = iterations;
    m_configPath = defaultConfigPath();
    reloadConfig();
}

void SettingsController::setKeyStore(KeyStore *store)
{
    m_store = store ? store : m_ownStore.get();
    if (std::exchange(m_apiKeyAsked, false) && m_apiKeySet) {
        m_apiKeySet = false; // not known for the new store until it is asked
        Q_EMIT apiKeySetChanged();
    }
}

bool SettingsController::apiKeySet() const
{
    if (!m_apiKeyAsked) {
        m_apiKeyAsked = true;
        // Later, not inside a property read (a QML binding may be reading it).
        QPointer<SettingsController> self(const_cast<SettingsController *>(this));
        QMetaObject::invokeMethod(
                self,
                [self] {
                    if (self)
                        self->refreshApiKeySet();
                },
                Qt::QueuedConnection);
    }
    return m_apiKeySet;
}

QString SettingsController::apiKeyName() const
{
    return QStringLiteral("api-key/%1")
            .arg(m_provider.isEmpty() ? QStringLiteral("default") : m_provider);
}

void SettingsController::loadApiKey(QObject *context,
                                    std::function<void(const QString &key)> callback)
{
    QPointer<QObject> guard(context);
    m_store->load(apiKeyName(), [guard, callback = std::move(callback)](const QString &key) {
        if (guard)
            callback(key);
    });
}

void SettingsController::refreshApiKeySet()
{
    m_apiKeyAsked = true;
    const quint64 generation = ++m_keyGeneration;
    QPointer<SettingsController> self(this);
    m_store->load(apiKeyName(), [self, generation](const QString &key) {
        if (!self || generation != self->m_keyGeneration)
            return;
        const bool set = !key.isEmpty();
        if (set != self->m_apiKeySet) {
            self->m_apiKeySet = set;
            Q_EMIT self->apiKeySetChanged();
        }
    });
}

QStringList SettingsController::providers()
{
    return {QString(), QStringLiteral("openai"), QStringLiteral("anthropic"),
            QStringLiteral("offline")};
}

void SettingsController::setProvider(const QString &provider)
{
    if (const auto problem = ProviderConfig::nameProblem(provider.trimmed())) {
        fail(QStringLiteral("Provider: %1").arg(*problem));
        return;
    }
    const QString name = ProviderConfig::canonicalProvider(provider.trimmed());
    if (name == m_provider)
        return;
    m_provider = name;
    m_settings->setValue(kProviderKey, m_provider);
    Q_EMIT providerChanged();
    refreshApiKeySet();
}

void SettingsController::setModel(const QString &model)
{
    const QString m = model.trimmed();
    if (m.size() > kMaxModelChars) {
        fail(QStringLiteral("Model: a model name has at most %1 characters").arg(kMaxModelChars));
        return;
    }
    if (m == m_model)
        return;
    m_model = m;
    m_settings->setValue(kModelKey, m_model);
    Q_EMIT modelChanged();
}

void SettingsController::setBaseUrl(const QString &baseUrl)
{
    const QString text = baseUrl.trimmed();
    if (!text.isEmpty()) {
        const QUrl url(text, QUrl::StrictMode);
        if (text.size() > kMaxUrlChars || !url.isValid()
            || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            || url.host().isEmpty()) {
            fail(QStringLiteral("Base URL: \"%1\" is not an http:// or https:// URL")
                         .arg(text.left(200)));
            return;
        }
    }
    if (text == m_baseUrl)
        return;
    m_baseUrl = text;
    m_settings->setValue(kBaseUrlKey, m_baseUrl);
    Q_EMIT baseUrlChanged();
}

void SettingsController::setMaxIterations(int maxIterations)
{
    if (maxIterations != 0) {
        if (const auto problem = AgentSettings::kMaxIterations.problem(maxIterations)) {
            fail(QStringLiteral("Max iterations %1 (0: the host's default)").arg(*problem));
            return;
        }
    }
    if (maxIterations == m_maxIterations)
        return;
    m_maxIterations = maxIterations;
    m_settings->setValue(kMaxIterationsKey, m_maxIterations);
    Q_EMIT maxIterationsChanged();
}

void SettingsController::setApiKey(const QString &key)
{
    const QString k = key.trimmed();
    if (k.size() > kMaxApiKeyChars) {
        fail(QStringLiteral("API key: at most %1 characters").arg(kMaxApiKeyChars));
        return;
    }
    m_store->store(apiKeyName(), k);
    setStatusText(k.isEmpty() ? QStringLiteral("API key removed")
                              : QStringLiteral("API key stored"));
    refreshApiKeySet();
}

void SettingsController::clearApiKey()
{
    setApiKey(QString());
}

QString SettingsController::defaultConfigPath()
{
    const QString env = qEnvironmentVariable("MCPHOST_CONFIG");
    if (!env.isEmpty())
        return env;
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
            + QStringLiteral("/mcp-host/config.json");
}

void SettingsController::setConfigPath(const QString &path)
{
    if (path == m_configPath)
        return;
    m_configPath = path;
    Q_EMIT configPathChanged();
    reloadConfig();
}

void SettingsController::setConfigText(const QString &text)
{
    if (text == m_configText)
        return;
    m_configText = text;
    Q_EMIT configTextChanged();
}

QString SettingsController::baseDir() const
{
    return QFileInfo(m_configPath).absolutePath();
}

void SettingsController::reloadConfig()
{
    // The file mcp-hostd would read; before the user saved one, the first existing file of the
    // search path (the example config) is the starting text.
    QString source = m_configPath;
    if (!QFileInfo(source).isFile()) {
        source.clear();
        const QStringList candidates = HostConfig::searchPath();
        for (const QString &candidate : candidates) {
            if (QFileInfo(candidate).isFile()) {
                source = candidate;
                break;
            }
        }
    }
    QString text;
    QString status;
    if (source.isEmpty()) {
        text = QStringLiteral("{\n    \"mcpServers\": {\n    }\n}\n");
        status = QStringLiteral("No config yet; saving writes %1").arg(m_configPath);
    } else {
        QFile file(source);
        if (!file.open(QIODevice::ReadOnly)) {
            fail(QStringLiteral("Cannot read %1: %2").arg(source, file.errorString()));
            return;
        }
        const QByteArray bytes = file.read(HostConfig::kMaxFileBytes + 1);
        if (bytes.size() > HostConfig::kMaxFileBytes) {
            fail(QStringLiteral("%1 is larger than %2 MiB")
                         .arg(source)
                         .arg(HostConfig::kMaxFileBytes / (1024 * 1024)));
            return;
        }
        text = QString::fromUtf8(bytes);
        status = source == m_configPath
                ? QStringLiteral("Loaded %1").arg(source)
                : QStringLiteral("Showing %1; saving writes %2").arg(source, m_configPath);
    }
    // What is on disk at configPath is what "modified" compares with (nothing yet: "").
    m_savedText = source == m_configPath ? text : QString();
    m_configText = text;
    Q_EMIT configTextChanged();
    validateConfig(text);
    setStatusText(status);
}

QVariantList SettingsController::validateConfig(const QString &text)
{
    QVariantList out;
    const QByteArray bytes = text.toUtf8();
    if (bytes.size() > HostConfig::kMaxFileBytes) {
        out.append(errorMap({m_configPath, 0, 0,
                             QStringLiteral("the config is larger than %1 MiB")
                                     .arg(HostConfig::kMaxFileBytes / (1024 * 1024))}));
    } else {
        const HostConfig config = HostConfig::parse(bytes, m_configPath, baseDir());
        for (const ConfigError &e : config.errors)
            out.append(errorMap(e));
    }
    setConfigErrors(out);
    return out;
}

bool SettingsController::saveConfig(const QString &text)
{
    const QVariantList errors = validateConfig(text);
    if (!errors.isEmpty()) {
        fail(errors.size() == 1
                     ? QStringLiteral("Not saved: %1")
                               .arg(errors.first().toMap().value(QStringLiteral("text")).toString())
                     : QStringLiteral("Not saved: %1 problems, the first: %2")
                               .arg(errors.size())
                               .arg(errors.first()
                                            .toMap()
                                            .value(QStringLiteral("text"))
                                            .toString()));
        return false;
    }
    const QFileInfo info(m_configPath);
    if (!QDir().mkpath(info.absolutePath())) {
        fail(QStringLiteral("Not saved: cannot create %1").arg(info.absolutePath()));
        return false;
    }
    // The config may hold tokens and keys (headers, env): the file is the owner's only. A new
    // file is created 0600 first, so the atomic replace below keeps those permissions.
    if (!info.exists()) {
        QFile create(m_configPath);
        if (!create.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            fail(QStringLiteral("Not saved: %1: %2").arg(m_configPath, create.errorString()));
            return false;
        }
        create.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        create.close();
    }
    QSaveFile file(m_configPath);
    if (!file.open(QIODevice::WriteOnly)) {
        fail(QStringLiteral("Not saved: %1: %2").arg(m_configPath, file.errorString()));
        return false;
    }
    file.write(text.toUtf8());
    if (!file.commit()) {
        fail(QStringLiteral("Not saved: %1: %2").arg(m_configPath, file.errorString()));
        return false;
    }
    QFile::setPermissions(m_configPath, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    m_savedText = text;
    m_configText = text;
    Q_EMIT configTextChanged();
    setStatusText(QStringLiteral("Saved to %1").arg(m_configPath));
    Q_EMIT configSaved(m_configPath);
    return true;
}

QVariantMap SettingsController::importConfig(const QUrl &fileUrl)
{
    auto refused = [this](const QString &error) {
        fail(QStringLiteral("Not imported: %1").arg(error));
        return QVariantMap {
                {QStringLiteral("ok"), false},
                {QStringLiteral("added"), QStringList()},
                {QStringLiteral("notes"), QStringList()},
                {QStringLiteral("error"), error},
                {QStringLiteral("message"), QStringLiteral("Not imported: %1").arg(error)}};
    };
    if (!fileUrl.isLocalFile())
        return refused(QStringLiteral("only local files can be imported"));

    QJsonObject current;
    if (!m_configText.trimmed().isEmpty()) {
        QJsonParseError pe;
        const QByteArray bytes = m_configText.toUtf8();
        const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            const JsonPositions::Position at = JsonPositions::atOffset(bytes, pe.offset);
            return refused(pe.error != QJsonParseError::NoError
                                   ? QStringLiteral("the config being edited is not valid JSON "
                                                    "(line %1, column %2: %3); fix it first")
                                             .arg(at.line)
                                             .arg(at.column)
                                             .arg(pe.errorString())
                                   : QStringLiteral("the config being edited is not a JSON "
                                                    "object; fix it first"));
        }
        current = doc.object();
    }

    const ConfigImporter::Result r = ConfigImporter::mergeFile(current, fileUrl.toLocalFile());
    if (!r.ok())
        return refused(r.error);

    QString message;
    const QString file = QFileInfo(fileUrl.toLocalFile()).fileName();
    if (r.added.isEmpty())
        message = QStringLiteral("No server added from %1").arg(file);
    else
        message = QStringLiteral("Added %1 from %2 (%3); review and save")
                          .arg(r.added.size() == 1
                                       ? QStringLiteral("1 server")
                                       : QStringLiteral("%1 servers").arg(r.added.size()),
                               file, r.added.join(QStringLiteral(", ")));
    if (!r.added.isEmpty()) {
        setConfigText(QString::fromUtf8(QJsonDocument(r.merged).toJson(QJsonDocument::Indented)));
        validateConfig(m_configText);
    }
    setStatusText(message);
    return {{QStringLiteral("ok"), true},
            {QStringLiteral("added"), r.added},
            {QStringLiteral("notes"), r.notes},
            {QStringLiteral("error"), QString()},
            {QStringLiteral("message"), message}};
}

void SettingsController::apply()
{
    setStatusText(QStringLiteral("Restarting the local server with the new settings"));
    Q_EMIT applyRequested();
}

void SettingsController::setConfigErrors(const QVariantList &errors)
{
    if (errors == m_configErrors)
        return;
    m_configErrors = errors;
    Q_EMIT configErrorsChanged();
}

void SettingsController::setStatusText(const QString &text)
{
    if (text == m_statusText)
        return;
    m_statusText = text;
    Q_EMIT statusTextChanged();
}

void SettingsController::fail(const QString &message)
{
    setStatusText(message);
    Q_EMIT errorOccurred(message);
}
