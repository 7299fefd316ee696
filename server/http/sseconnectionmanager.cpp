#include "sseconnectionmanager.h"

#include "logging.h"
#include "session.h"
#include "sseencoder.h"
#include "ssestream.h"

#include <QJsonDocument>

SseConnectionManager::SseConnectionManager(Options options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    m_heartbeat.setInterval(m_options.heartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &SseConnectionManager::heartbeat);
}

SseConnectionManager::~SseConnectionManager()
{
    for (const auto &list : std::as_const(m_streams)) {
        for (SseStream *s : list) {
            s->disconnect(this);
            delete s;
        }
    }
}

int SseConnectionManager::connectionsFor(const QString &sessionId) const
{
    return int(m_streams.value(sessionId).size());
}

QByteArray SseConnectionManager::encode(const StreamEvent &event, bool withId)
{
    const QByteArray json = QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact);
    const QByteArray type = event.typeName().toLatin1();
    return SseEncoder::event(json, type, withId ? QByteArray::number(event.seq) : QByteArray());
}

void SseConnectionManager::attach(QHttpServerResponder &&responder, Session *session,
                                  qint64 afterSeq, const StreamEvent &sessionStart,
                                  const QList<QPair<QByteArray, QByteArray>> &headers)
{
    auto *stream = new SseStream(std::move(responder), session->id(), m_options.maxBufferedBytes, this);
    connect(stream, &SseStream::closed, this, &SseConnectionManager::onStreamClosed);
    stream->open(headers);
    if (!stream->isOpen()) {
        stream->deleteLater();
        return;
    }
    QList<SseStream *> &list = m_streams[session->id()];
    list.append(stream);
    ++m_count;
    Q_EMIT connectionCountChanged(m_count);
    if (!m_heartbeat.isActive())
        m_heartbeat.start();

    if (!m_subscriptions.contains(session->id())) {
        QPointer<Session> guard(session);
        m_subscriptions.insert(session->id(),
                               connect(session, &Session::eventAppended, this,
                                       [this, guard](const StreamEvent &event) {
                                           if (guard)
                                               onEvent(guard, event);
                                       }));
    }

    // Replay, then live: everything happens on this thread, so no event can slip between.
    QByteArray backlog = encode(sessionStart, false);
    qint64 last = afterSeq;
    for (const StreamEvent &event : session->eventsAfter(afterSeq)) {
        backlog += encode(event);
        last = event.seq;
        ++m_eventsSent;
    }
    stream->setLastSeq(last);
    stream->write(backlog);
}

void SseConnectionManager::onEvent(Session *session, const StreamEvent &event)
{
    const auto it = m_streams.constFind(session->id());
    if (it == m_streams.constEnd())
        return;
    const QByteArray frame = encode(event);
    const QList<SseStream *> streams = it.value(); // a write may close (and unlist) a stream
    for (SseStream *s : streams) {
        if (s->lastSeq() >= event.seq)
            continue;
        if (s->write(frame)) {
            s->setLastSeq(event.seq);
            ++m_eventsSent;
        }
    }
    if (event.type == StreamEventType::SessionEnd) {
        for (SseStream *s : streams)
            s->close();
    }
}

void SseConnectionManager::onStreamClosed(SseStream *stream, const QString &why)
{
    const QString id = stream->sessionId();
    auto it = m_streams.find(id);
    if (it != m_streams.end() && it->removeOne(stream)) {
        --m_count;
        qCDebug(lcHttp).noquote() << "stream of session" << id << "closed:" << why;
        if (it->isEmpty()) {
            m_streams.erase(it);
            disconnect(m_subscriptions.take(id));
        }
        Q_EMIT connectionCountChanged(m_count);
    }
    if (m_count == 0)
        m_heartbeat.stop();
    // Never delete a stream inside one of its own signals.
    stream->deleteLater();
}

void SseConnectionManager::heartbeat()
{
    static const QByteArray frame = SseEncoder::comment("heartbeat");
    QList<SseStream *> all;
    for (const auto &list : std::as_const(m_streams))
        all += list;
    for (SseStream *s : std::as_const(all))
        s->write(frame);
}

void SseConnectionManager::closeAll()
{
    QList<SseStream *> all;
    for (const auto &list : std::as_const(m_streams))
        all += list;
    for (SseStream *s : std::as_const(all))
        s->close();
}
