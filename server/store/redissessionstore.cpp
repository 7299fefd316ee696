#include "redissessionstore.h"

#include "compactjson.h"

#include "interruptedturn.h"
#include "messagecodec.h"
#include "redislogging.h"
#include "redisscripts.h"
#include "redissubscriber.h"
#include "sessioncursor.h"
#include "sessiontitle.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRandomGenerator>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <map>

namespace {

constexpr int kHoldCheckMs = 200;
constexpr int kListBatch = 200;
constexpr int kListMaxScan = 5000;
constexpr int kReapBatch = 100;

QByteArray num(qint64 v)
{
    return QByteArray::number(v);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

StoreError unavailable(const RedisReply &reply)
{
    return {StoreError::Code::Unavailable,
            QStringLiteral("Redis is unavailable: %1").arg(QString::fromUtf8(reply.str))};
}

StoreError notFound(const QString &id)
{
    return {StoreError::Code::NotFound, QStringLiteral("no session with id %1").arg(id)};
}

StoreError malformed(const char *what, const QString &detail)
{
    return {StoreError::Code::Io,
            QStringLiteral("Redis sent an unexpected answer to %1 (%2)")
                    .arg(QLatin1String(what), detail)};
}

/// The status word of a script's reply, or the error it stands for.
std::optional<StoreError> scriptError(const char *what, const RedisReply &reply, QByteArray *word)
{
    if (reply.isUnavailable())
        return unavailable(reply);
    if (reply.isError())
        return StoreError {
                StoreError::Code::Io,
                QStringLiteral("Redis refused %1: %2")
                        .arg(QLatin1String(what), QString::fromUtf8(reply.str.left(300)))};
    const QByteArray *w = reply.stringAt(0);
    if (!w)
        return malformed(what, reply.describe());
    *word = *w;
    return std::nullopt;
}

std::optional<qint64> integerAt(const RedisReply &reply, std::size_t i)
{
    if (!reply.isArray() || i >= reply.size())
        return std::nullopt;
    const RedisReply &e = reply.elements[i];
    if (e.type == RedisReply::Type::Integer)
        return e.integer;
    if (e.isString()) {
        bool ok = false;
        const qint64 v = e.str.toLongLong(&ok);
        if (ok)
            return v;
    }
    return std::nullopt;
}

/// A flat HGETALL reply as a map; false when it is not one.
bool hashOf(const RedisReply &flat, QHash<QByteArray, QByteArray> *out)
{
    if (!flat.isArray() || flat.size() % 2 != 0)
        return false;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
        if (!flat.elements[i].isString() || !flat.elements[i + 1].isString())
            return false;
        out->insert(flat.elements[i].str, flat.elements[i + 1].str);
    }
    return true;
}

std::optional<qint64> field(const QHash<QByteArray, QByteArray> &h, const char *name)
{
    bool ok = false;
    const qint64 v = h.value(name).toLongLong(&ok);
    if (!ok || v < 0)
        return std::nullopt;
    return v;
}

std::optional<SessionRecord> recordOf(const QHash<QByteArray, QByteArray> &h, QString *why)
{
    SessionRecord r;
    r.id = QString::fromUtf8(h.value("id"));
    r.title = QString::fromUtf8(h.value("title"));
    r.renamed = h.value("renamed") == "1";
    r.runningTurnId = QString::fromUtf8(h.value("running"));
    const auto created = field(h, "created");
    const auto updated = field(h, "updated");
    const auto turns = field(h, "turns");
    const auto messages = field(h, "messages");
    const auto seq = field(h, "seq");
    if (r.id.isEmpty() || !created || !updated || !turns || !messages || !seq || *turns > INT_MAX
        || *messages > INT_MAX) {
        *why = QStringLiteral("session record %1 lacks a field or has a bad one").arg(r.id);
        return std::nullopt;
    }
    r.created = StreamEvent::utcFromMSecs(*created);
    r.updated = StreamEvent::utcFromMSecs(*updated);
    r.turnCount = int(*turns);
    r.messageCount = int(*messages);
    r.lastSeq = *seq;
    return r;
}

std::optional<SessionRecord> recordOf(const RedisReply &flat, QString *why)
{
    QHash<QByteArray, QByteArray> h;
    if (!hashOf(flat, &h)) {
        *why = flat.describe();
        return std::nullopt;
    }
    return recordOf(h, why);
}

/// The answer of the create and import scripts: "OK" and the new record, or "CONFLICT" when a
/// session with that id exists.
StoreResult<SessionRecord> createdRecord(const char *what, const QString &id,
                                         const RedisReply &reply)
{
    QByteArray word;
    if (auto e = scriptError(what, reply, &word))
        return *e;
    if (word == "CONFLICT")
        return StoreError {StoreError::Code::Conflict,
                           QStringLiteral("a session with id %1 exists").arg(id)};
    QString why;
    auto r = reply.size() == 2 ? recordOf(reply.elements[1], &why) : std::nullopt;
    if (!r)
        return malformed(what, why);
    return *r;
}

/// Stream entries [[id, [field, value, …]], …] as events of `sessionId`.
bool eventsOf(const RedisReply &rows, const QString &sessionId, QList<StreamEvent> *out,
              QString *why)
{
    if (!rows.isArray()) {
        *why = rows.describe();
        return false;
    }
    out->reserve(qsizetype(rows.size()));
    for (const RedisReply &row : rows.elements) {
        const QByteArray *id = row.stringAt(0);
        if (!id || row.size() != 2 || !row.elements[1].isArray()) {
            *why = QStringLiteral("a stream entry of %1").arg(row.describe());
            return false;
        }
        const qsizetype dash = id->indexOf('-');
        bool ok = false;
        const qint64 seq = dash > 0 ? id->left(dash).toLongLong(&ok) : 0;
        if (!ok || seq <= 0) {
            *why = QStringLiteral("a stream entry id %1").arg(QString::fromUtf8(id->left(40)));
            return false;
        }
        const RedisReply &fields = row.elements[1];
        const QByteArray *json = nullptr;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            const QByteArray *name = fields.stringAt(i);
            if (name && *name == "e")
                json = fields.stringAt(i + 1);
        }
        const QJsonDocument doc = json ? QJsonDocument::fromJson(*json) : QJsonDocument();
        std::optional<StreamEvent> event
                = doc.isObject() ? StreamEvent::fromJson(doc.object()) : std::nullopt;
        if (!event) {
            *why = QStringLiteral("event %1 of session %2 is not an event").arg(seq).arg(sessionId);
            return false;
        }
        event->seq = seq;
        event->sessionId = sessionId;
        out->append(std::move(*event));
    }
    return true;
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// Writes `v` with `width` digits (zero-padded) at `w`; returns the end.
char *writeDigits(char *w, int v, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        w[i] = char('0' + v % 10);
        v /= 10;
    }
    return w + width;
}

