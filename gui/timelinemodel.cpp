#include "timelinemodel.h"

#include "elicitationschema.h"
#include "resultpreview.h"
#include "stepdeadline.h"
#include "streamevent.h"
#include "timelinetext.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonValue>
#include <QTimeZone>
#include <QUrl>

#include <algorithm>

namespace {

constexpr qsizetype kArgsJsonDisplayChars = 64 * 1024;
QString kindName(int kind)
{
    static const char *const names[]
            = {"user",  "thinking",    "toolCall", "acting",      "observation", "answer",
               "error", "elicitation", "sampling", "turnSummary", "fold"};
    return QString::fromLatin1(names[kind]);
}

QString statusName(int status)
{
    static const char *const names[]
            = {"running", "waiting", "done", "error", "cancelled", "denied", "interrupted"};
    return QString::fromLatin1(names[status]);
}

QString approvalName(int approval)
{
    static const char *const names[] = {"", "auto", "required", "denied", "approved"};
    return QString::fromLatin1(names[approval]);
}

qint64 msOf(const StreamEvent &event)
{
    return event.ts.isValid() ? event.ts.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
}

QDateTime timeOf(qint64 ms)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::UTC) : QDateTime();
#else
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
#endif
}

} // namespace

TimelineModel::TimelineModel(QObject *parent)
    : QAbstractListModel(parent)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &TimelineModel::flushText);
    m_commitTimer.setSingleShot(true);
    m_commitTimer.setInterval(kFlushIntervalMs);
    connect(&m_commitTimer, &QTimer::timeout, this, &TimelineModel::commitRows);
}

TimelineModel::~TimelineModel() = default;

int TimelineModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

QHash<int, QByteArray> TimelineModel::roleNames() const
{
    return {{KindRole, "kind"},
            {TurnIdRole, "turnId"},
            {IterationRole, "iteration"},
            {StatusRole, "status"},
            {StartedAtRole, "startedAt"},
            {DurationMsRole, "durationMs"},
            {TextRole, "text"},
            {HtmlRole, "html"},
            {CallIdRole, "callId"},
            {ServerRole, "server"},
            {ToolRole, "tool"},
            {ArgsSummaryRole, "argsSummary"},
            {ArgsJsonRole, "argsJson"},
            {ArgsRole, "args"},
            {ApprovalRole, "approval"},
            {DeadlineRole, "deadline"},
            {ProgressRole, "progress"},
            {ProgressTotalRole, "progressTotal"},
            {ProgressMessageRole, "progressMessage"},
            {IsErrorRole, "isError"},
            {ContentRole, "content"},
            {PreviewTruncatedRole, "previewTruncated"},
            {FullBytesRole, "fullBytes"},
            {RequestIdRole, "requestId"},
            {MessageRole, "message"},
            {SchemaRole, "schema"},
            {PropertyOrderRole, "propertyOrder"},
            {UrlRole, "url"},
            {UrlHostRole, "urlHost"},
            {IterationsRole, "iterations"},
            {StopReasonRole, "stopReason"},
            {InputTokensRole, "inputTokens"},
            {OutputTokensRole, "outputTokens"},
            {FoldTextRole, "foldText"},
            {ExpandedRole, "expanded"},
            {MatchesRole, "matches"},
            {CodeRole, "code"},
            {RetryableRole, "retryable"},
            {MaxTokensRole, "maxTokens"}};
}

QVariant TimelineModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Step &s = m_steps[size_t(m_rows[index.row()])];
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        if (s.markdown)
            return s.markdown->tail();
        if (s.kind == Kind::Observation)
            return s.result.previewText();
        return s.text;
    case KindRole:
        return kindName(int(s.kind));
    case TurnIdRole:
        return s.turn >= 0 ? m_turns[size_t(s.turn)].id : QString();
    case IterationRole:
        return s.iteration;
    case StatusRole:
        return statusName(int(s.status));
    case StartedAtRole:
        return timeOf(s.startedAt);
    case DurationMsRole:
        return s.durationMs;
    case HtmlRole:
        if (s.markdown)
            return s.markdown->html();
        return QString();
    case CallIdRole:
        return s.callId;
    case ServerRole:
        return s.server;
    case ToolRole:
        return s.tool;
    case ArgsSummaryRole:
        return s.kind == Kind::ToolCall ? TimelineText::argsSummary(s.object) : QString();
    case ArgsJsonRole: {
        if (s.kind != Kind::ToolCall)
            return QString();
        const QString json
                = QString::fromUtf8(QJsonDocument(s.object).toJson(QJsonDocument::Indented));
        return json.size() > kArgsJsonDisplayChars
                ? json.left(kArgsJsonDisplayChars) + QChar(0x2026)
                : json;
    }
    case ArgsRole:
        // A QJsonObject reaches QML as a plain object whose arrays are Arrays on every Qt
        // (a QVariantMap's lists are not Arrays from 6.5 on), and it is shared, not copied.
        return s.kind == Kind::ToolCall ? s.object : QJsonObject();
    case ApprovalRole:
        return approvalName(int(s.approval));
    case DeadlineRole:
        return timeOf(s.deadline);
    case ProgressRole:
        return s.progress;
    case ProgressTotalRole:
        return s.progressTotal;
    case ProgressMessageRole:
        return s.progressMessage;
    case IsErrorRole:
        return s.isError;
    case ContentRole:
        if (s.kind == Kind::Sampling)
            return s.content.toVariantList();
        return s.kind == Kind::Observation ? s.result.blocks() : QVariantList();
    case PreviewTruncatedRole:
        return s.kind == Kind::Observation && s.result.truncated();
    case FullBytesRole:
        return s.kind == Kind::Observation ? s.result.fullBytes() : qint64(0);
    case RequestIdRole:
        return s.requestId;
    case MessageRole:
        return s.kind == Kind::Elicitation || s.kind == Kind::Sampling ? s.text : QString();
    case SchemaRole:
        return s.kind == Kind::Elicitation ? s.object.toVariantMap() : QVariantMap();
    case PropertyOrderRole:
        return s.order;
    case UrlRole:
        return s.url;
    case UrlHostRole:
        return s.url.isEmpty() ? QString() : QUrl(s.url).host();
    case IterationsRole:
        return s.iterations;
    case StopReasonRole:
        return s.stopReason;
    case InputTokensRole:
        return s.inputTokens;
    case OutputTokensRole:
        return s.outputTokens;
    case FoldTextRole:
        return s.kind == Kind::Fold ? s.text : QString();
    case ExpandedRole:
        return s.expanded;
    case MatchesRole:
        return s.matches;
    case CodeRole:
        return s.code;
    case RetryableRole:
        return s.retryable;
    case MaxTokensRole:
        return s.maxTokens;
    default:
        return {};
    }
}

