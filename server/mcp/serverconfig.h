#pragma once

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QUrl>

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

/// A problem in a config file, with where it is.
struct ConfigError
{
    QString file;
    int line = 0;
    int column = 0;
    QString message;

    [[nodiscard]] QString toString() const;
};

/// Parses `{"mcpServers": {…}}`. Unknown fields are ignored (other hosts add their own);
/// fields of the wrong type, a missing command/url and bad JSON are errors naming the line.
class ServerConfigParser
{
public:
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
    /// Parses one server entry (also used by the API to add servers at run time).
    [[nodiscard]] static ServerConfig parseServer(const QString &name, const QJsonObject &entry,
                                                  const QString &baseDir, QStringList *errors);
};