/// "YYYY-MM-DDTHH:MM:SS.mmmZ" of `ms` since the epoch (years 1000 to 9999), from the day
/// count by the civil-from-days arithmetic of the proleptic Gregorian calendar: QDateTime's
/// conversions and a formatted print were a third of an append's CPU time.
bool writeUtcTime(char *w, qint64 ms)
{
    constexpr qint64 kMsPerDay = 86'400'000;
    constexpr qint64 kMin = -30'610'224'000'000; // 1000-01-01T00:00:00Z
    constexpr qint64 kMax = 253'402'300'799'999; // 9999-12-31T23:59:59.999Z
    if (ms < kMin || ms > kMax)
        return false;
    qint64 days = ms / kMsPerDay;
    qint64 rest = ms % kMsPerDay;
    if (rest < 0) {
        rest += kMsPerDay;
        --days;
    }
    // Days since 0000-03-01 in 400-year eras of 146097 days.
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 dayOfEra = z - era * 146097;
    const qint64 yearOfEra
            = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
    const qint64 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    const qint64 mp = (5 * dayOfYear + 2) / 153; // months from March
    const int day = int(dayOfYear - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const int year = int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    const int msOfDay = int(rest);
    w = writeDigits(w, year, 4);
    *w++ = '-';
    w = writeDigits(w, month, 2);
    *w++ = '-';
    w = writeDigits(w, day, 2);
    *w++ = 'T';
    w = writeDigits(w, msOfDay / 3'600'000, 2);
    *w++ = ':';
    w = writeDigits(w, msOfDay / 60'000 % 60, 2);
    *w++ = ':';
    w = writeDigits(w, msOfDay / 1000 % 60, 2);
    *w++ = '.';
    w = writeDigits(w, msOfDay % 1000, 3);
    *w = 'Z';
    return true;
}

} // namespace

/// Written field by field (building the merged QJsonObject, QJsonDocument::toJson and
/// QDateTime's formatting were most of an append's CPU time); StreamEvent::toJson when the data
/// has a field of the envelope or the time is out of the usual range.
QByteArray RedisSessionStore::eventJson(const StreamEvent &event)
{
    const auto generic = [&event] {
        StreamEvent e = event;
        e.seq = 0;
        return compact(e.toJson());
    };
    char ts[24];
    if (!event.ts.isValid() || !writeUtcTime(ts, event.ts.toMSecsSinceEpoch()))
        return generic();
    QByteArray out;
    out.reserve(512);
    out.append("{\"seq\":0,\"session_id\":");
    CompactJson::appendString(&out, event.sessionId);
    out.append(",\"ts\":\"");
    out.append(ts, sizeof ts);
    out.append("\",\"turn_id\":");
    if (event.turnId.isEmpty())
        out.append("null");
    else
        CompactJson::appendString(&out, event.turnId);
    out.append(",\"type\":\"");
    const QLatin1String type = streamEventTypeLatin1(event.type);
    out.append(type.data(), type.size());
    out.append('"');
    for (auto it = event.data.constBegin(); it != event.data.constEnd(); ++it) {
        const QString key = it.key();
        if ((key.startsWith(QLatin1Char('s')) || key.startsWith(QLatin1Char('t')))
            && (key == QLatin1String("seq") || key == QLatin1String("session_id")
                || key == QLatin1String("ts") || key == QLatin1String("turn_id")
                || key == QLatin1String("type")))
            return generic(); // a data field that the envelope overrides: toJson decides
        out.append(',');
        CompactJson::appendString(&out, key);
        out.append(':');
        CompactJson::appendValue(&out, it.value());
    }
    out.append('}');
    return out;
}

namespace {

QByteArray endJson(TurnState state, const QDateTime &ended, int iterations)
{
    return compact({{QStringLiteral("state"), turnStateName(state)},
                    {QStringLiteral("ended"), ended.toMSecsSinceEpoch()},
                    {QStringLiteral("iterations"), iterations}});
}

} // namespace

struct RedisSessionStore::ListState
{
    SessionQuery query;
    QByteArray max;
    int scanned = 0;
    int limit = 50;
    QList<SessionRecord> rows;
    Done<SessionPage> done;
};

std::optional<RedisSessionStore::Options> RedisSessionStore::optionsFromUrl(const QString &url,
                                                                            QString *why)
{
    const QUrl u(url, QUrl::StrictMode);
    if (!u.isValid() || u.scheme() != QLatin1String("redis") || u.host().isEmpty()
        || !u.userInfo().isEmpty() || u.hasQuery() || u.hasFragment()) {
        *why = QStringLiteral("the store URL must read redis://host[:port][/db]");
        return std::nullopt;
    }
    Options o;
    o.redis.host = u.host();
    const int port = u.port(6379);
    if (port < 1 || port > 65535) {
        *why = QStringLiteral("the Redis port must be 1..65535");
        return std::nullopt;
    }
    o.redis.port = quint16(port);
    QString path = u.path();
    if (path.startsWith(QLatin1Char('/')))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        const int db = path.toInt(&ok);
        if (!ok || db < 0 || db > 9999) {
            *why = QStringLiteral("the Redis database must be a number 0..9999, not \"%1\"")
                           .arg(path.left(40));
            return std::nullopt;
        }
        o.redis.db = db;
    }
    return o;
}

RedisSessionStore::RedisSessionStore(const Options &options, QObject *parent)
    : SessionStore(parent)
    , m_options(options)
    , m_keys(options.prefix)
    , m_connection(new RedisConnection(options.redis, this))
{
    m_clock.start();
    m_writer = QByteArray::number(QRandomGenerator::global()->generate64(), 36);
    for (const RedisScript &s : RedisScripts::all())
        m_connection->registerScript(s);
    QPointer<RedisSessionStore> self(this);
    m_subscriber = new RedisSubscriber(
            options.redis, m_keys.channel(),
            [self](const QString &id, qint64 after, int count,
                   std::function<void(QList<StreamEvent>)> done) {
                if (!self)
                    return;
                self->readLog(id, after, count, [done](StoreResult<EventPage> page) {
                    done(page.ok() ? page.value().events : QList<StreamEvent>());
                });
            },
            this);
    m_subscriber->setOwnWriter(m_writer);
    connect(m_subscriber, &RedisSubscriber::committed, this, &SessionStore::eventCommitted);
    connect(m_subscriber, &RedisSubscriber::deleted, this, [this](const QString &id) {
        if (m_deletedHere.remove(id))
            return;
        Q_EMIT sessionDeleted(id);
    });
    connect(m_connection, &RedisConnection::ready, this, &RedisSessionStore::onConnectionReady);
    connect(m_connection, &RedisConnection::lost, this, &RedisSessionStore::onConnectionLost);
    m_reaper.setInterval(options.reaperIntervalMs);
    connect(&m_reaper, &QTimer::timeout, this, &RedisSessionStore::reapNow);
    m_holdTimer.setInterval(kHoldCheckMs);
    connect(&m_holdTimer, &QTimer::timeout, this, &RedisSessionStore::expireHeld);
    m_detail = QStringLiteral("not connected yet");
}