void TimelineModel::applyEvent(const StreamEvent &event)
{
    if (event.type != StreamEventType::SessionStart && event.seq > 0) {
        if (event.seq <= m_lastSeq)
            return; // a replay of what this model already shows
        m_lastSeq = event.seq;
        Q_EMIT lastSeqChanged();
    }
    // What the stream replays (up to session_start's last_seq) is inserted in batches; a live
    // event first shows what is still waiting, then inserts its own rows one at a time.
    m_batching = event.seq > 0 && event.seq <= m_backlogEnd;
    if (!m_batching)
        commitRows();
    if (event.type != StreamEventType::PartialResponse)
        flushText();
    switch (event.type) {
    case StreamEventType::SessionStart:
        m_backlogEnd
                = std::max(m_backlogEnd, event.data.value(QLatin1String("last_seq")).toInteger());
        break;
    case StreamEventType::Thinking:
        onThinking(event);
        break;
    case StreamEventType::PartialResponse:
        onPartial(event);
        break;
    case StreamEventType::ToolCall:
        onToolCall(event);
        break;
    case StreamEventType::Acting:
        onActing(event);
        break;
    case StreamEventType::Observing:
        onObserving(event);
        break;
    case StreamEventType::FinalResponse:
        onFinal(event);
        break;
    case StreamEventType::Error:
        onError(event);
        break;
    case StreamEventType::SessionEnd:
        interruptOpenTurn();
        break;
    case StreamEventType::Elicitation:
        onElicitation(event);
        break;
    case StreamEventType::Sampling:
        onSampling(event);
        break;
    case StreamEventType::StreamReset:
        // The server cannot resume where this view stopped; the events it still has follow.
        clear();
        break;
    }
    if (m_batching && event.seq >= m_backlogEnd)
        commitRows();
    m_batching = false;
}

void TimelineModel::clear()
{
    m_flushTimer.stop();
    m_commitTimer.stop();
    const bool wasRunning = running();
    const int oldCount = count();
    beginResetModel();
    m_pendingRows = 0;
    m_backlogEnd = 0;
    m_batching = false;
    // Given back whole, capacity included: the next session may be a small one.
    std::vector<Step>().swap(m_steps);
    m_rows = QVector<int>();
    std::vector<Turn>().swap(m_turns);
    m_turnIndex = QHash<QString, int>();
    m_calls = QHash<QString, Call>();
    m_latestCall = QHash<QString, QString>();
    m_requests = QHash<QString, int>();
    m_dirty = QVector<int>();
    m_openTurn = -1;
    endResetModel();
    if (m_lastSeq != 0) {
        m_lastSeq = 0;
        Q_EMIT lastSeqChanged();
    }
    if (oldCount != 0)
        Q_EMIT countChanged();
    if (wasRunning)
        Q_EMIT runningChanged();
}

void TimelineModel::flush()
{
    flushText();
    commitRows();
}

void TimelineModel::commitRows()
{
    m_commitTimer.stop();
    if (m_pendingRows == 0)
        return;
    const int first = count();
    const int last = int(m_rows.size()) - 1;
    beginInsertRows(QModelIndex(), first, last);
    m_pendingRows = 0;
    endInsertRows();
    Q_EMIT countChanged();
    for (int row = first; row <= last; ++row)
        Q_EMIT stepAdded(row);
}

void TimelineModel::flushText()
{
    m_flushTimer.stop();
    for (const int index : std::as_const(m_dirty)) {
        Step &s = m_steps[size_t(index)];
        if (!s.dirty)
            continue;
        s.dirty = false;
        if (!s.markdown)
            s.markdown = std::make_unique<MarkdownBlocks>();
        s.markdown->append(s.pending);
        s.pending.clear();
        s.pending.squeeze();
        changed(index, {TextRole, HtmlRole, Qt::DisplayRole});
    }
    m_dirty.clear();
}

// ---- events ----------------------------------------------------------------------------------

int TimelineModel::ensureTurn(const QString &turnId, qint64 at)
{
    const auto it = m_turnIndex.constFind(turnId);
    if (it != m_turnIndex.constEnd())
        return it.value();
    // A new turn while another is still open: the old one will never end (the server lost it).
    if (m_openTurn >= 0)
        interruptOpenTurn();
    Turn turn;
    turn.id = turnId;
    turn.startedAt = at;
    m_turns.push_back(std::move(turn));
    const int index = int(m_turns.size()) - 1;
    m_turnIndex.insert(turnId, index);
    m_openTurn = index;
    Q_EMIT runningChanged();
    return index;
}

