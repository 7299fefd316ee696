#include "tokenstore.h"

#include "logging.h"
#include "privatefile.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QStandardPaths>

#include <qt6keychain/keychain.h>

namespace {
// Errors that mean "there is no keychain here", not "this entry has a problem".
bool noKeychain(QKeychain::Error error)
{
    return error == QKeychain::NoBackendAvailable || error == QKeychain::NotImplemented
            || error == QKeychain::OtherError || error == QKeychain::AccessDenied;
}

QString accountFor(const QString &serverUrl)
{
    return QStringLiteral("token:") + serverUrl;
}
} // namespace

TokenStore::TokenStore(const QString &fallbackDir, QObject *parent)
    : QObject(parent)
{
    // Next to the user's config (~/.config/mcp-host/config.json, HostConfig's search path).
    const QString dir = fallbackDir.isEmpty()
            ? QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
                    + QStringLiteral("/mcp-host")
            : fallbackDir;
    m_fallbackPath = QDir(dir).filePath(QStringLiteral("tokens.json"));
}

TokenStore::~TokenStore() = default;

void TokenStore::finish(QObject *context, const Callback &done, const Result &result)
{
    if (context && done)
        done(result);
}

void TokenStore::setStorage(Storage storage, const QString &why)
{
    QString warning;
    if (storage == Storage::File)
        warning = QStringLiteral("No system keychain is available: the token is kept in %1, "
                                 "readable by you only.")
                          .arg(m_fallbackPath);
    if (!why.isEmpty())
        qCDebug(lcGui).noquote() << "keychain:" << why;
    if (storage == m_storage && warning == m_warning)
        return;
    m_storage = storage;
    m_warning = warning;
    Q_EMIT storageChanged();
}

void TokenStore::save(const QString &serverUrl, const QString &token, QObject *context,
                      Callback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(accountFor(serverUrl));
    job->setTextData(token);
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this,
            [this, job, serverUrl, token, guard, done = std::move(done)] {
                if (job->error() == QKeychain::NoError) {
                    setStorage(Storage::Keychain, {});
                    // A copy left in the file from a time without a keychain goes.
                    if (QFileInfo::exists(m_fallbackPath))
                        (void)fileSave(serverUrl, std::nullopt);
                    finish(guard, done, {});
                    return;
                }
                if (!noKeychain(job->error())) {
                    finish(guard, done, {std::nullopt, job->errorString()});
                    return;
                }
                qCInfo(lcGui) << "no keychain, using the private file:" << job->errorString();
                const Result result = fileSave(serverUrl, token);
                if (result.error.isEmpty())
                    setStorage(Storage::File, job->errorString());
                finish(guard, done, result);
            });
    job->start();
}

void TokenStore::load(const QString &serverUrl, QObject *context, Callback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(accountFor(serverUrl));
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this,
            [this, job, serverUrl, guard, done = std::move(done)] {
                if (job->error() == QKeychain::NoError) {
                    setStorage(Storage::Keychain, {});
                    finish(guard, done, {job->textData(), {}});
                    return;
                }
                const bool keychainMissing = noKeychain(job->error());
                if (!keychainMissing && job->error() != QKeychain::EntryNotFound) {
                    finish(guard, done, {std::nullopt, job->errorString()});
                    return;
                }
                // Not in the keychain (or there is none): the file may hold it.
                const Result result = fileLoad(serverUrl);
                if (result.token)
                    setStorage(Storage::File,
                               keychainMissing ? job->errorString()
                                               : QStringLiteral("saved without one"));
                finish(guard, done, result);
            });
    job->start();
}

void TokenStore::remove(const QString &serverUrl, QObject *context, Callback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(accountFor(serverUrl));
    QPointer<QObject> guard(context);
    connect(job, &QKeychain::Job::finished, this,
            [this, job, serverUrl, guard, done = std::move(done)] {
                Result result;
                if (job->error() != QKeychain::NoError && job->error() != QKeychain::EntryNotFound
                    && !noKeychain(job->error()))
                    result.error = job->errorString();
                if (QFileInfo::exists(m_fallbackPath)) {
                    const Result fileResult = fileSave(serverUrl, std::nullopt);
                    if (result.error.isEmpty())
                        result.error = fileResult.error;
                }
                finish(guard, done, result);
            });
    job->start();
}

TokenStore::Result TokenStore::fileLoad(const QString &serverUrl)
{
    if (!QFileInfo::exists(m_fallbackPath))
        return {};
    QString error;
    const auto data = PrivateFile::read(m_fallbackPath, kMaxFileBytes, m_fallbackPath, &error);
    if (!data)
        return {std::nullopt, error};
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(*data, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return {std::nullopt,
                QStringLiteral("%1 is not a JSON object (%2)")
                        .arg(m_fallbackPath, pe.errorString())};
    const QJsonValue value
            = doc.object().value(QStringLiteral("tokens")).toObject().value(serverUrl);
    if (value.isUndefined())
        return {};
    if (!value.isString() || value.toString().isEmpty())
        return {std::nullopt,
                QStringLiteral("%1: the token of %2 is not a non-empty string")
                        .arg(m_fallbackPath, serverUrl)};
    return {value.toString(), {}};
}

TokenStore::Result TokenStore::fileSave(const QString &serverUrl,
                                        const std::optional<QString> &token)
{
    QJsonObject tokens;
    if (QFileInfo::exists(m_fallbackPath)) {
        QString error;
        const auto data = PrivateFile::read(m_fallbackPath, kMaxFileBytes, m_fallbackPath, &error);
        if (!data)
            return {std::nullopt, error};
        // A broken file is replaced: it held nothing that can be read back anyway.
        tokens = QJsonDocument::fromJson(*data).object().value(QStringLiteral("tokens")).toObject();
    }
    if (token)
        tokens.insert(serverUrl, *token);
    else
        tokens.remove(serverUrl);
    QString error;
    const QJsonObject root {{QStringLiteral("tokens"), tokens}};
    if (!PrivateFile::write(m_fallbackPath, QJsonDocument(root).toJson(), &error))
        return {std::nullopt, error};
    return {};
}
