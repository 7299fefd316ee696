#pragma once

#include "apitypes.h"

#include <QObject>
#include <QPointer>
#include <QQmlEngine>
#include <QString>
#include <QUrl>

#include <memory>

class ApiClient;
class QFile;
class QSaveFile;

/// Export and import of whole sessions (QML: `App.archive`): exportSession() writes the server's
/// export (the versioned JSON document, or the readable Markdown) to a file as it arrives,
/// through a QSaveFile, so a failed export leaves no half-written file; importSession() sends a
/// session document from a file (its size checked first against the server's cap, never read
/// whole into memory) and says imported() with the new session. One transfer at a time.
/// What happened is in `statusText` (success) or `errorText` (failure, with the server's message
/// as it gave it); QML only presents.
class SessionArchiveController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("reach it as App.archive")
    Q_DISABLE_COPY_MOVE(SessionArchiveController)
    /// An export or import is on its way.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The last success in words ("Exported … to …", "Imported …"); "" after a failure.
    Q_PROPERTY(QString statusText READ statusText NOTIFY statusChanged)
    /// The last failure in words; "" after a success.
    Q_PROPERTY(QString errorText READ errorText NOTIFY statusChanged)

public:
    explicit SessionArchiveController(QObject *parent = nullptr);
    ~SessionArchiveController() override;

    /// The connection (not owned); nullptr: none (calls fail with "not connected").
    void setApiClient(ApiClient *client);
    /// The largest file importSession() sends (default ApiClient::kMaxImportBytes).
    void setMaxImportBytes(qint64 bytes) { m_maxImportBytes = bytes; }
    [[nodiscard]] qint64 maxImportBytes() const { return m_maxImportBytes; }

    [[nodiscard]] bool busy() const { return m_busy; }
    [[nodiscard]] QString statusText() const { return m_statusText; }
    [[nodiscard]] QString errorText() const { return m_errorText; }
    /// The session the last import made.
    [[nodiscard]] SessionSummary lastImport() const { return m_lastImport; }

    /// Writes session `sessionId` to `file` (a local file URL); `format` "json" or "markdown".
    /// False (and errorText set) when it cannot start; otherwise exported() or failed() follows.
    Q_INVOKABLE bool exportSession(const QString &sessionId, const QUrl &file,
                                   const QString &format);
    /// Sends the session document in `file` (a local file URL) to the server as a new session.
    /// False (and errorText set) when it cannot start (no such file, empty, over the cap);
    /// otherwise imported() or failed() follows.
    Q_INVOKABLE bool importSession(const QUrl &file);
    /// Where the save dialog starts for a session titled `title`: the documents folder and a file
    /// name made of the title ("Deploy the server.json", "….md").
    Q_INVOKABLE QUrl suggestedFile(const QString &title, const QString &format) const;

Q_SIGNALS:
    void busyChanged();
    void statusChanged();
    void exported(const QString &sessionId, const QString &path, qint64 bytes);
    /// The server stored the document as a new session (lastImport() has its summary).
    void imported(const QString &sessionId);
    void failed(const QString &message);

private:
    [[nodiscard]] bool start();
    void succeed(const QString &text);
    void fail(const QString &text);
    void setBusy(bool busy);

    QPointer<ApiClient> m_client;
    std::unique_ptr<QSaveFile> m_saveFile;
    std::unique_ptr<QFile> m_importFile;
    qint64 m_maxImportBytes;
    bool m_busy = false;
    QString m_statusText;
    QString m_errorText;
    SessionSummary m_lastImport;
};