int TimelineModel::addStep(Step step)
{
    const int index = int(m_steps.size());
    const int row = int(m_rows.size());
    step.row = row;
    const int turn = step.turn;
    if (m_batching) {
        // Part of a backlog batch: inserted by commitRows().
        m_steps.push_back(std::move(step));
        m_rows.append(index);
        if (turn >= 0)
            m_turns[size_t(turn)].steps.push_back(index);
        ++m_pendingRows;
        if (!m_commitTimer.isActive())
            m_commitTimer.start();
        return index;
    }
    commitRows(); // (none waits: a live event committed them)
    beginInsertRows(QModelIndex(), row, row);
    m_steps.push_back(std::move(step));
    m_rows.append(index);
    if (turn >= 0)
        m_turns[size_t(turn)].steps.push_back(index);
    endInsertRows();
    Q_EMIT countChanged();
    Q_EMIT stepAdded(row);
    return index;
}

int TimelineModel::thinkingStep(int turn, int iteration, qint64 at, bool create)
{
    Turn &t = m_turns[size_t(turn)];
    const size_t slot = size_t(std::max(0, iteration));
    if (slot < t.thinkingOf.size() && t.thinkingOf[slot] >= 0)
        return t.thinkingOf[slot];
    if (!create)
        return -1;
    Step step;
    step.kind = Kind::Thinking;
    step.status = Status::Running;
    step.turn = turn;
    step.iteration = iteration;
    step.startedAt = at;
    step.markdown = std::make_unique<MarkdownBlocks>();
    const int index = addStep(std::move(step));
    Turn &t2 = m_turns[size_t(turn)];
    if (t2.thinkingOf.size() <= slot)
        t2.thinkingOf.resize(slot + 1, -1);
    t2.thinkingOf[slot] = index;
    return index;
}

void TimelineModel::finishStep(int index, Status status, qint64 at)
{
    Step &s = m_steps[size_t(index)];
    s.status = status;
    if (s.durationMs < 0)
        s.durationMs = std::max<qint64>(0, at - s.startedAt);
    if (s.markdown && !s.markdown->finished()) {
        if (!s.pending.isEmpty()) {
            s.markdown->append(s.pending);
            s.pending.clear();
            s.dirty = false;
        }
        s.markdown->finish();
    }
    changed(index, {StatusRole, DurationMsRole, TextRole, HtmlRole, Qt::DisplayRole});
}

void TimelineModel::endThinking(int turn, int iteration, qint64 at)
{
    const int index = thinkingStep(turn, iteration, at, false);
    if (index >= 0 && m_steps[size_t(index)].status == Status::Running)
        finishStep(index, Status::Done, at);
}

void TimelineModel::onThinking(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const int iteration = event.data.value(QLatin1String("iteration")).toInt();
    if (iteration == 1 && event.data.contains(QLatin1String("input"))) {
        Step user;
        user.kind = Kind::User;
        user.status = Status::Done;
        user.turn = turn;
        user.startedAt = at;
        user.durationMs = 0;
        user.text = event.data.value(QLatin1String("input")).toString();
        addStep(std::move(user));
    }
    // The previous model call of this turn is over when the next one starts.
    if (iteration > 1)
        endThinking(turn, iteration - 1, at);
    thinkingStep(turn, iteration, at, true);
}

