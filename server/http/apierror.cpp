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
        case C::InvalidDocument:
            return {400, "invalid_document"};
        case C::InvalidField:
            return {400, "invalid_field"};
        case C::InvalidLastEventId:
            return {400, "invalid_last_event_id"};
        case C::EmptyMessage:
            return {400, "empty_message"};
        case C::BadRequestLine:
            return {400, "bad_request_line"};
        case C::BadHttpVersion:
            return {400, "bad_http_version"};
        case C::BadRequestTarget:
            return {400, "bad_request_target"};
        case C::BadLine:
            return {400, "bad_line"};
        case C::BadHeader:
            return {400, "bad_header"};
        case C::MissingHost:
            return {400, "missing_host"};
        case C::BadHost:
            return {400, "bad_host"};
        case C::BadContentLength:
            return {400, "bad_content_length"};
        case C::BadTransferEncoding:
            return {400, "bad_transfer_encoding"};
        case C::BadChunk:
            return {400, "bad_chunk"};
        case C::PipeliningRefused:
            return {400, "pipelining_refused"};
        case C::RequestTimeout:
            return {408, "request_timeout"};
        case C::RequestLineTooLong:
            return {414, "request_line_too_long"};
        case C::HeadersTooLarge:
            return {431, "headers_too_large"};
        case C::TooManyHeaders:
            return {431, "too_many_headers"};
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
        case C::UnknownRule:
            return {404, "unknown_rule"};
        case C::TurnRunning:
            return {409, "turn_running"};
        case C::NoTurn:
            return {409, "no_turn"};
        case C::SessionExists:
            return {409, "session_exists"};
        case C::ServerDisabled:
            return {409, "server_disabled"};
        case C::ConfigRule:
            return {409, "config_rule"};
        case C::BodyTooLarge:
            return {413, "body_too_large"};
        case C::MissingResource:
            return {500, "missing_resource"};
        case C::TooManyConnections:
            return {503, "too_many_connections"};
        case C::TooManySessions:
            return {503, "too_many_sessions"};
        case C::StoreUnavailable:
            return {503, "store_unavailable"};
        case C::TurnUnreachable:
            return {503, "turn_unreachable"};
        case C::StoreFailed:
            return {500, "store_failed"};
        }
        return {500, "internal_error"};
    }(code);
    const QLatin1String name(wire.second);
    const QJsonObject error {{QStringLiteral("code"), name}, {QStringLiteral("message"), message}};
    return {wire.first, name, {{QStringLiteral("error"), error}}};
}
