#include "apierror.h"

ApiError::Http ApiError::toHttp() const
{
    using C = ApiError::Code;
    const auto wire = [](C code) -> QPair<int, const char *> {
        switch (code) {
        case C::EmptyBody:
            return {400, "empty_body"};
        case C::InvalidJson:
            return {400, "invalid_json"};
        case C::InvalidField:
            return {400, "invalid_field"};
        case C::InvalidLastEventId:
            return {400, "invalid_last_event_id"};
        case C::EmptyMessage:
            return {400, "empty_message"};
        case C::Unauthorized:
            return {401, "unauthorized"};
        case C::ForbiddenHost:
            return {403, "forbidden_host"};
        case C::ForbiddenOrigin:
            return {403, "forbidden_origin"};
        case C::ForbiddenCrossSite:
            return {403, "forbidden_cross_site"};
        case C::NotFound:
            return {404, "not_found"};
        case C::MethodNotAllowed:
            return {405, "method_not_allowed"};
        case C::UnknownSession:
            return {404, "unknown_session"};
        case C::UnknownRequest:
            return {404, "unknown_request"};
        case C::UnknownServer:
            return {404, "unknown_server"};
        case C::TurnRunning:
            return {409, "turn_running"};
        case C::NoTurn:
            return {409, "no_turn"};
        case C::SessionExists:
            return {409, "session_exists"};
        case C::ServerDisabled:
            return {409, "server_disabled"};
        case C::BodyTooLarge:
            return {413, "body_too_large"};
        case C::MissingResource:
            return {500, "missing_resource"};
        case C::TooManyConnections:
            return {503, "too_many_connections"};
        case C::TooManySessions:
            return {503, "too_many_sessions"};
        }
        return {500, "internal_error"};
    }(code);
    const QLatin1String name(wire.second);
    const QJsonObject error {{QStringLiteral("code"), name}, {QStringLiteral("message"), message}};
    return {wire.first, name, {{QStringLiteral("error"), error}}};
}
