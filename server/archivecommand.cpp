#include "archivecommand.h"

#include "hostcore.h"
#include "markdownexport.h"
#include "sessiondocument.h"
#include "sessionservice.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSaveFile>
#include <QTimer>
#include <QUuid>

#include <cstdio>

ArchiveCommand::ArchiveCommand(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_err(stderr)
{ }

ArchiveCommand::~ArchiveCommand() = default;

void ArchiveCommand::run(std::function<void(int)> done)
{
    m_done = std::move(done);
    HostCore::Options options;
    options.configPath = m_options.configPath;
    options.store = m_options.store;
    options.autoRestart = false;
    m_core = new HostCore(this);
    QString error;
    if (!m_core->init(options, &error)) {
        QTimer::singleShot(0, this, [this, error] { finish(2, error); });
        return;
    }
    m_core->open([this](const QString &why) {
        if (!why.isEmpty())
            return finish(2, why);
        if (m_options.import)
            importSession();
        else
            exportSession();
    });
}

void ArchiveCommand::finish(int code, const QString &error)
{
    if (!error.isEmpty()) {
        m_err << "mcp-hostd: " << error << '\n';
        m_err.flush();
    }
    // The store keeps what was written; shutdown waits for nothing else (no turn runs).
    QPointer<ArchiveCommand> self(this);
    m_core->shutdown([self, code] {
        if (self)
            self->m_done(code);
    });
}

void ArchiveCommand::exportSession()
{
    m_core->sessionService()->exportArchive(
            m_options.sessionId, [this](StoreResult<SessionArchive> archive) {
                if (!archive.ok())
                    return finish(1, archive.error().message);
                const QByteArray bytes = m_options.format == QLatin1String("markdown")
                        ? MarkdownExport::fromArchive(archive.value()).toUtf8()
                        : SessionDocument::toBytes(archive.value(), {}, true);
                if (m_options.path.isEmpty() || m_options.path == QLatin1String("-")) {
                    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
                    std::fflush(stdout);
                    return finish(0);
                }
                // Written whole or not at all: a failed export leaves no half file.
                QSaveFile file(m_options.path);
                if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size()
                    || !file.commit())
                    return finish(1,
                                  QStringLiteral("cannot write %1: %2")
                                          .arg(m_options.path, file.errorString()));
                finish(0);
            });
}

void ArchiveCommand::importSession()
{
    QFile file(m_options.path);
    if (!file.open(QIODevice::ReadOnly))
        return finish(1,
                      QStringLiteral("cannot read %1: %2").arg(m_options.path, file.errorString()));
    // The size first: a file over the limit (config `sessions.import_max_bytes`) is not read.
    const qint64 maxBytes = m_core->config().sessions.effectiveImportMaxBytes();
    if (file.size() > maxBytes)
        return finish(
                1,
                QStringLiteral("%1: the document is %2, over the import limit of %3")
                        .arg(m_options.path, byteSizeText(file.size()), byteSizeText(maxBytes)));
    const QByteArray bytes = file.read(maxBytes + 1);
    SessionDocument::Limits limits;
    limits.maxBytes = maxBytes;
    SessionDocument::Error why;
    auto archive = SessionDocument::fromBytes(
            bytes, QUuid::createUuid().toString(QUuid::WithoutBraces), &why, limits);
    if (!archive)
        return finish(1, QStringLiteral("%1: %2").arg(m_options.path, why.text()));
    m_core->sessionService()->importArchive(
            std::move(*archive), [this](StoreResult<SessionRecord> imported) {
                if (!imported.ok())
                    return finish(1, imported.error().message);
                const SessionRecord &r = imported.value();
                const QJsonObject summary {{QStringLiteral("session_id"), r.id},
                                           {QStringLiteral("title"), r.title},
                                           {QStringLiteral("message_count"), r.messageCount},
                                           {QStringLiteral("turn_count"), r.turnCount},
                                           {QStringLiteral("last_seq"), r.lastSeq}};
                const QByteArray line = QJsonDocument(summary).toJson(QJsonDocument::Compact);
                std::fprintf(stdout, "%s\n", line.constData());
                std::fflush(stdout);
                finish(0);
            });
}
