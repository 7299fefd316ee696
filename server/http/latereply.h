#pragma once

#include "apierror.h"
#include "responsewriter.h"

#include <QJsonDocument>
#include <QObject>

/// An answer given after the request handler returned (the store answers later): takes the
/// responder, answers once, then deletes itself. Nothing is written when the client is gone.
class LateReply : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LateReply)

public:
    using Headers = ResponseWriter::Headers;

    /// Call inside the request handler; `parent` bounds its life (the controller's owner).
    LateReply(QHttpServerResponder &&responder, Headers cors, QObject *parent);
    ~LateReply() override;

    void json(int status, const QJsonDocument &body);
    void error(const ApiError &error);
    void text(int status, const QByteArray &contentType, const QByteArray &body);

private:
    ResponseWriter m_writer;
    Headers m_cors;
};
