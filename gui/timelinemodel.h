#pragma once

#include "markdownblocks.h"
#include "resultpreview.h"

#include <QAbstractListModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QQmlEngine>
#include <QStringList>
#include <QTimer>
#include <QVector>

#include <memory>
#include <vector>

struct StreamEvent;

/// The steps of one session as rows for the timeline view, built one StreamEvent at a time
/// (applyEvent). One row per step: the user's message, each model call's thought (text streams
/// into it; the call that ends the turn becomes the answer), each tool call, its run (with MCP
/// progress) and its result, errors, elicitations and sampling requests, and a summary per turn.
///
/// Contract: rows are only ever appended by events; a streaming row changes in place
/// (dataChanged on that row, text coalesced to one update per ~40 ms); folding removes a
/// finished turn's finished steps and inserts one "fold" row (and back); modelReset only on
/// clear(). Events with a seq at or below lastSeq are ignored, so a replayed stream never
/// doubles a step. applyEvent is O(1) amortised (hashes by call id, request id and turn).
///
/// Live events insert their rows one at a time. The backlog a stream replays when it opens
/// (the events up to its `session_start`'s `last_seq`) is inserted in batches instead: one
/// rowsInserted when the backlog's last event arrives, or after kFlushIntervalMs when it is
/// slow to come, so opening a long session costs one insert, not one per step. Rows of a batch
/// not yet inserted are not visible through any method.
///
/// Rendering is lazy: a thought's or answer's Markdown (MarkdownBlocks) and a result's preview
/// (ResultPreview) are rendered when data() is first asked for them, i.e. for the rows a view
/// shows, and cached; opening a 10,000-step session renders nothing nobody looks at.
class TimelineModel : public QAbstractListModel
{
    Q_OBJECT
    QML_ELEMENT
    Q_DISABLE_COPY_MOVE(TimelineModel)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(bool running READ running NOTIFY runningChanged)
    Q_PROPERTY(qint64 lastSeq READ lastSeq NOTIFY lastSeqChanged)

public:
    enum Role {
        KindRole = Qt::UserRole + 1, ///< "user", "thinking", "toolCall", "acting", "observation",
                                     ///< "answer", "error", "elicitation", "sampling",
                                     ///< "turnSummary", "fold"
        TurnIdRole, ///< the turn's id ("" outside a turn)
        IterationRole, ///< 1-based model call of the turn (0 when none)
        StatusRole, ///< "running", "waiting", "done", "error", "cancelled", "denied",
                    ///< "interrupted"
        StartedAtRole, ///< QDateTime (UTC) the step started
        DurationMsRole, ///< how long it took; -1 while it runs or waits
        TextRole, ///< plain text: user message, the open (not yet rendered) tail of streamed
                  ///< Markdown, error message, result preview
        HtmlRole, ///< closed Markdown blocks (no raw HTML, no underline), each rendered once,
                  ///< when first read (a card shown), not when the event arrives
        CallIdRole, ///< tool call id
        ServerRole, ///< MCP server name
        ToolRole, ///< tool name
        ArgsSummaryRole, ///< one line: `key: value, …`
        ArgsJsonRole, ///< the arguments as indented JSON (display copy capped at 64 KiB)
        ArgsRole, ///< the arguments (a QJsonObject: a JS object in QML)
        ApprovalRole, ///< "auto", "required", "denied", "approved"
        DeadlineRole, ///< QDateTime when an approval / sampling request / elicitation times out
                      ///< (StepDeadline: bounded); invalid if unknown
        ProgressRole, ///< MCP progress (real), -1 none
        ProgressTotalRole, ///< MCP progress total (real), -1 none
        ProgressMessageRole, ///< MCP progress message
        IsErrorRole, ///< the result is an error
        ContentRole, ///< QVariantList of MCP content blocks (maps; text capped to the preview,
                     ///< with `format` "text"|"markdown"|"json", `html` / `pretty`,
                     ///< `truncated`, `bytes`); for sampling the request's messages
        PreviewTruncatedRole, ///< the preview is shorter than the result (see fullResult())
        FullBytesRole, ///< size of the whole result's text in UTF-8 bytes
        RequestIdRole, ///< elicitation / sampling request id
        MessageRole, ///< elicitation question, sampling request's last message, cancel reason
        SchemaRole, ///< elicitation form schema (QVariantMap)
        UrlRole, ///< elicitation URL (URL mode)
        UrlHostRole, ///< its host, to show before opening it
        IterationsRole, ///< turnSummary: model calls of the turn
        StopReasonRole, ///< turnSummary: "answer", "max_iterations", "cancelled", "error",
                        ///< "interrupted"
        InputTokensRole, ///< turnSummary: tokens the model read
        OutputTokensRole, ///< turnSummary: tokens the model wrote
        FoldTextRole, ///< fold: "3 tool calls · 2 thoughts · 12.4 s"
        ExpandedRole, ///< the card is expanded (kept in the model)
        MatchesRole, ///< the row matches the last find() text
        CodeRole, ///< error: the error code; sampling: why it ended ("timeout": its deadline
                  ///< passed unanswered and the server denied it; or the server's reason)
        RetryableRole, ///< error: retrying may help
        MaxTokensRole, ///< sampling: max_tokens asked for
        PropertyOrderRole, ///< elicitation: the schema's field names in the server's order
                           ///< (QStringList; empty: unknown, the form sorts them by name)
    };
    Q_ENUM(Role)