RedisSessionStore::~RedisSessionStore() = default;

template<typename T>
SessionStore::Done<T> RedisSessionStore::ordered(Done<T> done, bool bypassUnavailable)
{
    auto answer = std::make_shared<Answer>();
    m_answers.push_back(answer);
    QPointer<RedisSessionStore> self(this);
    return [self, answer, done = std::move(done), bypassUnavailable](StoreResult<T> r) {
        if (!self || answer->ready)
            return;
        answer->ready = true;
        if (bypassUnavailable && !r.ok() && r.error().code == StoreError::Code::Unavailable) {
            // An outage fails it at once, ahead of held writes (its slot is skipped).
            if (done)
                done(std::move(r));
        } else if (!self->m_releasing && self->m_answers.front() == answer) {
            self->m_answers.pop_front(); // the oldest: nothing to wait for
            if (done)
                done(std::move(r));
        } else {
            answer->call = [done, r = std::move(r)] {
                if (done)
                    done(r);
            };
        }
        if (self)
            self->releaseAnswers();
    };
}

void RedisSessionStore::releaseAnswers()
{
    if (m_releasing)
        return;
    m_releasing = true;
    QPointer<RedisSessionStore> self(this);
    while (!m_answers.empty() && m_answers.front()->ready) {
        const std::function<void()> call = std::move(m_answers.front()->call);
        m_answers.pop_front();
        if (call) {
            call();
            if (!self)
                return;
        }
    }
    m_releasing = false;
}

void RedisSessionStore::setAvailable(bool available, const QString &detail)
{
    const bool changed = available != m_available;
    m_available = available;
    m_detail = detail;
    if (changed)
        Q_EMIT healthChanged();
}

void RedisSessionStore::onConnectionReady()
{
    setAvailable(true, {});
    if (!m_epoch.isEmpty())
        checkEpoch();
    pumpAll();
}

void RedisSessionStore::onConnectionLost(const QString &why)
{
    setAvailable(false, why);
    pumpAll(); // operations that are not held and wait behind held ones fail now
}

void RedisSessionStore::open(Done<bool> done)
{
    m_connection->start();
    m_subscriber->start();
    m_reaper.start();
    m_holdTimer.start();
    QPointer<RedisSessionStore> self(this);
    auto fail = [done](const StoreError &e) {
        if (done)
            done(e);
    };
    // AOF: without it a Redis restart loses acknowledged events.
    m_connection->command(
            {"CONFIG", "GET", "append*"}, [self, done, fail](const RedisReply &config) {
                if (!self)
                    return;
                if (config.isUnavailable())
                    return fail(unavailable(config));
                QHash<QByteArray, QByteArray> c;
                self->m_warnings.clear();
                if (!hashOf(config, &c) || !c.contains("appendonly")) {
                    self->m_warnings.append(QStringLiteral(
                            "could not read Redis's AOF settings (CONFIG GET): make sure it runs "
                            "with appendonly yes and appendfsync everysec or always"));
                } else {
                    if (c.value("appendonly") != "yes")
                        self->m_warnings.append(QStringLiteral(
                                "Redis runs without AOF (appendonly no): a Redis restart loses "
                                "acknowledged events; set appendonly yes and appendfsync "
                                "everysec or always"));
                    if (c.value("appendfsync") == "no")
                        self->m_warnings.append(QStringLiteral(
                                "Redis's appendfsync is no: a crash of its machine can lose "
                                "acknowledged events; set everysec or always"));
                }
                for (const QString &w : std::as_const(self->m_warnings))
                    qCWarning(lcRedis) << w;
                const QByteArray fresh = num(qint64(QRandomGenerator::global()->generate64() >> 1));
                self->m_connection->command({"SET", self->m_keys.epoch(), fresh, "NX"},
                                            [](const RedisReply &) {});
                self->m_connection->command(
                        {"GET", self->m_keys.epoch()}, [self, done, fail](const RedisReply &epoch) {
                            if (!self)
                                return;
                            if (epoch.isUnavailable())
                                return fail(unavailable(epoch));
                            if (!epoch.isString() || epoch.str.isEmpty())
                                return fail(malformed("GET epoch", epoch.describe()));
                            self->m_epoch = epoch.str;
                            self->m_connection->command({"ZCARD", self->m_keys.index()},
                                                        [self, done](const RedisReply &count) {
                                                            if (!self)
                                                                return;
                                                            if (count.type
                                                                == RedisReply::Type::Integer)
                                                                self->m_sessions = count.integer;
                                                            self->reapNow();
                                                            if (done)
                                                                done(true);
                                                        });
                        });
            });
}

StoreHealth RedisSessionStore::health() const
{
    StoreHealth h;
    h.kind = QStringLiteral("redis");
    h.available = m_available;
    h.detail = m_available ? QString() : m_detail;
    h.warnings = m_warnings;
    h.sessions = m_sessions;
    return h;
}

void RedisSessionStore::checkEpoch()
{
    QPointer<RedisSessionStore> self(this);
    m_connection->command({"GET", m_keys.epoch()}, [self](const RedisReply &epoch) {
        if (!self || epoch.isUnavailable() || epoch.isError())
            return;
        if (epoch.isString() && epoch.str == self->m_epoch)
            return;
        const QString why = QStringLiteral(
                "Redis lost its data (it restarted without it, or it was flushed): the sessions "
                "and events it held are gone");
        qCWarning(lcRedis) << why;
        const QByteArray fresh = num(qint64(QRandomGenerator::global()->generate64() >> 1));
        self->m_epoch.clear();
        self->m_connection->command({"SET", self->m_keys.epoch(), fresh, "NX"},
                                    [](const RedisReply &) {});
        self->m_connection->command({"GET", self->m_keys.epoch()}, [self](const RedisReply &r) {
            if (self && r.isString())
                self->m_epoch = r.str;
        });
        self->m_subscriber->forgetAll();
        Q_EMIT self->dataLost(why);
    });
}

