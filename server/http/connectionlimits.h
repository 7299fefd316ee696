#pragma once

#include <QtGlobal>

/// The limits the HTTP edge applies to every connection before QtHttpServer parses a byte
/// (config keys of the `server` section in brackets).
struct ConnectionLimits
{
    int maxOpenConnections = 256; ///< open TCP connections overall [max_open_connections]
    int requestTimeoutMs = 30000; ///< a started request must be complete [request_timeout_seconds]
    int idleTimeoutMs
            = 60000; ///< a connection without a request in progress [idle_timeout_seconds]
    qint64 maxHeaderBytes = 32768; ///< request line + headers [max_header_bytes]
    int maxHeaderCount = 100; ///< [max_header_count]
    qint64 maxRequestLineBytes = 8192; ///< longer: 414
    int retryAfterSeconds = 5; ///< in the 503 past maxOpenConnections
};
