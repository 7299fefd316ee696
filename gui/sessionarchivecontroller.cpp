#include "sessionarchivecontroller.h"

#include "apiclient.h"
#include "logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

namespace {

QString sizeText(qint64 bytes)
{
    return QLocale::c().formattedDataSize(bytes, 1);
}

// "64.0 MiB (67108865 bytes)": exact where a rounded size could read the same as the cap.
QString exactSize(qint64 bytes)
{
    return QStringLiteral("%1 (%2 bytes)").arg(sizeText(bytes)).arg(bytes);
}

QString messageOf(const ApiError &error)
{
    return error.message.isEmpty() ? error.code : error.message;
}

} // namespace

SessionArchiveController::SessionArchiveController(QObject *parent)
    : QObject(parent)
    , m_maxImportBytes(ApiClient::kMaxImportBytes)
{ }

SessionArchiveController::~SessionArchiveController()
{
    // An export cut short leaves the file as it was.
    if (m_saveFile)
        m_saveFile->cancelWriting();
    // An upload still reads the file until its request is aborted (when this object's destroyed
    // signal goes out, after the members are gone): the file goes later.
    if (m_importFile)
        m_importFile.release()->deleteLater();
}

void SessionArchiveController::setApiClient(ApiClient *client)
{
    m_client = client;
}

bool SessionArchiveController::start()
{
    if (m_busy) {
        fail(QStringLiteral("Another export or import is still running"));
        return false;
    }
    if (!m_client) {
        fail(QStringLiteral("Not connected to a server"));
        return false;
    }
    return true;
}

bool SessionArchiveController::exportSession(const QString &sessionId, const QUrl &file,
                                             const QString &format)
{
    if (format != QLatin1String("json") && format != QLatin1String("markdown")) {
        fail(QStringLiteral("Export: the format is \"json\" or \"markdown\", not \"%1\"")
                     .arg(format.left(40)));
        return false;
    }
    if (sessionId.isEmpty()) {
        fail(QStringLiteral("Export: no session chosen"));
        return false;
    }
    if (!file.isLocalFile()) {
        fail(QStringLiteral("Export: choose a file on this computer"));
        return false;
    }
    if (!start())
        return false;
    const QString path = file.toLocalFile();
    auto saveFile = std::make_unique<QSaveFile>(path);
    if (!saveFile->open(QIODevice::WriteOnly)) {
        fail(QStringLiteral("Cannot write \u201c%1\u201d: %2").arg(path, saveFile->errorString()));
        return false;
    }
    m_saveFile = std::move(saveFile);
    setBusy(true);
    // The answer goes into the file as it arrives: the GUI thread writes small pieces, never the
    // whole document at once.
    m_client->exportSession(
            sessionId, format, m_saveFile.get(), this,
            [this, sessionId, path](qint64 bytes, const std::optional<ApiError> &error) {
                std::unique_ptr<QSaveFile> saveFile = std::move(m_saveFile);
                setBusy(false);
                if (error) {
                    saveFile->cancelWriting();
                    fail(QStringLiteral("Export failed: %1").arg(messageOf(*error)));
                    return;
                }
                if (!saveFile->commit()) {
                    fail(QStringLiteral("Cannot write \u201c%1\u201d: %2")
                                 .arg(path, saveFile->errorString()));
                    return;
                }
                qCInfo(lcGui).noquote() << "exported session" << sessionId << "to" << path;
                succeed(QStringLiteral("Exported to %1 (%2)").arg(path, sizeText(bytes)));
                Q_EMIT exported(sessionId, path, bytes);
            });
    return true;
}

bool SessionArchiveController::importSession(const QUrl &file)
{
    if (!file.isLocalFile()) {
        fail(QStringLiteral("Import: choose a file on this computer"));
        return false;
    }
    const QString path = file.toLocalFile();
    const QFileInfo info(path);
    const QString name = info.fileName();
    // The size is known before a byte is read: a file the server would refuse is not sent.
    if (!info.exists()) {
        fail(QStringLiteral("Not imported: \u201c%1\u201d does not exist").arg(path));
        return false;
    }
    if (!info.isFile()) {
        fail(QStringLiteral("Not imported: \u201c%1\u201d is not a file").arg(path));
        return false;
    }
    if (info.size() == 0) {
        fail(QStringLiteral("Not imported: \u201c%1\u201d is empty").arg(name));
        return false;
    }
    if (info.size() > m_maxImportBytes) {
        fail(QStringLiteral("Not imported: \u201c%1\u201d has %2; a session document can have at "
                            "most %3")
                     .arg(name, exactSize(info.size()), exactSize(m_maxImportBytes)));
        return false;
    }
    if (!start())
        return false;
    auto document = std::make_unique<QFile>(path);
    if (!document->open(QIODevice::ReadOnly)) {
        fail(QStringLiteral("Not imported: cannot read \u201c%1\u201d: %2")
                     .arg(path, document->errorString()));
        return false;
    }
    // The file may have grown since it was measured: what is sent is bounded again here.
    if (document->size() > m_maxImportBytes) {
        fail(QStringLiteral("Not imported: \u201c%1\u201d has %2; a session document can have at "
                            "most %3")
                     .arg(name, exactSize(document->size()), exactSize(m_maxImportBytes)));
        return false;
    }
    m_importFile = std::move(document);
    setBusy(true);
    m_client->importSession(
            m_importFile.get(), this,
            [this, name](const SessionSummary &session, const std::optional<ApiError> &error) {
                m_importFile.reset();
                setBusy(false);
                if (error) {
                    // The server's own words: they name the field of the document it refused.
                    fail(QStringLiteral("Not imported: %1").arg(messageOf(*error)));
                    return;
                }
                m_lastImport = session;
                qCInfo(lcGui).noquote() << "imported" << name << "as session" << session.id;
                succeed(QStringLiteral("Imported \u201c%1\u201d from %2")
                                .arg(session.title.isEmpty() ? session.id : session.title, name));
                Q_EMIT imported(session.id);
            });
    return true;
}

QUrl SessionArchiveController::suggestedFile(const QString &title, const QString &format) const
{
    // A file name from the title: no path separators or control characters, not too long.
    QString base = title.simplified();
    static const QRegularExpression unsafe(QStringLiteral(R"([/\\:*?"<>|\x00-\x1f])"));
    base.replace(unsafe, QStringLiteral("-"));
    base = base.left(80).trimmed();
    while (base.startsWith(QLatin1Char('.')))
        base.remove(0, 1);
    if (base.isEmpty())
        base = QStringLiteral("session");
    QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QDir::homePath();
    const QString suffix
            = format == QLatin1String("markdown") ? QStringLiteral(".md") : QStringLiteral(".json");
    return QUrl::fromLocalFile(QDir(folder).filePath(base + suffix));
}

void SessionArchiveController::succeed(const QString &text)
{
    m_statusText = text;
    m_errorText.clear();
    Q_EMIT statusChanged();
}

void SessionArchiveController::fail(const QString &text)
{
    qCWarning(lcGui).noquote() << text;
    m_errorText = text;
    m_statusText.clear();
    Q_EMIT statusChanged();
    Q_EMIT failed(text);
}

void SessionArchiveController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged();
}