void RedisSessionStore::createSession(const SessionRecord &record, Done<SessionRecord> done)
{
    if (record.id.isEmpty()) {
        QMetaObject::invokeMethod(
                this,
                [done] {
                    done(StoreError {StoreError::Code::Conflict,
                                     QStringLiteral("a session needs an id")});
                },
                Qt::QueuedConnection);
        return;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime created = record.created.isValid() ? record.created : now;
    const QDateTime updated = record.updated.isValid() ? record.updated : created;
    const QString id = record.id;
    sessionOp(id, Op::Kind::Direct, &RedisScripts::create(), {m_keys.session(id), m_keys.index()},
              {id.toUtf8(), record.title.toUtf8(), record.renamed ? "1" : "0",
               num(created.toMSecsSinceEpoch()), num(updated.toMSecsSinceEpoch()),
               num(record.turnCount), num(record.messageCount),
               RedisKeys::sortKey(updated.toMSecsSinceEpoch(), id)},
              [done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  done(createdRecord("create", id, reply));
              });
}

void RedisSessionStore::getSession(const QString &id, Done<SessionRecord> done)
{
    sessionOp(id, Op::Kind::Direct, nullptr, {}, {"HGETALL", m_keys.session(id)},
              [done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  if (reply.isUnavailable())
                      return done(unavailable(reply));
                  if (reply.isArray() && reply.size() == 0)
                      return done(notFound(id));
                  QString why;
                  auto r = recordOf(reply, &why);
                  if (!r)
                      return done(malformed("HGETALL", why));
                  done(*r);
              });
}

void RedisSessionStore::loadSession(const QString &id, Done<SessionData> done)
{
    sessionOp(id, Op::Kind::Direct, &RedisScripts::load(),
              {m_keys.session(id), m_keys.messages(id), m_keys.turns(id)}, {},
              [done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = scriptError("load", reply, &word))
                      return done(*e);
                  if (word == "NOTFOUND")
                      return done(notFound(id));
                  QHash<QByteArray, QByteArray> h, t;
                  if (reply.size() != 4 || !hashOf(reply.elements[1], &h)
                      || !reply.elements[2].isArray() || !hashOf(reply.elements[3], &t))
                      return done(malformed("load", reply.describe()));
                  QString why;
                  auto record = recordOf(h, &why);
                  if (!record)
                      return done(malformed("load", why));
                  SessionData data;
                  data.session = *record;
                  for (const RedisReply &m : reply.elements[2].elements) {
                      const QJsonDocument doc
                              = m.isString() ? QJsonDocument::fromJson(m.str) : QJsonDocument();
                      auto message = doc.isObject() ? MessageCodec::fromJson(doc.object(), &why)
                                                    : std::nullopt;
                      if (!message)
                          return done(malformed("load", QStringLiteral("a message: %1").arg(why)));
                      data.messages.append(*message);
                  }
                  std::map<qint64, TurnRecord> turns;
                  for (auto it = t.cbegin(); it != t.cend(); ++it) {
                      if (!it.key().startsWith("b:"))
                          continue;
                      TurnRecord turn;
                      turn.id = QString::fromUtf8(it.key().mid(2));
                      turn.sessionId = id;
                      const QList<QByteArray> parts = it.value().split(':');
                      bool okN = false, okT = false;
                      const qint64 n = parts.size() == 2 ? parts[0].toLongLong(&okN) : 0;
                      const qint64 started = parts.size() == 2 ? parts[1].toLongLong(&okT) : 0;
                      if (!okN || !okT)
                          return done(malformed("load", QStringLiteral("turn %1").arg(turn.id)));
                      turn.started = StreamEvent::utcFromMSecs(started);
                      turn.firstSeq = h.value("tf:" + it.key().mid(2)).toLongLong();
                      turn.lastSeq = h.value("tl:" + it.key().mid(2)).toLongLong();
                      const QByteArray end = t.value("e:" + it.key().mid(2));
                      if (!end.isEmpty()) {
                          const QJsonObject o = QJsonDocument::fromJson(end).object();
                          const auto state
                                  = turnStateFromName(o.value(QLatin1String("state")).toString());
                          if (!state)
                              return done(malformed(
                                      "load", QStringLiteral("turn %1's state").arg(turn.id)));
                          turn.state = *state;
                          turn.ended = StreamEvent::utcFromMSecs(
                                  qint64(o.value(QLatin1String("ended")).toDouble()));
                          turn.iterations = o.value(QLatin1String("iterations")).toInt();
                      }
                      turns.emplace(n, turn);
                  }
                  for (auto &[n, turn] : turns)
                      data.turns.append(turn);
                  done(data);
              });
}

void RedisSessionStore::listSessions(const SessionQuery &query, Done<SessionPage> done)
{
    auto state = std::make_shared<ListState>();
    state->query = query;
    state->limit = std::clamp(query.limit, 1, 500);
    state->done = std::move(done);
    state->max = QByteArrayLiteral("+");
    if (!query.cursor.isEmpty()) {
        const auto key = SessionCursor::decode(query.cursor);
        if (!key) {
            QMetaObject::invokeMethod(
                    this,
                    [state] {
                        state->done(
                                StoreError {StoreError::Code::Invalid,
                                            QStringLiteral("cursor is not one this server made")});
                    },
                    Qt::QueuedConnection);
            return;
        }
        state->max = '(' + RedisKeys::sortKey(key->updatedMs, key->id);
    }
    listStep(state);
}

void RedisSessionStore::listStep(const std::shared_ptr<ListState> &state)
{
    const bool filtered = !state->query.titleContains.isEmpty();
    const int batch = filtered ? kListBatch : state->limit + 1 - int(state->rows.size());
    QPointer<RedisSessionStore> self(this);
    m_connection->evalScript(
            RedisScripts::list(), {m_keys.index()}, {state->max, num(batch), m_keys.prefix()},
            [self, state, batch, filtered](const RedisReply &reply) {
                if (!self)
                    return;
                QByteArray word;
                if (auto e = scriptError("list", reply, &word))
                    return state->done(*e);
                if (reply.size() != 2 || !reply.elements[1].isArray())
                    return state->done(malformed("list", reply.describe()));
                const RedisReply &rows = reply.elements[1];
                QString lastMember;
                for (const RedisReply &row : rows.elements) {
                    const QByteArray *member = row.stringAt(0);
                    if (!member || row.size() != 2)
                        return state->done(malformed("list", row.describe()));
                    state->max = '(' + *member;
                    ++state->scanned;
                    if (row.elements[1].size() == 0)
                        continue; // the index names a session that is gone (deleted meanwhile)
                    QString why;
                    auto r = recordOf(row.elements[1], &why);
                    if (!r)
                        return state->done(malformed("list", why));
                    if (filtered
                        && !r->title.contains(state->query.titleContains, Qt::CaseInsensitive))
                        continue;
                    state->rows.append(*r);
                    if (state->rows.size() > state->limit)
                        break;
                }
                const bool end = int(rows.size()) < batch;
                SessionPage page;
                if (state->rows.size() > state->limit) {
                    state->rows.resize(state->limit);
                    const SessionRecord &last = state->rows.constLast();
                    page.nextCursor
                            = SessionCursor::encode({last.updated.toMSecsSinceEpoch(), last.id});
                } else if (!end && state->scanned >= kListMaxScan) {
                    // A filter that matches few: answer what was found, and where to go on.
                    const QString id = RedisKeys::idOfSortKey(state->max.mid(1));
                    const qint64 ms = state->max.mid(1, 16).toLongLong();
                    page.nextCursor = SessionCursor::encode({ms, id});
                } else if (!end) {
                    return self->listStep(state);
                }
                page.sessions = state->rows;
                state->done(page);
            });
}

