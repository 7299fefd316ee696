#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace JsonRpc {

/// Standard JSON-RPC 2.0 error codes, and the implementation-defined ones the host uses.
enum ErrorCode : int {
    ParseError = -32700,
    InvalidRequest = -32600,
    MethodNotFound = -32601,
    InvalidParams = -32602,
    InternalError = -32603,
    // Implementation-defined server errors (-32000 .. -32099) used by the host.
    RequestTimeout = -32001,
    ConnectionClosed = -32000,
    RequestCancelled = -32800,
    TransportError = -32002,
};

/// A JSON-RPC error object.
struct Error
{
    int code = InternalError;
    QString message;
    QJsonValue data;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Error fromJson(const QJsonObject &object);
};

/// One JSON-RPC 2.0 message: request, notification, result response or error response.
/// Ids are strings or integers (kept as QJsonValue); `idKey()` gives a stable map key for both.
class Message
{
public:
    enum class Kind { Invalid, Request, Notification, Response, ErrorResponse };

    Message() = default;

    [[nodiscard]] static Message request(const QJsonValue &id, const QString &method,
                                         const QJsonObject &params = {});
    [[nodiscard]] static Message notification(const QString &method,
                                              const QJsonObject &params = {});
    [[nodiscard]] static Message response(const QJsonValue &id, const QJsonObject &result);
    [[nodiscard]] static Message errorResponse(const QJsonValue &id, const Error &error);

    /// Parses and validates one message; on failure returns an Invalid message and sets *error.
    [[nodiscard]] static Message fromJson(const QJsonObject &object, QString *error = nullptr);
    /// Parses UTF-8 JSON text holding one message object.
    [[nodiscard]] static Message parse(QByteArrayView text, QString *error = nullptr);

    [[nodiscard]] QJsonObject toJson() const;
    /// Compact UTF-8 JSON, without a trailing newline.
    [[nodiscard]] QByteArray serialize() const;

    [[nodiscard]] Kind kind() const { return m_kind; }
    [[nodiscard]] bool isValid() const { return m_kind != Kind::Invalid; }
    [[nodiscard]] bool isRequest() const { return m_kind == Kind::Request; }
    [[nodiscard]] bool isNotification() const { return m_kind == Kind::Notification; }
    [[nodiscard]] bool isResponse() const
    {
        return m_kind == Kind::Response || m_kind == Kind::ErrorResponse;
    }

    [[nodiscard]] const QJsonValue &id() const { return m_id; }
    [[nodiscard]] QString idKey() const { return idKey(m_id); }
    [[nodiscard]] const QString &method() const { return m_method; }
    [[nodiscard]] const QJsonObject &params() const { return m_params; }
    [[nodiscard]] const QJsonObject &result() const { return m_result; }
    [[nodiscard]] const Error &error() const { return m_error; }
    /// A request's JSON text as it came (parse() or setText()), for what the parsed object
    /// loses: the order of an object's keys. Empty for other messages and built ones.
    [[nodiscard]] const QByteArray &text() const { return m_text; }
    /// Keeps `text` as the request's text (ignored for other kinds: only requests need it).
    void setText(const QByteArray &text);

    /// "i:42" for integer ids, "s:abc" for strings: integer 1 and string "1" stay distinct.
    [[nodiscard]] static QString idKey(const QJsonValue &id);

private:
    Kind m_kind = Kind::Invalid;
    QJsonValue m_id;
    QString m_method;
    QJsonObject m_params;
    QJsonObject m_result;
    Error m_error;
    QByteArray m_text;
};

} // namespace JsonRpc
