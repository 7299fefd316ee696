#include "jsonrpc.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <optional>

namespace JsonRpc {

namespace {
const QString kJsonRpc = QStringLiteral("jsonrpc");
const QString kId = QStringLiteral("id");
const QString kMethod = QStringLiteral("method");
const QString kParams = QStringLiteral("params");
const QString kResult = QStringLiteral("result");
const QString kError = QStringLiteral("error");

// An integer id must fit in qint64: idKey() converts it, and a double such as 1e300 has no
// integer value (converting it would be undefined behaviour).
std::optional<qint64> integerId(const QJsonValue &id)
{
    if (!id.isDouble())
        return std::nullopt;
    // toInteger() returns the default for fractions and out-of-range values; two different
    // defaults tell that apart from a genuine 0 or -1.
    const qint64 a = id.toInteger(0);
    if (a != id.toInteger(-1))
        return std::nullopt;
    return a;
}

bool isValidId(const QJsonValue &id)
{
    return id.isString() || integerId(id).has_value();
}

Message invalid(QString *error, const QString &why)
{
    if (error)
        *error = why;
    return {};
}
} // namespace

QJsonObject Error::toJson() const
{
    QJsonObject o {{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!data.isUndefined() && !data.isNull())
        o.insert(QStringLiteral("data"), data);
    return o;
}

Error Error::fromJson(const QJsonObject &object)
{
    Error e;
    e.code = object.value(QStringLiteral("code")).toInt(InternalError);
    e.message = object.value(QStringLiteral("message")).toString();
    // An absent "data" keeps the default (null), so a parsed error equals the one that was sent.
    const QJsonValue data = object.value(QStringLiteral("data"));
    if (!data.isUndefined())
        e.data = data;
    return e;
}

Message Message::request(const QJsonValue &id, const QString &method, const QJsonObject &params)
{
    Message m;
    m.m_kind = Kind::Request;
    m.m_id = id;
    m.m_method = method;
    m.m_params = params;
    return m;
}

Message Message::notification(const QString &method, const QJsonObject &params)
{
    Message m;
    m.m_kind = Kind::Notification;
    m.m_method = method;
    m.m_params = params;
    return m;
}

Message Message::response(const QJsonValue &id, const QJsonObject &result)
{
    Message m;
    m.m_kind = Kind::Response;
    m.m_id = id;
    m.m_result = result;
    return m;
}

Message Message::errorResponse(const QJsonValue &id, const Error &error)
{
    Message m;
    m.m_kind = Kind::ErrorResponse;
    m.m_id = id.isUndefined() ? QJsonValue(QJsonValue::Null) : id;
    m.m_error = error;
    return m;
}

Message Message::fromJson(const QJsonObject &object, QString *error)
{
    if (object.value(kJsonRpc).toString() != QLatin1String("2.0"))
        return invalid(error, QStringLiteral("missing or wrong \"jsonrpc\" (must be \"2.0\")"));

    const QJsonValue id = object.value(kId);
    const bool hasId = object.contains(kId);
    if (hasId && !id.isNull() && !isValidId(id))
        return invalid(error, QStringLiteral("\"id\" must be a string or an integer"));

    if (object.contains(kMethod)) {
        const QJsonValue method = object.value(kMethod);
        if (!method.isString() || method.toString().isEmpty())
            return invalid(error, QStringLiteral("\"method\" must be a non-empty string"));
        const QJsonValue params = object.value(kParams);
        if (!params.isUndefined() && !params.isObject())
            return invalid(error, QStringLiteral("\"params\" must be an object"));
        if (hasId && id.isNull())
            return invalid(error, QStringLiteral("a request \"id\" must not be null"));
        Message m = hasId ? request(id, method.toString(), params.toObject())
                          : notification(method.toString(), params.toObject());
        return m;
    }

    const bool hasResult = object.contains(kResult);
    const bool hasError = object.contains(kError);
    if (hasResult == hasError)
        return invalid(error,
                       QStringLiteral("a message needs \"method\", or exactly one of "
                                      "\"result\" and \"error\""));
    if (!hasId)
        return invalid(error, QStringLiteral("a response needs an \"id\""));
    if (hasResult) {
        const QJsonValue result = object.value(kResult);
        if (!result.isObject())
            return invalid(error, QStringLiteral("\"result\" must be an object"));
        if (id.isNull())
            return invalid(error, QStringLiteral("a result response needs a non-null \"id\""));
        return response(id, result.toObject());
    }
    const QJsonValue err = object.value(kError);
    if (!err.isObject() || !err.toObject().value(QStringLiteral("code")).isDouble())
        return invalid(error, QStringLiteral("\"error\" must be an object with a numeric code"));
    return errorResponse(id, Error::fromJson(err.toObject()));
}

Message Message::parse(QByteArrayView text, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toByteArray(), &pe);
    if (pe.error != QJsonParseError::NoError)
        return invalid(error,
                       QStringLiteral("invalid JSON at offset %1: %2")
                               .arg(pe.offset)
                               .arg(pe.errorString()));
    if (!doc.isObject())
        return invalid(error, QStringLiteral("a JSON-RPC message must be a JSON object"));
    Message m = fromJson(doc.object(), error);
    m.setText(text.toByteArray());
    return m;
}

void Message::setText(const QByteArray &text)
{
    if (m_kind == Kind::Request)
        m_text = text;
}

QJsonObject Message::toJson() const
{
    QJsonObject o {{kJsonRpc, QStringLiteral("2.0")}};
    switch (m_kind) {
    case Kind::Request:
        o.insert(kId, m_id);
        o.insert(kMethod, m_method);
        if (!m_params.isEmpty())
            o.insert(kParams, m_params);
        break;
    case Kind::Notification:
        o.insert(kMethod, m_method);
        if (!m_params.isEmpty())
            o.insert(kParams, m_params);
        break;
    case Kind::Response:
        o.insert(kId, m_id);
        o.insert(kResult, m_result);
        break;
    case Kind::ErrorResponse:
        o.insert(kId, m_id);
        o.insert(kError, m_error.toJson());
        break;
    case Kind::Invalid:
        break;
    }
    return o;
}

QByteArray Message::serialize() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

QString Message::idKey(const QJsonValue &id)
{
    if (id.isString())
        return QLatin1String("s:") + id.toString();
    // toInteger() keeps integer ids above 2^53 exact, where a double would merge neighbours.
    if (const std::optional<qint64> n = integerId(id))
        return QLatin1String("i:") + QString::number(*n);
    return QStringLiteral("null");
}

} // namespace JsonRpc