void RedisSessionStore::countSessions(Done<qint64> done)
{
    QPointer<RedisSessionStore> self(this);
    m_connection->command({"ZCARD", m_keys.index()}, [self, done](const RedisReply &reply) {
        if (reply.isUnavailable())
            return done(unavailable(reply));
        if (reply.type != RedisReply::Type::Integer)
            return done(malformed("ZCARD", reply.describe()));
        if (self)
            self->m_sessions = reply.integer;
        done(reply.integer);
    });
}

void RedisSessionStore::renameSession(const QString &id, const QString &title,
                                      Done<SessionRecord> done)
{
    const qint64 now = nowMs();
    sessionOp(id, Op::Kind::Direct, &RedisScripts::rename(), {m_keys.session(id), m_keys.index()},
              {title.toUtf8(), num(now), RedisKeys::sortKey(now, id)},
              [done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = scriptError("rename", reply, &word))
                      return done(*e);
                  if (word == "NOTFOUND")
                      return done(notFound(id));
                  QString why;
                  auto r = reply.size() == 2 ? recordOf(reply.elements[1], &why) : std::nullopt;
                  if (!r)
                      return done(malformed("rename", why));
                  done(*r);
              });
}

void RedisSessionStore::deleteSession(const QString &id, Done<DeleteReport> done)
{
    QPointer<RedisSessionStore> self(this);
    sessionOp(id, Op::Kind::Direct, &RedisScripts::remove(),
              {m_keys.session(id), m_keys.messages(id), m_keys.events(id), m_keys.turns(id),
               m_keys.lease(id), m_keys.index(), m_keys.running()},
              {id.toUtf8(), m_keys.channel(), "0"},
              [self, done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = scriptError("delete", reply, &word))
                      return done(*e);
                  if (word == "NOTFOUND")
                      return done(notFound(id));
                  const auto m = integerAt(reply, 1), e = integerAt(reply, 2),
                             t = integerAt(reply, 3);
                  if (!m || !e || !t)
                      return done(malformed("delete", reply.describe()));
                  if (self) {
                      self->m_deletedHere.insert(id);
                      self->m_subscriber->forget(id);
                      Q_EMIT self->sessionDeleted(id);
                  }
                  done(DeleteReport {id, *m, *e, *t});
              });
}

void RedisSessionStore::beginTurn(const QString &sessionId, const QString &turnId, Done<Lease> done)
{
    const qint64 now = nowMs();
    sessionOp(sessionId, Op::Kind::Direct, &RedisScripts::beginTurn(),
              {m_keys.session(sessionId), m_keys.lease(sessionId), m_keys.turns(sessionId),
               m_keys.running(), m_keys.index()},
              {turnId.toUtf8(), num(m_options.leaseTtlMs), num(now + m_options.leaseTtlMs),
               num(now), RedisKeys::sortKey(now, sessionId), sessionId.toUtf8()},
              [done = ordered(std::move(done), true), sessionId, turnId](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = scriptError("beginTurn", reply, &word))
                      return done(*e);
                  if (word == "NOTFOUND")
                      return done(notFound(sessionId));
                  if (word == "BUSY") {
                      const QByteArray *running = reply.stringAt(1);
                      return done(StoreError {
                              StoreError::Code::Busy,
                              QStringLiteral("turn %1 is running on this session")
                                      .arg(running ? QString::fromUtf8(running->left(200))
                                                   : QString())});
                  }
                  const auto fence = integerAt(reply, 1);
                  if (word != "OK" || !fence || *fence <= 0)
                      return done(malformed("beginTurn", reply.describe()));
                  done(Lease {sessionId, turnId, *fence});
              });
}

void RedisSessionStore::renewLease(const Lease &lease, Done<Lease> done)
{
    sessionOp(lease.sessionId, Op::Kind::Direct, &RedisScripts::renew(),
              {m_keys.session(lease.sessionId), m_keys.lease(lease.sessionId), m_keys.running()},
              {num(lease.fence), num(m_options.leaseTtlMs), num(nowMs() + m_options.leaseTtlMs),
               lease.sessionId.toUtf8()},
              [done = ordered(std::move(done), true), lease](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = scriptError("renewLease", reply, &word))
                      return done(*e);
                  if (word == "NOTFOUND")
                      return done(notFound(lease.sessionId));
                  if (word == "FENCED")
                      return done(StoreError {
                              StoreError::Code::Fenced,
                              QStringLiteral("the lease of turn %1 is no longer current")
                                      .arg(lease.turnId)});
                  done(lease);
              });
}

namespace {
/// The common answers of a held write: NotFound, Fenced, Unavailable, a refusal.
std::optional<StoreError> heldError(const char *what, const RedisReply &reply, const Lease &lease,
                                    QByteArray *word)
{
    if (auto e = scriptError(what, reply, word))
        return e;
    if (*word == "NOTFOUND")
        return notFound(lease.sessionId);
    if (*word == "FENCED")
        return StoreError {
                StoreError::Code::Fenced,
                QStringLiteral("the lease of turn %1 is no longer current").arg(lease.turnId)};
    if (*word == "LOST")
        return StoreError {StoreError::Code::Io,
                           QStringLiteral("a write to session %1 was applied but its event is "
                                          "no longer in the log")
                                   .arg(lease.sessionId)};
    return std::nullopt;
}
} // namespace

void RedisSessionStore::endTurn(const Lease &lease, const TurnRecord &turn, Done<bool> done)
{
    const QDateTime ended = turn.ended.isValid() ? turn.ended : QDateTime::currentDateTimeUtc();
    sessionOp(lease.sessionId, Op::Kind::Held, &RedisScripts::endTurn(),
              {m_keys.session(lease.sessionId), m_keys.lease(lease.sessionId),
               m_keys.turns(lease.sessionId), m_keys.running()},
              {num(lease.fence), lease.turnId.toUtf8(), endJson(turn.state, ended, turn.iterations),
               lease.sessionId.toUtf8(), m_writer, nextOp()},
              [done = ordered(std::move(done), false), lease](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = heldError("endTurn", reply, lease, &word))
                      return done(*e);
                  done(true);
              });
}

void RedisSessionStore::appendEvent(const Lease &lease, const StreamEvent &event,
                                    Done<StreamEvent> done)
{
    QueuedAppend append;
    append.event = event;
    append.event.sessionId = lease.sessionId;
    if (!append.event.ts.isValid())
        append.event.ts = QDateTime::currentDateTimeUtc();
    append.json = eventJson(append.event);
    append.deadline = m_clock.elapsed() + m_options.holdMs;
    append.done = ordered(std::move(done), false);
    // Group commit: an append joins the batch that waits at the end of its session's FIFO
    // (it waits while an append call of the session is in flight, and until the end of the
    // event-loop pass that started it), else it starts one.
    auto &queue = m_queues[lease.sessionId];
    Op *last = queue.empty() ? nullptr : queue.back().get();
    if (last && last->kind == Op::Kind::Batch && !last->inflight && !last->sealed
        && last->lease.fence == lease.fence && last->lease.turnId == lease.turnId
        && int(last->appends.size()) < kMaxBatchEvents
        && last->bytes + append.json.size() <= kMaxBatchBytes) {
        last->bytes += append.json.size();
        last->appends.push_back(std::move(append));
        return;
    }
    auto op = std::make_shared<Op>();
    op->kind = Op::Kind::Batch;
    op->script = &RedisScripts::append();
    op->lease = lease;
    op->op = nextOp();
    op->deadline = append.deadline;
    op->bytes = append.json.size();
    op->appends.push_back(std::move(append));
    // Sent at the end of this event-loop pass: the appends made in the same pass go with it.
    queue.push_back(std::move(op));
    pumpSoon(lease.sessionId);
}

