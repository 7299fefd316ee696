#pragma once

#include <QJsonObject>
#include <QLatin1String>
#include <QPair>
#include <QString>

/// An error at the API edge: what went wrong (a code from one enum) and a message for people.
/// Errors are typed in the core (ChatService::Error, StoreError,
/// ServerService::Error) and turned into an ApiError by the controllers (CoreErrors); toHttp() is
/// the one place that maps a code to its HTTP status and its `{"error":{"code":"…","message":"…"}}`
/// body.
struct ApiError
{
    enum class Code {
        // 400
        EmptyBody, ///< a JSON body was expected and none came
        InvalidJson, ///< the body is not JSON, or not an object
        InvalidDocument, ///< an imported session document is refused (the message names the field)
        InvalidField, ///< a field is missing or has the wrong type or value
        InvalidLastEventId, ///< Last-Event-ID is not an event id
        EmptyMessage, ///< the chat message is empty
        // 400 from the connection guard: the request is not well-framed HTTP/1.1
        BadRequestLine, ///< not "METHOD target HTTP/1.x"
        BadHttpVersion, ///< neither HTTP/1.1 nor HTTP/1.0
        BadRequestTarget, ///< neither a path nor an http:// URL
        BadLine, ///< a line not ended by CRLF, or a bare CR
        BadHeader, ///< a malformed or folded header line
        MissingHost, ///< no Host header
        BadHost, ///< two Host headers, or a target naming another host
        BadContentLength, ///< repeated, negative, non-digit or overflowing
        BadTransferEncoding, ///< not "chunked", or together with Content-Length
        BadChunk, ///< a bad chunk-size line, chunk extensions, trailers
        PipeliningRefused, ///< a request before the previous one was answered
        // 408, 414, 431
        RequestTimeout, ///< the request was not complete in time
        RequestLineTooLong, ///< the request line is over the limit
        HeadersTooLarge, ///< the header block is over the limit
        TooManyHeaders, ///< more headers than the limit
        // 401, 403
        Unauthorized, ///< no or a wrong bearer token
        ForbiddenHost, ///< Host is not a name of this server (DNS rebinding)
        ForbiddenOrigin, ///< Origin is neither ours nor allowed
        ForbiddenCrossSite, ///< a browser request from another site that would change state
        // 404, 405
        NotFound, ///< no such endpoint
        MethodNotAllowed, ///< the endpoint exists, the method does not
        UnknownSession, ///< no session with that id
        UnknownRequest, ///< no pending approval or elicitation with that id
        UnknownServer, ///< no MCP server with that name
        UnknownRule, ///< no remembered approval rule for that key
        // 409
        TurnRunning, ///< a turn already runs on the session
        NoTurn, ///< no turn runs on the session
        SessionExists, ///< the session id is taken
        ServerDisabled, ///< the MCP server is disabled (config or API)
        ConfigRule, ///< the approval rule comes from the config file, not the API
        // 413
        BodyTooLarge, ///< the body exceeds the limit
        // 500, 503
        MissingResource, ///< a compiled-in file is missing
        TooManyConnections, ///< the stream cap or the open-connection cap is reached
        TooManySessions, ///< the session cap is reached
        StoreUnavailable, ///< the session store cannot be reached now (Redis down or stalled)
        TurnUnreachable, ///< the instance that runs the turn did not answer in time
        StoreFailed, ///< the session store failed (disk full, a corrupt database)
    };

    /// What goes on the wire.
    struct Http
    {
        int status = 500;
        QLatin1String code; ///< the stable wire name, "turn_running"
        QJsonObject body; ///< {"error":{"code","message"}}
    };

    Code code;
    QString message;
    int retryAfterSeconds = 0; ///< > 0: a Retry-After header is sent

    ApiError(Code c, QString m, int retryAfter = 0)
        : code(c)
        , message(std::move(m))
        , retryAfterSeconds(retryAfter)
    { }

    /// The one mapping of a code to its status and its stable wire name ("turn_running"), in
    /// the body that is sent.
    [[nodiscard]] Http toHttp() const;
};
