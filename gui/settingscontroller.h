#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QString>
#include <QUrl>
#include <QVariantList>
#include <QVariantMap>

#include <functional>
#include <memory>

class KeyStore;
class QSettings;

/// The Settings page: the model provider (name, model, base URL, max iterations; kept in
/// QSettings), the provider's API key (write-only: setApiKey() hands it to a KeyStore, QML only
/// learns whether one is set), and the host's config file (`configPath`, edited as
/// `configText`): validateConfig() says what mcp-hostd would say about a text (line, column,
/// message), saveConfig() refuses an invalid text and writes atomically (0600), importConfig()
/// merges another host's server list into the text. apply() asks the app to restart its local
/// server with the new settings (applyRequested()).
class SettingsController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.settings")
    Q_DISABLE_COPY_MOVE(SettingsController)
    /// "" (choose automatically), "openai", "anthropic" or "offline".
    Q_PROPERTY(QString provider READ provider WRITE setProvider NOTIFY providerChanged)
    Q_PROPERTY(QStringList providers READ providers CONSTANT)
    /// "" = the provider's default model.
    Q_PROPERTY(QString model READ model WRITE setModel NOTIFY modelChanged)
    /// "" = the provider's default endpoint; otherwise an http(s) URL.
    Q_PROPERTY(QString baseUrl READ baseUrl WRITE setBaseUrl NOTIFY baseUrlChanged)
    /// 0 = the host's default; otherwise 1..100.
    Q_PROPERTY(
            int maxIterations READ maxIterations WRITE setMaxIterations NOTIFY maxIterationsChanged)
    /// Whether an API key is stored for the current provider (the key itself never reaches QML).
    Q_PROPERTY(bool apiKeySet READ apiKeySet NOTIFY apiKeySetChanged)
    Q_PROPERTY(QString configPath READ configPath WRITE setConfigPath NOTIFY configPathChanged)
    /// The editor's text of the config (loaded from configPath, or the example config when that
    /// file does not exist yet).
    Q_PROPERTY(QString configText READ configText WRITE setConfigText NOTIFY configTextChanged)
    /// Whether configText differs from what is on disk.
    Q_PROPERTY(bool configModified READ configModified NOTIFY configTextChanged)
    /// The problems of the last validated or refused text: list of {line, column, message, text}.
    Q_PROPERTY(QVariantList configErrors READ configErrors NOTIFY configErrorsChanged)
    /// One line about the last action ("Saved to …", "Not saved: 2 problems", …).
    Q_PROPERTY(QString statusText READ statusText NOTIFY statusTextChanged)

public:
    /// Settings in the application's QSettings.
    explicit SettingsController(QObject *parent = nullptr);
    /// Settings in an INI file at `settingsFile` (tests, portable installs).
    explicit SettingsController(const QString &settingsFile, QObject *parent = nullptr);
    ~SettingsController() override;

    /// Where the API key goes (not owned; must outlive this object). nullptr: memory only.
    void setKeyStore(KeyStore *store);
    /// The current provider's stored API key, for the app's local server ("" none). Never for
    /// QML.
    void loadApiKey(QObject *context, std::function<void(const QString &key)> callback);
    /// The KeyStore key of the current provider's API key ("api-key/openai", …).
    [[nodiscard]] QString apiKeyName() const;

    [[nodiscard]] QString provider() const { return m_provider; }
    void setProvider(const QString &provider);
    [[nodiscard]] static QStringList providers();
    [[nodiscard]] QString model() const { return m_model; }
    void setModel(const QString &model);
    [[nodiscard]] QString baseUrl() const { return m_baseUrl; }
    void setBaseUrl(const QString &baseUrl);
    [[nodiscard]] int maxIterations() const { return m_maxIterations; }
    void setMaxIterations(int maxIterations);
    /// Whether a key is stored for the provider. The keychain is first asked when this is read
    /// (the settings panel), not when the store is set: a locked keyring does not prompt at the
    /// app's start. Until the answer comes it is false; apiKeySetChanged follows.
    [[nodiscard]] bool apiKeySet() const;

    [[nodiscard]] QString configPath() const { return m_configPath; }
    void setConfigPath(const QString &path);
    [[nodiscard]] QString configText() const { return m_configText; }
    void setConfigText(const QString &text);
    [[nodiscard]] bool configModified() const { return m_configText != m_savedText; }
    [[nodiscard]] QVariantList configErrors() const { return m_configErrors; }
    [[nodiscard]] QString statusText() const { return m_statusText; }

    /// $MCPHOST_CONFIG, else <config folder>/mcp-host/config.json: the file mcp-hostd reads
    /// first.
    [[nodiscard]] static QString defaultConfigPath();

    /// Stores the key for the current provider (an empty text removes it).
    Q_INVOKABLE void setApiKey(const QString &key);
    Q_INVOKABLE void clearApiKey();
    /// What mcp-hostd would say about `text` as its config: list of {line, column, message,
    /// text ("file:line:column: message")}; empty when it is valid. Also sets configErrors.
    Q_INVOKABLE QVariantList validateConfig(const QString &text);
    /// Writes `text` to configPath when it is valid (atomically, owner-only); false (and
    /// configErrors set) when it is not or cannot be written.
    Q_INVOKABLE bool saveConfig(const QString &text);
    /// Re-reads configPath into configText (unsaved edits are dropped).
    Q_INVOKABLE void reloadConfig();
    /// Merges the servers of a Claude Desktop or VS Code config file into configText (not
    /// saved): {ok, added (names), notes (sentences), error, message}.
    Q_INVOKABLE QVariantMap importConfig(const QUrl &fileUrl);
    /// Asks the app to restart its local server with the current settings.
    Q_INVOKABLE void apply();

Q_SIGNALS:
    void providerChanged();
    void modelChanged();
    void baseUrlChanged();
    void maxIterationsChanged();
    void apiKeySetChanged();
    void configPathChanged();
    void configTextChanged();
    void configErrorsChanged();
    void statusTextChanged();
    void configSaved(const QString &path);
    void applyRequested();
    /// A refused setting or a failed action, in words for the user.
    void errorOccurred(const QString &message);

private:
    void init();
    void refreshApiKeySet();
    void setConfigErrors(const QVariantList &errors);
    void setStatusText(const QString &text);
    void fail(const QString &message);
    [[nodiscard]] QString baseDir() const;

    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<KeyStore> m_ownStore; ///< the in-memory default
    KeyStore *m_store = nullptr;
    QString m_provider;
    QString m_model;
    QString m_baseUrl;
    int m_maxIterations = 0;
    bool m_apiKeySet = false;
    mutable bool m_apiKeyAsked = false; ///< the store was asked (or is being asked) about the key
    quint64 m_keyGeneration = 0; ///< answers of load() for an older provider are dropped
    QString m_configPath;
    QString m_configText;
    QString m_savedText;
    QVariantList m_configErrors;
    QString m_statusText;
};