void RedisSessionStore::appendMessage(const Lease &lease, const ChatMessage &message,
                                      Done<bool> done)
{
    const qint64 now = nowMs();
    const QByteArray title = message.role == ChatMessage::Role::User
            ? SessionTitle::fromMessage(message.text).toUtf8()
            : QByteArray();
    sessionOp(lease.sessionId, Op::Kind::Held, &RedisScripts::appendMessage(),
              {m_keys.session(lease.sessionId), m_keys.messages(lease.sessionId), m_keys.index(),
               m_keys.lease(lease.sessionId)},
              {num(lease.fence), compact(MessageCodec::toJson(message)), num(now),
               RedisKeys::sortKey(now, lease.sessionId), title, m_writer, nextOp()},
              [done = ordered(std::move(done), false), lease](const RedisReply &reply) {
                  QByteArray word;
                  if (auto e = heldError("appendMessage", reply, lease, &word))
                      return done(*e);
                  done(true);
              });
}

void RedisSessionStore::sessionOp(const QString &sessionId, Op::Kind kind,
                                  const RedisScript *script, QList<QByteArray> keys,
                                  QList<QByteArray> args,
                                  std::function<void(const RedisReply &)> finish)
{
    auto op = std::make_shared<Op>();
    op->kind = kind;
    op->script = script;
    op->keys = std::move(keys);
    op->args = std::move(args);
    op->deadline = m_clock.elapsed() + m_options.holdMs;
    op->finish = std::move(finish);
    enqueue(sessionId, std::move(op));
}

void RedisSessionStore::enqueue(const QString &sessionId, std::shared_ptr<Op> op)
{
    m_queues[sessionId].push_back(std::move(op));
    pump(sessionId);
}

void RedisSessionStore::pump(const QString &sessionId)
{
    auto it = m_queues.find(sessionId);
    if (it == m_queues.end())
        return;
    // A copy: the queue changes only in replies (never inside a send), but stay safe.
    const std::deque<std::shared_ptr<Op>> ops = *it;
    const bool ready = m_connection->isReady();
    bool batchInflight = std::any_of(ops.cbegin(), ops.cend(), [](const auto &op) {
        return op->kind == Op::Kind::Batch && op->inflight;
    });
    bool blocked = false;
    QPointer<RedisSessionStore> self(this);
    for (const auto &op : ops) {
        if (op->inflight)
            continue;
        // Natural batching: a batch waits while the session's last one is in flight (and
        // takes the appends that come meanwhile); a held write waits for Redis to be back.
        // Whatever comes after a waiting operation waits too: the FIFO keeps call order.
        if (!blocked && op->kind == Op::Kind::Batch && batchInflight)
            blocked = true;
        if (!blocked && op->waiting && !ready)
            blocked = true;
        if (blocked) {
            if (op->kind == Op::Kind::Direct && !ready) {
                // Not held: it fails now (later, never inside the call), as without a queue.
                op->inflight = true;
                const QString why = m_connection->lastError().isEmpty()
                        ? QStringLiteral("not connected to Redis")
                        : m_connection->lastError();
                QMetaObject::invokeMethod(
                        this,
                        [self, sessionId, op, why] {
                            if (self)
                                self->onOpReply(sessionId, op, RedisReply::unavailable(why));
                        },
                        Qt::QueuedConnection);
            }
            continue;
        }
        sendOp(sessionId, op);
        if (op->kind == Op::Kind::Batch)
            batchInflight = true;
    }
}

void RedisSessionStore::pumpAll()
{
    const QStringList ids = m_queues.keys();
    for (const QString &id : ids)
        pump(id);
}

void RedisSessionStore::sendOp(const QString &sessionId, const std::shared_ptr<Op> &op)
{
    op->inflight = true;
    op->waiting = false;
    if (op->kind == Op::Kind::Batch && !op->sealed) {
        // One call for the batch; sent again exactly so after an outage (same op id).
        op->sealed = true;
        const QueuedAppend &lastAppend = op->appends.back();
        const qint64 ts = lastAppend.event.ts.toMSecsSinceEpoch();
        op->keys = {m_keys.session(sessionId), m_keys.events(sessionId), m_keys.index(),
                    m_keys.lease(sessionId)};
        op->args.clear();
        op->args.reserve(qsizetype(8 + 2 * op->appends.size()));
        op->args << num(op->lease.fence) << num(ts) << RedisKeys::sortKey(ts, sessionId)
                 << m_keys.channel() << m_writer << op->op << sessionId.toUtf8()
                 << num(qint64(op->appends.size()));
        // A batch's events are of one turn as a rule: its id is encoded once (shared after).
        const QString *turn = nullptr;
        QByteArray turnBytes;
        for (const QueuedAppend &a : op->appends) {
            if (!turn || a.event.turnId != *turn) {
                turn = &a.event.turnId;
                turnBytes = turn->toUtf8();
            }
            op->args << turnBytes << a.json;
        }
    }
    QPointer<RedisSessionStore> self(this);
    auto callback = [self, sessionId, op](const RedisReply &reply) {
        if (self)
            self->onOpReply(sessionId, op, reply);
    };
    if (op->script)
        m_connection->evalScript(*op->script, op->keys, op->args, std::move(callback));
    else
        m_connection->command(op->args, std::move(callback));
    // A batch is all there is to send for its session until its answer: out at once, not
    // one event-loop pass later.
    if (op->kind == Op::Kind::Batch)
        m_connection->flush();
}

