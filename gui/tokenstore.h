#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

/// Keeps the bearer tokens of remote servers, one per server URL: in the system keychain
/// (QtKeychain) where a secret service runs, otherwise in a file only the user can read
/// (`~/.config/mcp-host/tokens.json`, mode 0600, next to the user's config) with a visible warning.
/// Every call is asynchronous (keychain jobs are); callbacks are not called once `context` is
/// destroyed. A fallback file that others can read is refused, as `--token-file` refuses one.
class TokenStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenStore)

public:
    enum class Storage { None, Keychain, File };
    Q_ENUM(Storage)

    struct Result
    {
        std::optional<QString> token; ///< load: the token, nullopt when none is kept
        QString error; ///< empty when the call worked
    };
    using Callback = std::function<void(const Result &)>;

    /// `fallbackDir` empty: <GenericConfigLocation>/mcp-host.
    explicit TokenStore(const QString &fallbackDir = {}, QObject *parent = nullptr);
    ~TokenStore() override;

    /// Where tokens went the last time one was saved or found (None before that).
    [[nodiscard]] Storage storage() const { return m_storage; }
    /// For people: why the file is used and where it is; empty while the keychain serves.
    [[nodiscard]] QString warning() const { return m_warning; }
    [[nodiscard]] QString fallbackPath() const { return m_fallbackPath; }
    /// The keychain's service name (tests use their own).
    void setService(const QString &service) { m_service = service; }

    void save(const QString &serverUrl, const QString &token, QObject *context, Callback done);
    void load(const QString &serverUrl, QObject *context, Callback done);
    void remove(const QString &serverUrl, QObject *context, Callback done);

    /// The largest fallback file read.
    static constexpr qint64 kMaxFileBytes = 1024 * 1024;

Q_SIGNALS:
    void storageChanged();

private:
    void setStorage(Storage storage, const QString &why);
    [[nodiscard]] Result fileSave(const QString &serverUrl, const std::optional<QString> &token);
    [[nodiscard]] Result fileLoad(const QString &serverUrl);
    static void finish(QObject *context, const Callback &done, const Result &result);

    QString m_fallbackPath;
    QString m_service = QStringLiteral("mcp-host");
    Storage m_storage = Storage::None;
    QString m_warning;
};