    /// Bounds of a result's preview (per text block).
    static constexpr qsizetype kPreviewBytes = ResultPreview::kPreviewBytes;
    static constexpr int kPreviewLines = ResultPreview::kPreviewLines;
    /// Interval of the streamed-text coalescing.
    static constexpr int kFlushIntervalMs = 40;
    /// Error results this close before a cancelled turn's end are the cancellation's.
    static constexpr qint64 kCancelWindowMs = 1000;

    explicit TimelineModel(QObject *parent = nullptr);
    ~TimelineModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    /// Applies one event of the session's stream (in seq order; seen seqs are ignored).
    void applyEvent(const StreamEvent &event);
    /// Forgets everything (the one model reset); lastSeq goes back to 0.
    void clear();
    /// The open turn ended without its final event (the server went away): its running steps
    /// become "interrupted" and it gets a summary.
    void interruptOpenTurn();
    /// Writes the coalesced streamed text into its rows now, and inserts the rows of a replayed
    /// backlog still waiting for their batch.
    void flush();

    Q_INVOKABLE void setExpanded(int row, bool expanded);
    /// Folds a finished turn's finished steps into one "fold" row, or unfolds it.
    Q_INVOKABLE void toggleFold(const QString &turnId);
    [[nodiscard]] Q_INVOKABLE bool isFolded(const QString &turnId) const;
    /// Copyable Markdown of one row (a fold row: its folded steps).
    [[nodiscard]] Q_INVOKABLE QString stepMarkdown(int row) const;
    /// Copyable Markdown of a whole turn, folded steps included.
    [[nodiscard]] Q_INVOKABLE QString turnMarkdown(const QString &turnId) const;
    /// The next row (from `fromRow` inclusive, wrapping) whose text contains `text`
    /// (case-insensitive), -1 if none; a match inside a folded turn unfolds it. Marks every
    /// matching row (role `matches`); an empty text clears the marks.
    Q_INVOKABLE int find(const QString &text, int fromRow, bool forward);
    /// The whole result of an observation row (the preview is capped); other rows: their text.
    [[nodiscard]] Q_INVOKABLE QString fullResult(int row) const;
    /// The row of the newest tool call with this id (its fold row when folded), -1 if none.
    [[nodiscard]] Q_INVOKABLE int rowOfCall(const QString &callId) const;
    /// The request (elicitation / sampling) was answered here: it no longer waits.
    Q_INVOKABLE void markRequestAnswered(const QString &requestId);