void RedisSessionStore::onOpReply(const QString &sessionId, const std::shared_ptr<Op> &op,
                                  const RedisReply &reply)
{
    op->inflight = false;
    const bool held = op->kind != Op::Kind::Direct;
    if (held && reply.isUnavailable() && m_clock.elapsed() < op->deadline) {
        op->waiting = true; // sent again in order when Redis is back
        if (m_connection->isReady()) {
            QPointer<RedisSessionStore> self(this);
            QMetaObject::invokeMethod(
                    this,
                    [self, sessionId] {
                        if (self)
                            self->pump(sessionId);
                    },
                    Qt::QueuedConnection);
        }
        return;
    }
    auto it = m_queues.find(sessionId);
    if (it != m_queues.end()) {
        auto &queue = *it;
        queue.erase(std::remove(queue.begin(), queue.end(), op), queue.end());
        if (queue.empty())
            m_queues.erase(it);
    }
    RedisReply r = reply;
    if (held && r.isUnavailable())
        r.str = QStringLiteral("%1 (the write was held for %2 ms)")
                        .arg(QString::fromUtf8(reply.str))
                        .arg(m_options.holdMs)
                        .toUtf8();
    if (op->kind != Op::Kind::Batch) {
        pump(sessionId);
        if (op->finish)
            op->finish(r);
        return;
    }
    // The session's next batch leaves at the end of this event-loop pass, after this one's
    // answers are worked on: the appends that the answers set off join it.
    QPointer<RedisSessionStore> self(this);
    finishBatch(op, r);
    if (self)
        pumpSoon(sessionId);
}

void RedisSessionStore::pumpSoon(const QString &sessionId)
{
    if (m_pumpSoon.contains(sessionId))
        return;
    m_pumpSoon.insert(sessionId);
    QPointer<RedisSessionStore> self(this);
    QMetaObject::invokeMethod(
            this,
            [self, sessionId] {
                if (!self)
                    return;
                self->m_pumpSoon.remove(sessionId);
                self->pump(sessionId);
            },
            Qt::QueuedConnection);
}

void RedisSessionStore::finishBatch(const std::shared_ptr<Op> &op, const RedisReply &reply)
{
    QByteArray word;
    std::optional<StoreError> error = heldError("appendEvent", reply, op->lease, &word);
    std::optional<qint64> first;
    if (!error) {
        first = integerAt(reply, 1);
        if (!first || *first <= 0)
            error = malformed("appendEvent", reply.describe());
    }
    std::deque<QueuedAppend> appends = std::move(op->appends);
    op->appends.clear();
    QPointer<RedisSessionStore> self(this);
    qint64 seq = first.value_or(0);
    for (QueuedAppend &a : appends) {
        if (error) {
            a.done(*error);
        } else {
            a.event.seq = seq++;
            if (m_subscriber->emitInOrder(a.event)) {
                if (!self)
                    return;
                a.done(a.event);
            } else {
                m_subscriber->deliver(a.event,
                                      [done = std::move(a.done), event = a.event] { done(event); });
            }
        }
        if (!self)
            return;
    }
}

void RedisSessionStore::expireHeld()
{
    const qint64 now = m_clock.elapsed();
    const QString why
            = QStringLiteral("%1 (the write was held for %2 ms)")
                      .arg(m_connection->lastError().isEmpty() ? QStringLiteral("not connected")
                                                               : m_connection->lastError())
                      .arg(m_options.holdMs);
    const RedisReply failure = RedisReply::unavailable(why);
    const StoreError error = unavailable(failure);
    QList<std::shared_ptr<Op>> expired;
    QList<Done<StreamEvent>> expiredAppends;
    for (auto it = m_queues.begin(); it != m_queues.end();) {
        auto &queue = *it;
        for (auto o = queue.begin(); o != queue.end();) {
            Op &op = **o;
            if (op.inflight || op.kind == Op::Kind::Direct) {
                ++o;
                continue;
            }
            if (op.kind == Op::Kind::Batch && !op.sealed) {
                // Never sent: its appends expire one by one (the oldest first).
                while (!op.appends.empty() && now >= op.appends.front().deadline) {
                    op.bytes -= op.appends.front().json.size();
                    expiredAppends.append(std::move(op.appends.front().done));
                    op.appends.pop_front();
                }
                if (!op.appends.empty()) {
                    op.deadline = op.appends.front().deadline;
                    ++o;
                    continue;
                }
                o = queue.erase(o);
                continue;
            }
            if (now >= op.deadline) {
                expired.append(*o);
                o = queue.erase(o);
            } else {
                ++o;
            }
        }
        it = queue.empty() ? m_queues.erase(it) : std::next(it);
    }
    if (expired.isEmpty() && expiredAppends.isEmpty())
        return;
    QPointer<RedisSessionStore> self(this);
    for (const auto &op : std::as_const(expired)) {
        if (op->kind == Op::Kind::Batch)
            finishBatch(op, failure);
        else if (op->finish)
            op->finish(failure);
        if (!self)
            return;
    }
    for (const auto &done : std::as_const(expiredAppends)) {
        done(error);
        if (!self)
            return;
    }
    if (m_connection->isReady())
        pumpAll();
}

namespace {
/// The reply of the read script as a page of events after `after`.
StoreResult<EventPage> pageOf(const RedisReply &reply, const QString &sessionId, qint64 after)
{
    QByteArray word;
    if (auto e = scriptError("readEvents", reply, &word))
        return *e;
    if (word == "NOTFOUND")
        return notFound(sessionId);
    const auto last = integerAt(reply, 1);
    const QByteArray *firstId = reply.stringAt(2);
    if (reply.size() != 4 || !last || !firstId)
        return malformed("readEvents", reply.describe());
    EventPage page;
    page.lastSeq = *last;
    page.firstSeq = firstId->isEmpty()
            ? 0
            : firstId->left(std::max<qsizetype>(0, firstId->indexOf('-'))).toLongLong();
    QString why;
    if (!eventsOf(reply.elements[3], sessionId, &page.events, &why))
        return malformed("readEvents", why);
    page.gap = (page.firstSeq > 0 && after + 1 < page.firstSeq)
            || (page.firstSeq == 0 && page.lastSeq > after);
    return page;
}
} // namespace

void RedisSessionStore::readLog(const QString &sessionId, qint64 afterSeq, int count,
                                std::function<void(StoreResult<EventPage>)> done)
{
    // The subscriber's hole fill: straight to Redis, not in the session's FIFO.
    const qint64 after = std::max<qint64>(0, afterSeq);
    m_connection->evalScript(RedisScripts::read(),
                             {m_keys.session(sessionId), m_keys.events(sessionId)},
                             {num(after + 1) + "-0", num(std::clamp(count, 1, 10000))},
                             [done, sessionId, after](const RedisReply &reply) {
                                 done(pageOf(reply, sessionId, after));
                             });
}

void RedisSessionStore::readEvents(const QString &sessionId, qint64 afterSeq, int limit,
                                   Done<EventPage> done)
{
    const qint64 after = std::max<qint64>(0, afterSeq);
    sessionOp(sessionId, Op::Kind::Direct, &RedisScripts::read(),
              {m_keys.session(sessionId), m_keys.events(sessionId)},
              {num(after + 1) + "-0", num(std::clamp(limit, 1, 10000))},
              [done = ordered(std::move(done), true), sessionId, after](const RedisReply &reply) {
                  done(pageOf(reply, sessionId, after));
              });
}

