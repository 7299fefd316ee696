#include "latereply.h"

#include "httpresponses.h"

LateReply::LateReply(QHttpServerResponder &&responder, Headers cors, QObject *parent)
    : QObject(parent)
    , m_writer(std::move(responder))
    , m_cors(std::move(cors))
{ }

LateReply::~LateReply() = default;

void LateReply::json(int status, const QJsonDocument &body)
{
    HttpResponses::sendJson(m_writer, status, body, m_cors);
    deleteLater();
}

void LateReply::error(const ApiError &error)
{
    HttpResponses::sendError(m_writer, error, m_cors);
    deleteLater();
}

void LateReply::text(int status, const QByteArray &contentType, const QByteArray &body)
{
    HttpResponses::sendText(m_writer, status, contentType, body, m_cors);
    deleteLater();
}
