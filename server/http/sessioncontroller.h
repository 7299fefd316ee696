#pragma once

#include <QtGlobal>

class ApiRouter;
class QHttpServerResponder;
class QObject;
struct ApiRequest;
class SessionService;
class SseConnectionManager;

/// The sessions: list (pages sorted by last activity, a cursor, a title filter), create (with
/// an optional id of the caller's), read with the messages and turns, rename (PATCH
/// {"title"}), delete (cancelling a running turn first; the answer says what was removed),
/// export (the session document, or Markdown) and import (a document as a new session).
/// Every answer comes when the store has answered (LateReply).
class SessionController
{
public:
    /// `owner` parents the answers that wait for the store.
    SessionController(SessionService *sessions, const SseConnectionManager *connections,
                      QObject *owner)
        : m_sessions(sessions)
        , m_connections(connections)
        , m_owner(owner)
    { }

    /// The largest session document POST /api/v3/sessions/import takes (its body limit).
    void setMaxImportBytes(qint64 bytes) { m_maxImportBytes = bytes; }
    void registerRoutes(ApiRouter &router);

private:
    void list(ApiRequest &ctx, QHttpServerResponder &&r);
    void create(ApiRequest &ctx, QHttpServerResponder &&r);
    void get(ApiRequest &ctx, QHttpServerResponder &&r);
    void rename(ApiRequest &ctx, QHttpServerResponder &&r);
    void remove(ApiRequest &ctx, QHttpServerResponder &&r);
    void exportSession(ApiRequest &ctx, QHttpServerResponder &&r);
    void importSession(ApiRequest &ctx, QHttpServerResponder &&r);

    SessionService *m_sessions;
    const SseConnectionManager *m_connections;
    QObject *m_owner;
    qint64 m_maxImportBytes = 64 * 1024 * 1024;
};