void RedisSessionStore::reapNow()
{
    if (!m_connection->isReady())
        return;
    if (!m_epoch.isEmpty())
        checkEpoch();
    QPointer<RedisSessionStore> self(this);
    m_connection->command({"ZRANGEBYSCORE", m_keys.running(), "-inf", num(nowMs()), "LIMIT", "0",
                           num(kReapBatch)},
                          [self](const RedisReply &reply) {
                              if (!self || !reply.isArray())
                                  return;
                              for (std::size_t i = 0; i < reply.size(); ++i) {
                                  if (const QByteArray *id = reply.stringAt(i))
                                      self->reap(QString::fromUtf8(*id));
                              }
                          });
}

void RedisSessionStore::reap(const QString &sessionId)
{
    QPointer<RedisSessionStore> self(this);
    m_connection->command(
            {"HGET", m_keys.session(sessionId), "running"},
            [self, sessionId](const RedisReply &running) {
                if (!self)
                    return;
                const QString turnId
                        = running.isString() ? QString::fromUtf8(running.str) : QString();
                StreamEvent event = InterruptedTurn::event(
                        turnId, QStringLiteral("its instance stopped renewing the turn's lease"));
                event.sessionId = sessionId;
                event.ts = QDateTime::currentDateTimeUtc();
                const qint64 ts = event.ts.toMSecsSinceEpoch();
                const RedisKeys &k = self->m_keys;
                self->m_connection->evalScript(
                        RedisScripts::reap(),
                        {k.session(sessionId), k.lease(sessionId), k.turns(sessionId), k.running(),
                         k.events(sessionId), k.index()},
                        {sessionId.toUtf8(), turnId.toUtf8(), eventJson(event), num(ts),
                         RedisKeys::sortKey(ts, sessionId), k.channel(),
                         endJson(TurnState::Interrupted, event.ts, 0)},
                        [self, event, sessionId, turnId](const RedisReply &reply) mutable {
                            QByteArray word;
                            if (!self || scriptError("reap", reply, &word) || word != "OK")
                                return;
                            const auto seq = integerAt(reply, 1);
                            if (!seq)
                                return;
                            qCInfo(lcRedis) << "closed turn" << turnId << "of session" << sessionId
                                            << "as interrupted (its lease expired)";
                            event.seq = *seq;
                            self->m_subscriber->deliver(event);
                        });
            });
}

void RedisSessionStore::applyRetention(const RetentionPolicy &policy, Done<QStringList> done)
{
    struct State
    {
        QSet<QString> candidates;
        int waiting = 2;
        QStringList removed;
        int removing = 0;
        bool failed = false;
    };
    auto state = std::make_shared<State>();
    QPointer<RedisSessionStore> self(this);
    auto removeAll = [self, state, done]() {
        if (!self)
            return;
        if (state->failed)
            return;
        if (state->candidates.isEmpty())
            return done(QStringList());
        state->removing = int(state->candidates.size());
        for (const QString &id : std::as_const(state->candidates)) {
            const RedisKeys &k = self->m_keys;
            self->m_connection->evalScript(
                    RedisScripts::remove(),
                    {k.session(id), k.messages(id), k.events(id), k.turns(id), k.lease(id),
                     k.index(), k.running()},
                    {id.toUtf8(), k.channel(), "1"}, [self, state, done, id](const RedisReply &r) {
                        QByteArray word;
                        if (!scriptError("retention", r, &word) && word == "OK" && self) {
                            state->removed.append(id);
                            self->m_deletedHere.insert(id);
                            self->m_subscriber->forget(id);
                            Q_EMIT self->sessionDeleted(id);
                        }
                        if (--state->removing == 0)
                            done(state->removed);
                    });
        }
    };
    auto collect = [state, done, removeAll](const RedisReply &reply) {
        if (state->failed)
            return;
        if (reply.isUnavailable()) {
            state->failed = true;
            return done(unavailable(reply));
        }
        for (std::size_t i = 0; i < reply.size(); ++i) {
            if (const QByteArray *m = reply.stringAt(i)) {
                const QString id = RedisKeys::idOfSortKey(*m);
                if (!id.isEmpty())
                    state->candidates.insert(id);
            }
        }
        if (--state->waiting == 0)
            removeAll();
    };
    if (policy.maxSessions > 0)
        m_connection->command({"ZREVRANGE", m_keys.index(), num(policy.maxSessions), "-1"},
                              collect);
    else
        --state->waiting;
    if (policy.maxAgeMs > 0)
        m_connection->command({"ZRANGEBYLEX", m_keys.index(), "-",
                               '(' + RedisKeys::sortKey(nowMs() - policy.maxAgeMs, QString())},
                              collect);
    else
        --state->waiting;
    if (state->waiting == 0)
        QMetaObject::invokeMethod(this, removeAll, Qt::QueuedConnection);
}

void RedisSessionStore::importSession(const SessionArchive &archive, Done<SessionRecord> done)
{
    const SessionRecord &r = archive.data.session;
    const QString id = r.id;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 created = (r.created.isValid() ? r.created : now).toMSecsSinceEpoch();
    const qint64 updated = (r.updated.isValid() ? r.updated : now).toMSecsSinceEpoch();
    QList<QByteArray> turnFields, hashFields;
    qint64 n = 0;
    for (const TurnRecord &t : archive.data.turns) {
        const QByteArray tid = t.id.toUtf8();
        turnFields << "b:" + tid << num(++n) + ':' + num(t.started.toMSecsSinceEpoch());
        if (t.state != TurnState::Running)
            turnFields << "e:" + tid
                       << endJson(t.state, t.ended.isValid() ? t.ended : t.started, t.iterations);
        else
            turnFields << "e:" + tid << endJson(TurnState::Interrupted, t.started, t.iterations);
        if (t.firstSeq > 0)
            hashFields << "tf:" + tid << num(t.firstSeq);
        if (t.lastSeq > 0)
            hashFields << "tl:" + tid << num(t.lastSeq);
    }
    QList<QByteArray> args {id.toUtf8(),
                            r.title.toUtf8(),
                            r.renamed ? "1" : "0",
                            num(created),
                            num(updated),
                            RedisKeys::sortKey(updated, id),
                            num(archive.events.isEmpty() ? 0 : archive.events.constLast().seq),
                            num(archive.data.messages.size()),
                            num(turnFields.size() / 2),
                            num(hashFields.size() / 2),
                            num(archive.events.size())};
    for (const ChatMessage &m : archive.data.messages)
        args << compact(MessageCodec::toJson(m));
    args << turnFields << hashFields;
    for (StreamEvent e : archive.events) {
        e.sessionId = id;
        args << num(e.seq) << eventJson(e);
    }
    sessionOp(id, Op::Kind::Direct, &RedisScripts::import(),
              {m_keys.session(id), m_keys.messages(id), m_keys.events(id), m_keys.turns(id),
               m_keys.index()},
              args, [done = ordered(std::move(done), true), id](const RedisReply &reply) {
                  done(createdRecord("import", id, reply));
              });
}
