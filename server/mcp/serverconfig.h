#pragma once

#include "configerror.h"
#include "configreader.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

/// One entry of the `mcpServers` config (the de-facto format other hosts read).
struct ServerConfig
{
    enum class Kind {
        Stdio, ///< "command" (+ "args", "env", "cwd")
        StreamableHttp, ///< "url" with type http / streamable-http / streamableHttp / …, or none
        Sse, ///< "url" with type "sse": the 2024-11-05 HTTP+SSE transport
    };

    static constexpr qint64 kDefaultMaxMessageBytes = 16 * 1024 * 1024;

    QString name;
    Kind kind = Kind::Stdio;
    QString command;
    QStringList args;
    QMap<QString, QString> env; ///< set for the server (over the minimal inherited environment)
    /// Config key `env_passthrough`: names of host variables passed to this stdio server on top
    /// of the minimal environment (HOME, LOGNAME, PATH, SHELL, TERM, USER, LANG, LC_*).
    QStringList envPassthrough;
    QString cwd; ///< resolved against the config file's folder when relative
    QUrl url;
    QMap<QString, QString> headers;
    bool disabled = false;
    int timeoutMs = 60000; ///< per-request timeout
    /// Config key `max_message_bytes`: the longest stdio message (one line) the server may send;
    /// past it the server is failed and restarted. Default 16 MiB.
    qint64 maxMessageBytes = kDefaultMaxMessageBytes;
    int line = 0; ///< where the entry starts in the file (for messages)

    [[nodiscard]] QString kindName() const;
};

/// Parses `{"mcpServers": {…}}`. Unknown fields are ignored (other hosts add their own);
/// fields of the wrong type, a missing command/url and bad JSON are errors naming the line.
class ServerConfigParser
{
public:
    /// "timeout": seconds, or milliseconds when over 1000 (some hosts write milliseconds).
    static constexpr ValueRange kTimeoutRange {0.1, 86400000, false, ""};
    static constexpr ValueRange kMaxMessageBytesRange {1024, 1024.0 * 1024 * 1024, true, "bytes"};

    struct Result
    {
        QList<ServerConfig> servers;
        QList<ConfigError> errors;
        QJsonObject root; ///< the whole document, for the host's other sections
        [[nodiscard]] bool ok() const { return errors.isEmpty(); }
    };

    [[nodiscard]] static Result parse(const QByteArray &text, const QString &fileName,
                                      const QString &baseDir = {});
    [[nodiscard]] static Result parseFile(const QString &path);
    /// Reads the `mcpServers` section of `root` through `reader` (errors are placed there).
    [[nodiscard]] static QList<ServerConfig> read(ConfigReader &reader, const QJsonObject &root,
                                                  const QString &baseDir);
    /// Parses one server entry (also used by the API to add servers at run time).
    [[nodiscard]] static ServerConfig parseServer(const QString &name, const QJsonObject &entry,
                                                  const QString &baseDir, QStringList *errors);
    /// One server entry at `pointer`; nothing when it has errors (they are in `reader`).
    [[nodiscard]] static std::optional<ServerConfig>
    readServer(ConfigReader &reader, const QString &name, const QJsonObject &entry,
               const QString &pointer, const QString &baseDir);
};