void TimelineModel::onPartial(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const int iteration = event.data.value(QLatin1String("iteration")).toInt();
    const int index = thinkingStep(turn, iteration, at, true);
    Step &s = m_steps[size_t(index)];
    s.pending += event.data.value(QLatin1String("delta")).toString();
    if (!s.dirty) {
        s.dirty = true;
        m_dirty.append(index);
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

TimelineModel::Call *TimelineModel::callFor(int turn, const QString &callId)
{
    const QString compoundKey = m_turns[size_t(turn)].id + QChar(0x1f) + callId;
    auto it = m_calls.find(compoundKey);
    if (it == m_calls.end()) {
        it = m_calls.insert(compoundKey, Call());
        m_latestCall.insert(callId, compoundKey);
    }
    return &it.value();
}

void TimelineModel::onToolCall(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const int iteration = event.data.value(QLatin1String("iteration")).toInt();
    endThinking(turn, iteration, at);
    {
        Turn &t = m_turns[size_t(turn)];
        const size_t slot = size_t(std::max(0, iteration));
        if (t.callsOf.size() <= slot)
            t.callsOf.resize(slot + 1, false);
        t.callsOf[slot] = true;
    }
    Step step;
    step.kind = Kind::ToolCall;
    step.turn = turn;
    step.iteration = iteration;
    step.startedAt = at;
    step.callId = event.data.value(QLatin1String("call_id")).toString();
    step.server = event.data.value(QLatin1String("server")).toString();
    step.tool = event.data.value(QLatin1String("tool")).toString();
    const QJsonValue args = event.data.value(QLatin1String("arguments"));
    if (args.isObject())
        step.object = args.toObject();
    else if (!args.isUndefined() && !args.isNull())
        step.object = QJsonObject {{QStringLiteral("value"), args}};
    const QString approval = event.data.value(QLatin1String("approval")).toString();
    if (approval == QLatin1String("required")) {
        step.approval = Approval::Required;
        step.status = Status::Waiting;
        // The server owns the approval timeout; the event may carry it.
        step.deadline = StepDeadline::read(event.data, QLatin1String("approval_timeout_ms"), at);
    } else if (approval == QLatin1String("denied")) {
        step.approval = Approval::Denied;
        step.status = Status::Denied;
        step.durationMs = 0;
    } else {
        step.approval = Approval::Auto;
        step.status = Status::Running;
    }
    const QString callId = step.callId;
    const int index = addStep(std::move(step));
    callFor(turn, callId)->toolCall = index;
}

void TimelineModel::onActing(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const QString callId = event.data.value(QLatin1String("call_id")).toString();
    Call *call = callFor(turn, callId);
    if (call->acting >= 0) {
        // MCP progress of a running call: updated in place.
        Step &s = m_steps[size_t(call->acting)];
        QVector<int> roles;
        const QJsonValue progress = event.data.value(QLatin1String("progress"));
        const QJsonValue total = event.data.value(QLatin1String("total"));
        const QJsonValue message = event.data.value(QLatin1String("message"));
        if (progress.isDouble()) {
            s.progress = progress.toDouble();
            roles.append(ProgressRole);
        }
        if (total.isDouble()) {
            s.progressTotal = total.toDouble();
            roles.append(ProgressTotalRole);
        }
        if (message.isString()) {
            s.progressMessage = message.toString();
            roles.append(ProgressMessageRole);
        }
        if (!roles.isEmpty())
            changed(call->acting, roles);
        return;
    }
    if (call->toolCall >= 0) {
        Step &c = m_steps[size_t(call->toolCall)];
        if (c.approval == Approval::Required) {
            c.approval = Approval::Approved;
            changed(call->toolCall, {ApprovalRole});
        }
        if (c.status == Status::Running || c.status == Status::Waiting)
            finishStep(call->toolCall, Status::Done, at);
    }
    Step step;
    step.kind = Kind::Acting;
    step.status = Status::Running;
    step.turn = turn;
    step.iteration = event.data.value(QLatin1String("iteration")).toInt();
    step.startedAt = at;
    step.callId = callId;
    step.tool = event.data.value(QLatin1String("tool")).toString();
    if (call->toolCall >= 0)
        step.server = m_steps[size_t(call->toolCall)].server;
    if (event.data.value(QLatin1String("progress")).isDouble())
        step.progress = event.data.value(QLatin1String("progress")).toDouble();
    if (event.data.value(QLatin1String("total")).isDouble())
        step.progressTotal = event.data.value(QLatin1String("total")).toDouble();
    step.progressMessage = event.data.value(QLatin1String("message")).toString();
    const int index = addStep(std::move(step));
    callFor(turn, callId)->acting = index;
}

void TimelineModel::onObserving(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const QString callId = event.data.value(QLatin1String("call_id")).toString();
    const bool isError = event.data.value(QLatin1String("is_error")).toBool();
    const QJsonValue durationValue = event.data.value(QLatin1String("duration_ms"));
    const qint64 duration = durationValue.isDouble() ? qint64(durationValue.toDouble()) : -1;
    Call call = *callFor(turn, callId);
    if (call.acting >= 0) {
        Step &a = m_steps[size_t(call.acting)];
        if (a.status == Status::Running) {
            if (duration >= 0)
                a.durationMs = duration;
            finishStep(call.acting, isError ? Status::Error : Status::Done, at);
        }
    } else if (call.toolCall >= 0) {
        Step &c = m_steps[size_t(call.toolCall)];
        if (c.status == Status::Waiting) {
            // Asked for approval and never ran: denied (or the approval timed out).
            c.approval = Approval::Denied;
            finishStep(call.toolCall, Status::Denied, at);
            changed(call.toolCall, {ApprovalRole});
        } else if (c.status == Status::Running) {
            finishStep(call.toolCall, Status::Done, at);
        }
    }
    // An elicitation or sampling request of this turn that still waits was answered: its
    // tool produced a result.
    std::vector<int> open;
    open.swap(m_turns[size_t(turn)].openRequests);
    for (const int index : open) {
        Step &s = m_steps[size_t(index)];
        if (s.kind == Kind::Sampling && s.status == Status::Waiting && s.deadline > 0
            && at >= s.deadline) {
            // Still unanswered when its time ran out: the server's timeout denied it.
            s.approval = Approval::Denied;
            s.code = QStringLiteral("timeout");
            finishStep(index, Status::Denied, at);
            changed(index, {ApprovalRole, CodeRole});
        } else if (s.status == Status::Waiting || s.status == Status::Running) {
            finishStep(index, Status::Done, at);
        }
    }

    Step step;
    step.kind = Kind::Observation;
    step.status = isError ? Status::Error : Status::Done;
    step.isError = isError;
    step.turn = turn;
    step.iteration = event.data.value(QLatin1String("iteration")).toInt();
    step.startedAt = at;
    step.durationMs = std::max<qint64>(0, duration);
    step.callId = callId;
    step.tool = event.data.value(QLatin1String("tool")).toString();
    if (call.toolCall >= 0)
        step.server = m_steps[size_t(call.toolCall)].server;
    // Classified and rendered when a view first asks (ResultPreview), not here.
    step.result = ResultPreview(event.data.value(QLatin1String("content")).toArray());
    const int index = addStep(std::move(step));
    callFor(turn, callId)->observation = index;
}

void TimelineModel::onFinal(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const int turn = ensureTurn(event.turnId, at);
    const int iteration = event.data.value(QLatin1String("iteration")).toInt();
    const QString stopReason = event.data.value(QLatin1String("stop_reason")).toString();
    const QString content = event.data.value(QLatin1String("content")).toString();
    const bool cancelled = stopReason == QLatin1String("cancelled");
    const Turn &t = m_turns[size_t(turn)];
    const size_t slot = size_t(std::max(0, iteration));
    const bool askedForTools = slot < t.callsOf.size() && t.callsOf[slot];
    int index = thinkingStep(turn, iteration, at, false);
    // The model call that ends the turn is its answer (a cancelled one only if it was
    // answering, not calling tools).
    const bool answer = !cancelled || (!askedForTools && !content.isEmpty());
    if (answer) {
        if (index < 0)
            index = thinkingStep(turn, iteration, at, true);
        Step &s = m_steps[size_t(index)];
        s.kind = Kind::Answer;
        if (!s.pending.isEmpty()) {
            s.markdown->append(s.pending);
            s.pending.clear();
            s.dirty = false;
        }
        if (!content.isEmpty() && s.markdown->source() != content)
            s.markdown->setText(content); // the server's whole answer wins
        finishStep(index, cancelled ? Status::Cancelled : Status::Done, at);
        changed(index, {KindRole});
    }
    if (cancelled)
        markCancelledResults(turn, at);
    const QJsonObject usage = event.data.value(QLatin1String("usage")).toObject();
    endTurn(turn, cancelled ? Status::Cancelled : Status::Done,
            stopReason.isEmpty() ? QStringLiteral("answer") : stopReason, at,
            event.data.value(QLatin1String("iterations")).toInt(iteration),
            qint64(usage.value(QLatin1String("input_tokens")).toDouble()),
            qint64(usage.value(QLatin1String("output_tokens")).toDouble()));
}

void TimelineModel::markCancelledResults(int turn, qint64 at)
{
    // Cancelling closes every running call with an error result right before the final
    // response: those calls were cancelled, not failed. They are the turn's last steps.
    const Turn &t = m_turns[size_t(turn)];
    for (auto it = t.steps.rbegin(); it != t.steps.rend(); ++it) {
        const Step &s = m_steps[size_t(*it)];
        if (s.kind == Kind::Answer || s.kind == Kind::Thinking)
            continue;
        if (s.kind != Kind::Observation || !s.isError || at - s.startedAt > kCancelWindowMs)
            break;
        const QString key = t.id + QChar(0x1f) + s.callId;
        const Call call = m_calls.value(key);
        if (call.acting >= 0 && m_steps[size_t(call.acting)].status == Status::Error) {
            m_steps[size_t(call.acting)].status = Status::Cancelled;
            changed(call.acting, {StatusRole});
        }
        m_steps[size_t(*it)].status = Status::Cancelled;
        changed(*it, {StatusRole});
    }
}

void TimelineModel::onError(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    int turn = -1;
    if (!event.turnId.isEmpty()) {
        turn = ensureTurn(event.turnId, at);
        if (m_turns[size_t(turn)].finished)
            turn = -1; // a late error of an ended turn: shown on its own
    }
    Step step;
    step.kind = Kind::Error;
    step.status = Status::Error;
    step.isError = true;
    step.turn = turn;
    step.startedAt = at;
    step.durationMs = 0;
    step.code = event.data.value(QLatin1String("code")).toString();
    const bool interrupted = step.code == QLatin1String("turn_interrupted");
    step.text = event.data.value(QLatin1String("message")).toString();
    step.retryable = event.data.value(QLatin1String("retryable")).toBool();
    // Which model call failed: the newest of the turn.
    if (turn >= 0) {
        const auto &of = m_turns[size_t(turn)].thinkingOf;
        step.iteration = of.empty() ? 0 : int(of.size()) - 1;
    }
    addStep(std::move(step));
    // A failed model call ends its turn (there is no final_response); so does the error a
    // store writes for a turn whose process died or lost its lease, and that turn reads
    // interrupted, as the server's turn record says.
    if (turn >= 0) {
        const Turn &t = m_turns[size_t(turn)];
        endTurn(turn, interrupted ? Status::Interrupted : Status::Error,
                interrupted ? QStringLiteral("interrupted") : QStringLiteral("error"), at,
                t.thinkingOf.empty() ? 0 : int(t.thinkingOf.size()) - 1, 0, 0);
    }
}

void TimelineModel::onElicitation(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const QString requestId = event.data.value(QLatin1String("request_id")).toString();
    const auto known = m_requests.constFind(requestId);
    if (known != m_requests.constEnd()) {
        if (event.data.value(QLatin1String("status")).toString() == QLatin1String("cancelled")) {
            Step &s = m_steps[size_t(known.value())];
            const QString reason = event.data.value(QLatin1String("reason")).toString();
            if (!reason.isEmpty())
                s.text = s.text.isEmpty()
                        ? reason
                        : s.text + QLatin1String(" (") + reason + QLatin1Char(')');
            finishStep(known.value(), Status::Cancelled, at);
            changed(known.value(), {MessageRole, TextRole});
        }
        return;
    }
    const int turn = event.turnId.isEmpty() ? -1 : ensureTurn(event.turnId, at);
    Step step;
    step.kind = Kind::Elicitation;
    step.status = event.data.value(QLatin1String("status")).toString() == QLatin1String("cancelled")
            ? Status::Cancelled
            : Status::Waiting;
    step.turn = turn;
    step.startedAt = at;
    if (step.status == Status::Cancelled)
        step.durationMs = 0;
    step.requestId = requestId;
    step.server = event.data.value(QLatin1String("server")).toString();
    step.text = event.data.value(QLatin1String("message")).toString();
    step.object = event.data.value(QLatin1String("schema")).toObject();
    // The server's field order: names only, at most one per field the form may have.
    const QJsonArray order = event.data.value(QLatin1String("property_order")).toArray();
    if (order.size() <= ElicitationSchema::kMaxFields) {
        for (const QJsonValue &name : order) {
            if (name.isString() && name.toString().size() <= ElicitationSchema::kMaxNameChars)
                step.order << name.toString();
        }
    }
    const QString url = event.data.value(QLatin1String("url")).toString();
    if (QUrl(url).isValid())
        step.url = url;
    step.deadline = StepDeadline::read(event.data, QLatin1String("timeout_ms"), at);
    const bool open = step.status == Status::Waiting || step.status == Status::Running;
    const int index = addStep(std::move(step));
    m_requests.insert(requestId, index);
    if (open && turn >= 0)
        m_turns[size_t(turn)].openRequests.push_back(index);
}

void TimelineModel::onSampling(const StreamEvent &event)
{
    const qint64 at = msOf(event);
    const QString requestId = event.data.value(QLatin1String("request_id")).toString();
    const auto known = m_requests.constFind(requestId);
    if (known != m_requests.constEnd()) {
        if (event.data.value(QLatin1String("status")).toString() == QLatin1String("cancelled")) {
            Step &s = m_steps[size_t(known.value())];
            const QString reason = event.data.value(QLatin1String("reason")).toString();
            if (!reason.isEmpty())
                s.code = reason;
            finishStep(known.value(), Status::Cancelled, at);
            changed(known.value(), {CodeRole});
        }
        return;
    }
    const int turn = event.turnId.isEmpty() ? -1 : ensureTurn(event.turnId, at);
    Step step;
    step.kind = Kind::Sampling;
    step.turn = turn;
    step.startedAt = at;
    step.requestId = requestId;
    step.server = event.data.value(QLatin1String("server")).toString();
    step.content = event.data.value(QLatin1String("messages")).toArray();
    step.text = TimelineText::lastMessageText(step.content);
    step.maxTokens = event.data.value(QLatin1String("max_tokens")).toInt();
    const QString approval = event.data.value(QLatin1String("approval")).toString();
    step.approval = approval == QLatin1String("required") ? Approval::Required : Approval::Auto;
    step.status = step.approval == Approval::Required ? Status::Waiting : Status::Running;
    // Unanswered by then, the server denies it (only a request that asks has a timeout).
    if (step.approval == Approval::Required)
        step.deadline = StepDeadline::read(event.data, QLatin1String("approval_timeout_ms"), at);
    if (event.data.value(QLatin1String("status")).toString() == QLatin1String("cancelled")) {
        step.status = Status::Cancelled;
        step.durationMs = 0;
    }
    const bool open = step.status == Status::Waiting || step.status == Status::Running;
    const int index = addStep(std::move(step));
    m_requests.insert(requestId, index);
    if (open && turn >= 0)
        m_turns[size_t(turn)].openRequests.push_back(index);
}

void TimelineModel::endTurn(int turn, Status status, const QString &stopReason, qint64 at,
                            int iterations, qint64 inputTokens, qint64 outputTokens)
{
    Turn &t = m_turns[size_t(turn)];
    if (t.finished)
        return;
    // Whatever still runs or waits ends with the turn; a turn that answered leaves nothing
    // running, so "done" only closes thoughts.
    for (const int index : t.steps) {
        const Step &s = m_steps[size_t(index)];
        if (s.status == Status::Running || s.status == Status::Waiting)
            finishStep(index, status, at);
    }
    t.finished = true;
    t.endedAt = at;
    Step summary;
    summary.kind = Kind::TurnSummary;
    summary.status = status;
    summary.turn = turn;
    summary.startedAt = t.startedAt;
    summary.durationMs = std::max<qint64>(0, at - t.startedAt);
    summary.iterations = iterations;
    summary.stopReason = stopReason;
    summary.inputTokens = inputTokens;
    summary.outputTokens = outputTokens;
    addStep(std::move(summary));
    if (m_openTurn == turn) {
        m_openTurn = -1;
        Q_EMIT runningChanged();
    }
}

void TimelineModel::interruptOpenTurn()
{
    flushText();
    if (m_openTurn < 0)
        return;
    const Turn &t = m_turns[size_t(m_openTurn)];
    qint64 at = t.startedAt;
    for (const int index : t.steps)
        at = std::max(at, m_steps[size_t(index)].startedAt);
    endTurn(m_openTurn, Status::Interrupted, QStringLiteral("interrupted"), at,
            t.thinkingOf.empty() ? 0 : int(t.thinkingOf.size()) - 1, 0, 0);
}

void TimelineModel::markRequestAnswered(const QString &requestId)
{
    const auto it = m_requests.constFind(requestId);
    if (it == m_requests.constEnd())
        return;
    const Step &s = m_steps[size_t(it.value())];
    if (s.status == Status::Waiting || s.status == Status::Running)
        finishStep(it.value(), Status::Done, QDateTime::currentMSecsSinceEpoch());
}

void TimelineModel::changed(int step, const QVector<int> &roles)
{
    const int row = m_steps[size_t(step)].row;
    if (row < 0 || row >= count())
        return; // folded away, or in a batch not yet inserted (it is read whole then)
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, roles);
}

// ---- expansion, folding, search, copy --------------------------------------------------------

void TimelineModel::setExpanded(int row, bool expanded)
{
    if (row < 0 || row >= count())
        return;
    Step &s = m_steps[size_t(m_rows[row])];
    if (s.expanded == expanded)
        return;
    s.expanded = expanded;
    changed(m_rows[row], {ExpandedRole});
}

bool TimelineModel::isFolded(const QString &turnId) const
{
    const auto it = m_turnIndex.constFind(turnId);
    return it != m_turnIndex.constEnd() && m_turns[size_t(it.value())].folded;
}

void TimelineModel::toggleFold(const QString &turnId)
{
    const auto it = m_turnIndex.constFind(turnId);
    if (it == m_turnIndex.constEnd())
        return;
    const int turn = it.value();
    flush(); // folding moves rows: a batch still waiting goes in first
    if (m_turns[size_t(turn)].folded)
        unfoldTurn(turn);
    else
        foldTurn(turn);
}

void TimelineModel::renumberFrom(int row)
{
    for (int r = std::max(0, row); r < m_rows.size(); ++r)
        m_steps[size_t(m_rows[r])].row = r;
}

bool TimelineModel::isFoldable(Kind kind)
{
    // The user's message, the answer, errors and the summary stay visible.
    switch (kind) {
    case Kind::Thinking:
    case Kind::ToolCall:
    case Kind::Acting:
    case Kind::Observation:
    case Kind::Elicitation:
    case Kind::Sampling:
        return true;
    default:
        return false;
    }
}

void TimelineModel::foldTurn(int turn)
{
    flush();
    Turn &t = m_turns[size_t(turn)];
    if (!t.finished)
        return;
    // Runs of consecutive visible rows to hide.
    std::vector<std::pair<int, int>> runs; // first row, last row
    for (const int index : t.steps) {
        const Step &s = m_steps[size_t(index)];
        if (s.row < 0 || !isFoldable(s.kind) || s.status == Status::Running
            || s.status == Status::Waiting)
            continue;
        if (!runs.empty() && runs.back().second + 1 == s.row)
            runs.back().second = s.row;
        else
            runs.emplace_back(s.row, s.row);
    }
    if (runs.empty())
        return;
    const int firstRow = runs.front().first;
    for (auto r = runs.rbegin(); r != runs.rend(); ++r) {
        beginRemoveRows(QModelIndex(), r->first, r->second);
        for (int row = r->first; row <= r->second; ++row)
            m_steps[size_t(m_rows[row])].row = -1;
        m_rows.remove(r->first, r->second - r->first + 1);
        endRemoveRows();
    }
    t.folded = true;
    if (t.foldStep < 0) {
        Step fold;
        fold.kind = Kind::Fold;
        fold.status = Status::Done;
        fold.turn = turn;
        fold.startedAt = t.startedAt;
        fold.durationMs = std::max<qint64>(0, t.endedAt - t.startedAt);
        m_steps.push_back(std::move(fold));
        m_turns[size_t(turn)].foldStep = int(m_steps.size()) - 1;
    }
    Turn &t2 = m_turns[size_t(turn)];
    m_steps[size_t(t2.foldStep)].text = foldTextOf(turn);
    beginInsertRows(QModelIndex(), firstRow, firstRow);
    m_rows.insert(firstRow, t2.foldStep);
    endInsertRows();
    renumberFrom(firstRow);
    Q_EMIT countChanged();
}

void TimelineModel::unfoldTurn(int turn)
{
    Turn &t = m_turns[size_t(turn)];
    const int foldRow = m_steps[size_t(t.foldStep)].row;
    if (!t.folded || foldRow < 0)
        return;
    beginRemoveRows(QModelIndex(), foldRow, foldRow);
    m_rows.remove(foldRow);
    m_steps[size_t(t.foldStep)].row = -1;
    endRemoveRows();
    renumberFrom(foldRow);
    t.folded = false;
    // Put each run of hidden steps back before the next visible step of the turn.
    int insertAt = -1; // row after the last visible step seen
    std::vector<int> run;
    auto putBack = [this, &run](int at) {
        if (run.empty())
            return;
        beginInsertRows(QModelIndex(), at, at + int(run.size()) - 1);
        for (size_t k = 0; k < run.size(); ++k)
            m_rows.insert(at + int(k), run[k]);
        endInsertRows();
        renumberFrom(at);
        run.clear();
    };
    for (const int index : t.steps) {
        const Step &s = m_steps[size_t(index)];
        if (s.row >= 0) {
            putBack(s.row);
            insertAt = m_steps[size_t(index)].row + 1;
        } else {
            if (insertAt < 0)
                insertAt = foldRow;
            run.push_back(index);
        }
    }
    putBack(insertAt < 0 ? foldRow : insertAt);
    Q_EMIT countChanged();
}

QString TimelineModel::foldTextOf(int turn) const
{
    const Turn &t = m_turns[size_t(turn)];
    int calls = 0;
    int thoughts = 0;
    for (const int index : t.steps) {
        const Step &s = m_steps[size_t(index)];
        if (s.row >= 0)
            continue;
        if (s.kind == Kind::ToolCall)
            ++calls;
        else if (s.kind == Kind::Thinking && s.markdown && !s.markdown->source().isEmpty())
            ++thoughts; // a model call that only asked for tools is no thought
    }
    QStringList parts;
    parts << TimelineText::countOf(calls, "tool call", "tool calls");
    parts << TimelineText::countOf(thoughts, "thought", "thoughts");
    parts << TimelineText::seconds(std::max<qint64>(0, t.endedAt - t.startedAt));
    return parts.join(QStringLiteral(" \u00b7 "));
}

QString TimelineModel::searchTextOf(int index) const
{
    const Step &s = m_steps[size_t(index)];
    switch (s.kind) {
    case Kind::Thinking:
    case Kind::Answer:
        return s.markdown ? s.markdown->source() + s.pending : s.pending;
    case Kind::ToolCall:
        return s.server + QLatin1Char(' ') + s.tool + QLatin1Char(' ')
                + QString::fromUtf8(QJsonDocument(s.object).toJson(QJsonDocument::Compact));
    case Kind::Acting:
        return s.tool + QLatin1Char(' ') + s.progressMessage;
    case Kind::Observation:
        return fullResultOf(index);
    case Kind::Error:
        return s.code + QLatin1Char(' ') + s.text;
    case Kind::Elicitation:
    case Kind::Sampling:
        return s.server + QLatin1Char(' ') + s.text;
    default:
        return s.text;
    }
}

int TimelineModel::find(const QString &text, int fromRow, bool forward)
{
    flush();
    // Marks: every visible row that matches (and nothing else).
    for (const int index : std::as_const(m_rows)) {
        const bool match = !text.isEmpty()
                && (m_steps[size_t(index)].kind == Kind::Fold
                            ? false
                            : searchTextOf(index).contains(text, Qt::CaseInsensitive));
        if (m_steps[size_t(index)].matches != match) {
            m_steps[size_t(index)].matches = match;
            changed(index, {MatchesRole});
        }
    }
    if (text.isEmpty() || m_rows.isEmpty())
        return -1;
    const int n = int(m_rows.size());
    int start = fromRow;
    if (start < 0 || start >= n)
        start = forward ? 0 : n - 1;
    for (int k = 0; k < n; ++k) {
        const int row = forward ? (start + k) % n : (start - k + n) % n;
        const int index = m_rows[row];
        const Step &s = m_steps[size_t(index)];
        if (s.kind != Kind::Fold) {
            if (s.matches)
                return row;
            continue;
        }
        // A folded turn: look inside, and unfold it to show the match.
        const Turn &t = m_turns[size_t(s.turn)];
        int hit = -1;
        const int hidden = int(t.steps.size());
        for (int j = 0; j < hidden; ++j) {
            const int h = t.steps[size_t(forward ? j : hidden - 1 - j)];
            if (m_steps[size_t(h)].row < 0 && searchTextOf(h).contains(text, Qt::CaseInsensitive)) {
                hit = h;
                break;
            }
        }
        if (hit < 0)
            continue;
        const int turn = s.turn;
        unfoldTurn(turn);
        for (const int index2 : m_turns[size_t(turn)].steps) {
            Step &u = m_steps[size_t(index2)];
            const bool match = searchTextOf(index2).contains(text, Qt::CaseInsensitive);
            if (u.matches != match) {
                u.matches = match;
                changed(index2, {MatchesRole});
            }
        }
        return m_steps[size_t(hit)].row;
    }
    return -1;
}

QString TimelineModel::fullResultOf(int index) const
{
    const Step &s = m_steps[size_t(index)];
    if (s.kind != Kind::Observation) {
        if (s.markdown)
            return s.markdown->source() + s.pending;
        if (s.kind == Kind::ToolCall)
            return QString::fromUtf8(QJsonDocument(s.object).toJson(QJsonDocument::Indented));
        return s.text;
    }
    return s.result.fullText();
}

QString TimelineModel::fullResult(int row) const
{
    if (row < 0 || row >= count())
        return {};
    return fullResultOf(m_rows[row]);
}

QString TimelineModel::markdownOf(int index) const
{
    const Step &s = m_steps[size_t(index)];
    switch (s.kind) {
    case Kind::User:
        return QStringLiteral("**User:**\n\n") + s.text;
    case Kind::Thinking: {
        const QString text = searchTextOf(index);
        return QStringLiteral("*Thought (iteration %1):*\n\n").arg(s.iteration) + text;
    }
    case Kind::Answer:
        return QStringLiteral("**Answer:**\n\n") + searchTextOf(index);
    case Kind::ToolCall: {
        QString out = QStringLiteral("**Tool call** `%1 \u203a %2`").arg(s.server, s.tool);
        if (s.approval == Approval::Required || s.approval == Approval::Approved
            || s.approval == Approval::Denied)
            out += QStringLiteral(" (approval: %1)").arg(approvalName(int(s.approval)));
        return out + QStringLiteral("\n\n")
                + ResultPreview::fenced(
                        QString::fromUtf8(QJsonDocument(s.object).toJson(QJsonDocument::Indented)),
                        QStringLiteral("json"));
    }
    case Kind::Acting:
        return QStringLiteral("*Ran `%1` (%2)*").arg(s.tool, statusName(int(s.status)));
    case Kind::Observation: {
        QString out = QStringLiteral("**Result** of `%1`%2:\n\n")
                              .arg(s.tool, s.isError ? QStringLiteral(" (error)") : QString());
        return out + s.result.markdown();
    }
    case Kind::Error:
        return QStringLiteral("**Error** (%1): %2").arg(s.code, s.text);
    case Kind::Elicitation:
        return QStringLiteral("**Question from %1:** %2 (%3)")
                .arg(s.server, s.text, statusName(int(s.status)));
    case Kind::Sampling:
        return QStringLiteral("**Sampling request from %1** (%2): %3")
                .arg(s.server, statusName(int(s.status)), s.text);
    case Kind::TurnSummary:
        return QStringLiteral("*%1 · %2 · %3 in / %4 out tokens · %5*")
                .arg(TimelineText::countOf(s.iterations, "iteration", "iterations"), s.stopReason)
                .arg(s.inputTokens)
                .arg(s.outputTokens)
                .arg(TimelineText::seconds(s.durationMs));
    case Kind::Fold: {
        QStringList parts;
        for (const int h : m_turns[size_t(s.turn)].steps) {
            if (m_steps[size_t(h)].row < 0)
                parts << markdownOf(h);
        }
        return parts.join(QStringLiteral("\n\n"));
    }
    }
    return {};
}

QString TimelineModel::stepMarkdown(int row) const
{
    if (row < 0 || row >= count())
        return {};
    return markdownOf(m_rows[row]);
}

QString TimelineModel::turnMarkdown(const QString &turnId) const
{
    const auto it = m_turnIndex.constFind(turnId);
    if (it == m_turnIndex.constEnd())
        return {};
    QStringList parts;
    for (const int index : m_turns[size_t(it.value())].steps)
        parts << markdownOf(index);
    return parts.join(QStringLiteral("\n\n"));
}

int TimelineModel::rowOfCall(const QString &callId) const
{
    const auto key = m_latestCall.constFind(callId);
    if (key == m_latestCall.constEnd())
        return -1;
    const Call call = m_calls.value(key.value());
    if (call.toolCall < 0)
        return -1;
    const Step &s = m_steps[size_t(call.toolCall)];
    if (s.row >= 0)
        return s.row < count() ? s.row : -1;
    const Turn &t = m_turns[size_t(s.turn)];
    return t.foldStep >= 0 ? m_steps[size_t(t.foldStep)].row : -1;
}