    [[nodiscard]] int count() const { return int(m_rows.size()) - m_pendingRows; }
    [[nodiscard]] bool running() const { return m_openTurn >= 0; }
    [[nodiscard]] qint64 lastSeq() const { return m_lastSeq; }

Q_SIGNALS:
    void countChanged();
    void runningChanged();
    void lastSeqChanged();
    /// A new step was appended at `row` (not emitted when folding brings rows back).
    void stepAdded(int row);

private:
    enum class Kind : quint8 {
        User,
        Thinking,
        ToolCall,
        Acting,
        Observation,
        Answer,
        Error,
        Elicitation,
        Sampling,
        TurnSummary,
        Fold
    };
    enum class Status : quint8 { Running, Waiting, Done, Error, Cancelled, Denied, Interrupted };
    enum class Approval : quint8 { None, Auto, Required, Denied, Approved };
    struct Step
    {
        Kind kind = Kind::User;
        Status status = Status::Done;
        Approval approval = Approval::None;
        bool expanded = false;
        bool matches = false;
        bool isError = false;
        bool retryable = false;
        bool dirty = false; ///< has coalesced text not yet flushed
        int turn = -1; ///< index into m_turns
        int row = -1; ///< visible row, -1 while folded
        int iteration = 0;
        qint64 startedAt = 0; ///< ms since the epoch
        qint64 durationMs = -1;
        qint64 deadline = 0; ///< ms since the epoch, 0 none
        QString text; ///< user message, error message, question, fold text
        std::unique_ptr<MarkdownBlocks> markdown; ///< thinking / answer text
        QString pending; ///< streamed text not yet in `markdown`
        QString callId, server, tool, requestId, code, url;
        QJsonObject object; ///< tool arguments, elicitation schema
        QStringList order; ///< elicitation: property_order
        QJsonArray content; ///< sampling: the request's messages
        ResultPreview result; ///< observation: the result's blocks
        double progress = -1;
        double progressTotal = -1;
        QString progressMessage;
        int iterations = 0;
        qint64 inputTokens = 0;
        qint64 outputTokens = 0;
        int maxTokens = 0;
        QString stopReason;
    };

    struct Turn
    {
        QString id;
        std::vector<int> steps; ///< its steps in order (not its fold row)
        std::vector<int> thinkingOf; ///< iteration -> thinking step (-1 none)
        std::vector<bool> callsOf; ///< iteration -> asked for tools
        std::vector<int> openRequests; ///< elicitation / sampling steps that may still wait
        int foldStep = -1;
        bool finished = false;
        bool folded = false;
        qint64 startedAt = 0;
        qint64 endedAt = 0;
    };

    struct Call
    {
        int toolCall = -1;
        int acting = -1;
        int observation = -1;
    };

    void onThinking(const StreamEvent &event);
    void onPartial(const StreamEvent &event);
    void onToolCall(const StreamEvent &event);
    void onActing(const StreamEvent &event);
    void onObserving(const StreamEvent &event);
    void onFinal(const StreamEvent &event);
    void onError(const StreamEvent &event);
    void onElicitation(const StreamEvent &event);
    void onSampling(const StreamEvent &event);

    int ensureTurn(const QString &turnId, qint64 at);
    int addStep(Step step);
    /// Inserts the rows of a backlog batch (one rowsInserted for all of them).
    void commitRows();
    void flushText();
    int thinkingStep(int turn, int iteration, qint64 at, bool create);
    void endThinking(int turn, int iteration, qint64 at);
    void finishStep(int index, Status status, qint64 at);
    void endTurn(int turn, Status status, const QString &stopReason, qint64 at, int iterations,
                 qint64 inputTokens, qint64 outputTokens);
    Call *callFor(int turn, const QString &callId);
    void markCancelledResults(int turn, qint64 at);
    void changed(int step, const QVector<int> &roles);
    void renumberFrom(int row);
    [[nodiscard]] static bool isFoldable(Kind kind);
    void foldTurn(int turn);
    void unfoldTurn(int turn);
    [[nodiscard]] QString foldTextOf(int turn) const;
    [[nodiscard]] QString markdownOf(int index) const;
    [[nodiscard]] QString searchTextOf(int index) const;
    [[nodiscard]] QString fullResultOf(int index) const;

    std::vector<Step> m_steps;
    QVector<int> m_rows; ///< row -> step
    std::vector<Turn> m_turns;
    QHash<QString, int> m_turnIndex;
    QHash<QString, Call> m_calls; ///< "turn\x1fcall id" -> steps
    QHash<QString, QString> m_latestCall; ///< call id -> its newest key in m_calls
    QHash<QString, int> m_requests; ///< request id -> step
    QVector<int> m_dirty; ///< steps with coalesced text
    QTimer m_flushTimer;
    QTimer m_commitTimer; ///< inserts a slow backlog's rows so far
    int m_pendingRows = 0; ///< rows at the end of m_rows not yet inserted (a backlog batch)
    qint64 m_backlogEnd = 0; ///< the last seq of the replayed backlog (session_start's last_seq)
    bool m_batching = false; ///< the event being applied belongs to the backlog
    int m_openTurn = -1;
    qint64 m_lastSeq = 0;
};
