#pragma once

#include <QObject>
#include <QString>
#include <QTextStream>

#include <functional>

class HostCore;

/// `mcp-hostd export ID [--format json|markdown] [-o FILE]` and `mcp-hostd import FILE`: a
/// session of the configured store as its document (SessionDocument) or as Markdown, and a
/// document stored as a new session (printed: its summary as JSON). No server needs to run;
/// the MCP servers are not started. Exit codes: 0 done, 1 refused (no such session, a bad
/// document, the store failed), 2 usage or setup.
class ArchiveCommand : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ArchiveCommand)

public:
    struct Options
    {
        bool import = false; ///< false: export
        QString sessionId; ///< export: the session
        QString format = QStringLiteral("json"); ///< export: "json" or "markdown"
        QString path; ///< export: the output file ("" or "-": stdout); import: the document
        QString configPath;
        QString store; ///< --store
    };

    explicit ArchiveCommand(Options options, QObject *parent = nullptr);
    ~ArchiveCommand() override;

    void run(std::function<void(int exitCode)> done);

private:
    void exportSession();
    void importSession();
    void finish(int code, const QString &error = {});

    Options m_options;
    HostCore *m_core = nullptr;
    std::function<void(int)> m_done;
    QTextStream m_err;
};
