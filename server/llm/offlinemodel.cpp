#include "offlinemodel.h"

#include "logging.h"
#include "offlinetoolcatalog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>
#include <QSet>
#include <QTimer>

#include <functional>

namespace {

QString shortened(const QString &text, int max = 600)
{
    QString t = text.trimmed();
    if (t.size() > max)
        t = t.left(max).trimmed() + QStringLiteral(" …");
    return t;
}

QString schemaType(const QJsonObject &propSchema)
{
    const QJsonValue type = propSchema.value(QLatin1String("type"));
    if (type.isString())
        return type.toString();
    for (const auto &t : type.toArray()) {
        if (t.toString() != QLatin1String("null"))
            return t.toString();
    }
    return {};
}

QString unquote(const QString &value)
{
    if (value.size() >= 2 && value.startsWith(QLatin1Char('"'))
        && value.endsWith(QLatin1Char('"'))) {
        // Parse as a JSON string so \" and \n escapes work.
        const QJsonDocument doc
                = QJsonDocument::fromJson(QByteArray("[") + value.toUtf8() + QByteArray("]"));
        if (doc.isArray())
            return doc.array().first().toString();
        return value.mid(1, value.size() - 2);
    }
    if (value.size() >= 2 && value.startsWith(QLatin1Char('\''))
        && value.endsWith(QLatin1Char('\'')))
        return value.mid(1, value.size() - 2);
    return value;
}

std::optional<bool> parseBool(const QString &v)
{
    const QString s = v.toLower();
    if (s == QLatin1String("true") || s == QLatin1String("yes") || s == QLatin1String("on")
        || s == QLatin1String("1"))
        return true;
    if (s == QLatin1String("false") || s == QLatin1String("no") || s == QLatin1String("off")
        || s == QLatin1String("0"))
        return false;
    return std::nullopt;
}

/// Converts a `key=value` value to the JSON type the schema asks for.
QJsonValue typedValue(const QString &rawValue, const QJsonObject &propSchema)
{
    const bool quoted
            = rawValue.startsWith(QLatin1Char('"')) || rawValue.startsWith(QLatin1Char('\''));
    const QString value = unquote(rawValue);
    const QString type = schemaType(propSchema);
    bool ok = false;
    if (type == QLatin1String("string"))
        return value;
    if (type == QLatin1String("integer")) {
        const qint64 n = value.toLongLong(&ok);
        if (ok)
            return n;
        const double d = value.toDouble(&ok);
        if (ok && d == qint64(d))
            return qint64(d);
        return value; // let the tool report the bad value
    }
    if (type == QLatin1String("number")) {
        const double d = value.toDouble(&ok);
        return ok ? QJsonValue(d) : QJsonValue(value);
    }
    if (type == QLatin1String("boolean")) {
        const auto b = parseBool(value);
        return b ? QJsonValue(*b) : QJsonValue(value);
    }
    if (type == QLatin1String("array") || type == QLatin1String("object")) {
        const QJsonDocument doc = QJsonDocument::fromJson(value.toUtf8());
        if (type == QLatin1String("object") && doc.isObject())
            return doc.object();
        if (type == QLatin1String("array")) {
            if (doc.isArray())
                return doc.array();
            const QJsonObject items = propSchema.value(QLatin1String("items")).toObject();
            QJsonArray array;
            for (const QString &part : value.split(QLatin1Char(','), Qt::SkipEmptyParts))
                array.append(typedValue(part.trimmed(), items));
            return array;
        }
        return value;
    }
    // No type given: quoted means string; otherwise take a number or boolean literally.
    if (quoted)
        return value;
    const qint64 n = value.toLongLong(&ok);
    if (ok)
        return n;
    const double d = value.toDouble(&ok);
    if (ok)
        return d;
    if (value == QLatin1String("true") || value == QLatin1String("false"))
        return value == QLatin1String("true");
    return value;
}

/// Strips filler words and stray punctuation from both ends of a free-text value.
QString stripFillers(QString text, const QStringList &extraLeading = {})
{
    static const QRegularExpression leadingPunct(QStringLiteral("^[\\s:=,;\\-]+"));
    static const QRegularExpression trailingPunct(QStringLiteral("[\\s.,;:!?]+$"));
    for (bool changed = true; changed;) {
        changed = false;
        text.remove(leadingPunct);
        text.remove(trailingPunct);
        const qsizetype space = text.indexOf(QLatin1Char(' '));
        const QString first = (space < 0 ? text : text.left(space)).toLower();
        if (!first.isEmpty()
            && (OfflineToolCatalog::isFillerWord(first) || extraLeading.contains(first))) {
            text = space < 0 ? QString() : text.mid(space + 1);
            changed = true;
            continue;
        }
        const qsizetype lastSpace = text.lastIndexOf(QLatin1Char(' '));
        const QString last = text.mid(lastSpace + 1).toLower();
        if (lastSpace >= 0 && OfflineToolCatalog::isFillerWord(last)) {
            text.truncate(lastSpace);
            changed = true;
        }
    }
    return unquote(text.trimmed());
}

bool isWordChar(QChar c)
{
    return c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('-');
}

/// True if `word` occurs in `text` (case-insensitively) not inside a longer word.
bool containsWord(const QString &text, const QString &word)
{
    if (word.isEmpty())
        return false;
    for (qsizetype at = text.indexOf(word, 0, Qt::CaseInsensitive); at >= 0;
         at = text.indexOf(word, at + 1, Qt::CaseInsensitive)) {
        const qsizetype end = at + word.size();
        if ((at == 0 || !isWordChar(text.at(at - 1)))
            && (end == text.size() || !isWordChar(text.at(end))))
            return true;
    }
    return false;
}

/// True for "what tools do you have?", "list your tools", "which tools are there" and the like.
bool asksForTools(const QString &message)
{
    static const QRegularExpression word(QStringLiteral("[\\p{L}]+"));
    static const QSet<QString> toolWords {QStringLiteral("tool"), QStringLiteral("tools"),
                                          QStringLiteral("function"), QStringLiteral("functions"),
                                          QStringLiteral("capabilities")};
    static const QSet<QString> askWords {
            QStringLiteral("what"), QStringLiteral("which"),     QStringLiteral("list"),
            QStringLiteral("show"), QStringLiteral("available"), QStringLiteral("have"),
            QStringLiteral("tell"), QStringLiteral("name"),      QStringLiteral("enumerate"),
            QStringLiteral("got"),  QStringLiteral("offer"),     QStringLiteral("there"),
            QStringLiteral("any")};
    bool tool = false;
    bool ask = false;
    QStringList words;
    auto it = word.globalMatch(message);
    while (it.hasNext()) {
        const QString w = it.next().captured(0).toLower();
        tool = tool || toolWords.contains(w);
        ask = ask || askWords.contains(w);
        words.append(w);
    }
    if (tool && ask)
        return true;
    // "what can you do?"
    return words.join(QLatin1Char(' ')).contains(QLatin1String("what can you do"));
}

/// The first sentence of a description, at most about 120 characters.
QString summary(const QString &description)
{
    QString s = description.simplified();
    const qsizetype stop = s.indexOf(QLatin1String(". "));
    if (stop > 0)
        s.truncate(stop + 1);
    if (s.size() > 120)
        s = s.left(117).trimmed() + QStringLiteral("…");
    return s;
}

QString toolListText(const QList<ToolDefinition> &tools)
{
    QString text = tools.size() == 1
            ? QStringLiteral("I can use this tool:\n")
            : QStringLiteral("I can use these %1 tools:\n").arg(tools.size());
    for (const ToolDefinition &tool : tools) {
        const QString about = summary(tool.description);
        text += about.isEmpty() ? QStringLiteral("- %1\n").arg(tool.name)
                                : QStringLiteral("- %1: %2\n").arg(tool.name, about);
    }
    text += QStringLiteral(
            "\nI am the built-in offline model: name a tool and give its arguments (as key=value "
            "pairs or a JSON object), or describe what you want in a few plain words, and I will "
            "call it.");
    return text;
}

QString jsonText(const QJsonObject &obj)
{
    return QString::fromUtf8(QJsonDocument(obj).toJson(QJsonDocument::Compact));
}

QString helpText(const ChatRequest &request, const QString &lead)
{
    QString text = lead;
    text += QStringLiteral(
            "I am the built-in offline model: I run without any network connection and do not "
            "understand free-form requests. ");
    if (request.tools.isEmpty() || request.toolChoice == ToolChoice::None) {
        text += request.tools.isEmpty()
                ? QStringLiteral("No tools are available right now, so there is nothing I can "
                                 "do for you. ")
                : QStringLiteral("Tools are not available for this answer. ");
    } else {
        const ToolDefinition &first = request.tools.first();
        const QJsonArray required = first.inputSchema.value(QLatin1String("required")).toArray();
        const QString example = required.isEmpty()
                ? first.name
                : QStringLiteral("%1 %2=…").arg(first.name, required.first().toString());
        QStringList names;
        for (const ToolDefinition &tool : request.tools)
            names.append(tool.name);
        text += QStringLiteral("I can call a tool when you name it and give its arguments as "
                               "key=value pairs or a JSON object (for example: %1), and then "
                               "report what it returned.\n\nAvailable tools: %2.")
                        .arg(example, names.join(QStringLiteral(", ")));
    }
    text += QStringLiteral(
            "\n\nTo use a real language model, set OPENAI_API_KEY (with OPENAI_BASE_URL for an "
            "OpenAI-compatible server such as Ollama, llama.cpp or vLLM) or ANTHROPIC_API_KEY, "
            "or fill in the provider section of the config file (\"provider\", \"model\", "
            "\"base_url\", \"api_key\"), or start the server with --provider and --model.");
    return text;
}

/// Plays a Plan through the ChatStream signals, one step per event-loop turn.
class OfflineChatStream : public ChatStream
{
public:
    OfflineChatStream(const OfflineModel::Plan &plan, const Usage &usage, QObject *parent)
        : ChatStream(parent)
    {
        setProviderName(QStringLiteral("offline"));
        // A few deltas, split at word boundaries, like a real stream.
        const QString &text = plan.text;
        const qsizetype piece = std::max<qsizetype>(24, text.size() / 4 + 1);
        for (qsizetype pos = 0; pos < text.size();) {
            qsizetype end = std::min(text.size(), pos + piece);
            const qsizetype space = text.indexOf(QLatin1Char(' '), end);
            end = (space < 0 || space - end > 20) ? end : space + 1;
            if (end >= text.size() - 8)
                end = text.size();
            const QString delta = text.mid(pos, end - pos);
            m_steps.append([this, delta] { deliverText(delta); });
            pos = end;
        }
        if (plan.toolCall) {
            const ToolCall call = *plan.toolCall;
            const QString args = jsonText(call.arguments);
            const qsizetype half = args.size() / 2;
            m_steps.append([this, call] { deliverToolCallStarted(0, call.id, call.name); });
            m_steps.append([this, args, half] { deliverToolCallArguments(0, args.left(half)); });
            m_steps.append([this, args, half] { deliverToolCallArguments(0, args.mid(half)); });
            m_steps.append([this, call] { deliverToolCallCompleted(0, call); });
        }
        const StopReason reason = plan.stopReason;
        m_steps.append([this, usage, reason] {
            deliverUsage(usage);
            deliverFinished(reason);
        });
        m_timer.setSingleShot(false);
        m_timer.setInterval(0);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] { step(); });
        m_timer.start();
    }

    void cancel() override
    {
        m_timer.stop();
        m_steps.clear();
        ChatStream::cancel();
    }

private:
    void step()
    {
        if (m_next >= m_steps.size() || isFinished()) {
            m_timer.stop();
            return;
        }
        const QPointer<OfflineChatStream> self(this);
        m_steps.at(m_next++)();
        if (self && isFinished())
            m_timer.stop();
    }

    QList<std::function<void()>> m_steps;
    qsizetype m_next = 0;
    QTimer m_timer;
};

} // namespace

OfflineModel::OfflineModel(QObject *parent)
    : ChatModel(parent)
{ }

OfflineModel::~OfflineModel() = default;

QString OfflineModel::displayName() const
{
    return QStringLiteral("built-in offline model");
}

ChatStream *OfflineModel::start(const ChatRequest &request)
{
    const Plan p = plan(request, catalogFor(request.tools));
    qsizetype inputChars = 0;
    for (const ChatMessage &m : request.messages)
        inputChars += m.text.size();
    const qsizetype outputChars
            = p.text.size() + (p.toolCall ? jsonText(p.toolCall->arguments).size() : 0);
    // Rough token counts (about four characters a token), so usage displays stay meaningful.
    const Usage usage {(inputChars + 3) / 4, (outputChars + 3) / 4};
    qCDebug(lcLlm) << "offline model answers" << (p.toolCall ? "with a tool call" : "with text");
    auto *stream = new OfflineChatStream(p, usage, this);
    stream->setLimits(request.limits);
    return stream;
}

QJsonObject OfflineModel::fillArguments(const QString &message, const QString &rest,
                                        const QJsonObject &schema, QStringList *missing)
{
    const QJsonObject props = schema.value(QLatin1String("properties")).toObject();
    QJsonObject args;
    QString remaining = rest;
    QString wholeRemaining = message; // for values written before the tool's words ("7 plus 5")

    // 1. A JSON object anywhere in the message.
    const qsizetype open = message.indexOf(QLatin1Char('{'));
    const qsizetype close = message.lastIndexOf(QLatin1Char('}'));
    bool fromJson = false;
    if (open >= 0 && close > open) {
        const QString candidate = message.mid(open, close - open + 1);
        const QJsonDocument doc = QJsonDocument::fromJson(candidate.toUtf8());
        if (doc.isObject()) {
            args = doc.object();
            fromJson = true;
            remaining.remove(candidate);
            wholeRemaining.remove(candidate);
        }
    }

    // 2. key=value pairs (key: value too, for the schema's own property names).
    if (!fromJson) {
        static const QRegularExpression pair(
                QStringLiteral("(?<![\\w-])([A-Za-z_][\\w.\\-]*)\\s*(=|:)\\s*(\"(?:[^\"\\\\]|\\\\.)"
                               "*\"|'[^']*'|[^\\s;]+)"));
        QStringList spans;
        auto it = pair.globalMatch(message);
        while (it.hasNext()) {
            const QRegularExpressionMatch m = it.next();
            const QString key = m.captured(1);
            const bool known = props.contains(key);
            if (!known && m.captured(2) == QLatin1String(":"))
                continue; // "Note: text" is prose, not an argument
            QString value = m.captured(3);
            if (value.endsWith(QLatin1Char(',')))
                value.chop(1); // "a=1, b=2"
            spans.append(m.captured(0));
            // Unknown keys are dropped (the schema would reject them), and not reused as text.
            if (known || props.isEmpty())
                args.insert(key, typedValue(value, props.value(key).toObject()));
        }
        for (const QString &span : spans) {
            remaining.remove(span);
            wholeRemaining.remove(span);
        }
    }

    // 3. Schema defaults.
    for (auto it = props.begin(); it != props.end(); ++it) {
        const QJsonObject prop = it.value().toObject();
        if (!args.contains(it.key()) && prop.contains(QLatin1String("default")))
            args.insert(it.key(), prop.value(QLatin1String("default")));
    }

    // 4. Required values it can infer from the rest of the message.
    QStringList need;
    for (const auto &r : schema.value(QLatin1String("required")).toArray()) {
        if (!args.contains(r.toString()))
            need.append(r.toString());
    }
    if (!need.isEmpty() && !fromJson) {
        // Numbers, in order, when every missing value is numeric and the count matches.
        bool allNumeric = true;
        for (const QString &name : need) {
            const QString t = schemaType(props.value(name).toObject());
            allNumeric
                    = allNumeric && (t == QLatin1String("integer") || t == QLatin1String("number"));
        }
        if (allNumeric) {
            static const QRegularExpression number(
                    QStringLiteral("(?<![\\w.])-?\\d+(?:\\.\\d+)?(?![\\w.])"));
            auto numbersIn = [](const QString &text) {
                QStringList out;
                auto it = number.globalMatch(text);
                while (it.hasNext())
                    out.append(it.next().captured(0));
                return out;
            };
            QStringList numbers = numbersIn(remaining);
            if (numbers.size() != need.size())
                numbers = numbersIn(wholeRemaining);
            if (numbers.size() == need.size()) {
                for (int i = 0; i < need.size(); ++i)
                    args.insert(need.at(i),
                                typedValue(numbers.at(i), props.value(need.at(i)).toObject()));
                need.clear();
            }
        }
        // An enum value named in the message.
        for (auto n = need.begin(); n != need.end();) {
            const QJsonArray values
                    = props.value(*n).toObject().value(QLatin1String("enum")).toArray();
            QJsonValue found;
            int hits = 0;
            for (const auto &v : values) {
                if (containsWord(remaining, v.toVariant().toString())) {
                    found = v;
                    ++hits;
                }
            }
            if (hits == 1) {
                args.insert(*n, found);
                n = need.erase(n);
            } else {
                ++n;
            }
        }
        // A single required string takes the rest of the message.
        if (need.size() == 1) {
            const QString name = need.first();
            const QJsonObject prop = props.value(name).toObject();
            const QString type = schemaType(prop);
            if ((type.isEmpty() || type == QLatin1String("string"))
                && !prop.contains(QLatin1String("enum"))) {
                const QString value = stripFillers(remaining, {name.toLower()});
                if (!value.isEmpty()) {
                    args.insert(name, value);
                    need.clear();
                }
            }
        }
    }
    if (missing)
        *missing = need;
    return args;
}

const OfflineToolCatalog &OfflineModel::catalogFor(const QList<ToolDefinition> &tools)
{
    if (!m_catalog || !m_catalog->describes(tools)) {
        qCDebug(lcLlm) << "offline model: preparing the catalog of" << tools.size() << "tools";
        m_catalog = std::make_unique<OfflineToolCatalog>(tools);
    }
    return *m_catalog;
}

OfflineModel::Plan OfflineModel::plan(const ChatRequest &request)
{
    return plan(request, OfflineToolCatalog(request.tools));
}

OfflineModel::Plan OfflineModel::plan(const ChatRequest &request, const OfflineToolCatalog &catalog)
{
    const QList<ChatMessage> &messages = request.messages;

    // After tool results: report them.
    qsizetype first = messages.size();
    while (first > 0 && messages.at(first - 1).role == ChatMessage::Role::Tool)
        --first;
    if (first < messages.size()) {
        QStringList lines;
        for (qsizetype i = first; i < messages.size(); ++i) {
            const ChatMessage &result = messages.at(i);
            const QString tool
                    = result.toolName.isEmpty() ? QStringLiteral("The tool") : result.toolName;
            const QString text = shortened(result.text);
            if (result.isError)
                lines.append(text.isEmpty()
                                     ? QStringLiteral("%1 reported an error.").arg(tool)
                                     : QStringLiteral("%1 reported an error: %2").arg(tool, text));
            else
                lines.append(text.isEmpty() ? QStringLiteral("%1 returned nothing.").arg(tool)
                                            : QStringLiteral("%1 returned: %2").arg(tool, text));
        }
        return {lines.join(QLatin1Char('\n')), std::nullopt, StopReason::EndTurn};
    }

    QString userText;
    for (qsizetype i = messages.size(); i > 0; --i) {
        if (messages.at(i - 1).role == ChatMessage::Role::User) {
            userText = messages.at(i - 1).text;
            break;
        }
    }
    if (userText.trimmed().isEmpty() || request.tools.isEmpty()
        || request.toolChoice == ToolChoice::None)
        return {helpText(request, {}), std::nullopt, StopReason::EndTurn};

    Q_ASSERT(catalog.describes(request.tools));
    OfflineToolCatalog::Match match = catalog.matchByName(userText);
    if (match.tool < 0 && asksForTools(userText))
        return {toolListText(request.tools), std::nullopt, StopReason::EndTurn};
    if (match.tool < 0) {
        // A tool whose required arguments the message fills is the likelier one.
        match = catalog.matchByDescription(userText, [&](int index, qsizetype restStart) {
            const QJsonObject &schema = request.tools.at(index).inputSchema;
            if (schema.value(QLatin1String("required")).toArray().isEmpty())
                return false;
            QStringList missing;
            static_cast<void>(fillArguments(userText, userText.mid(restStart), schema, &missing));
            return missing.isEmpty();
        });
    }
    if (match.tool < 0)
        return {helpText(request, QStringLiteral("I could not tell which tool you mean. ")),
                std::nullopt, StopReason::EndTurn};

    const ToolDefinition &tool = request.tools.at(match.tool);
    const QString rest = match.end >= 0 ? userText.mid(match.end) : userText;
    QStringList missing;
    const QJsonObject args = fillArguments(userText, rest, tool.inputSchema, &missing);
    if (!missing.isEmpty()) {
        const QJsonObject props = tool.inputSchema.value(QLatin1String("properties")).toObject();
        QStringList described;
        for (const QString &name : missing) {
            const QJsonObject prop = props.value(name).toObject();
            QString d = QStringLiteral("`%1`").arg(name);
            const QString type = schemaType(prop);
            const QString description = prop.value(QLatin1String("description")).toString();
            if (!type.isEmpty() && !description.isEmpty())
                d += QStringLiteral(" (%1: %2)").arg(type, description);
            else if (!type.isEmpty() || !description.isEmpty())
                d += QStringLiteral(" (%1)").arg(type + description);
            described.append(d);
        }
        const QString text
                = QStringLiteral(
                          "I would call the tool %1, but it needs the required argument%2 %3, "
                          "which I could not find in your message. Try: %1 %4=…")
                          .arg(tool.name, missing.size() > 1 ? QStringLiteral("s") : QString(),
                               described.join(QStringLiteral(", ")), missing.first());
        return {text, std::nullopt, StopReason::EndTurn};
    }

    int callNumber = 0;
    for (const ChatMessage &m : messages)
        callNumber += int(m.toolCalls.size());
    const ToolCall call {QStringLiteral("call_offline_%1").arg(callNumber + 1), tool.name, args};
    const QString text = QStringLiteral("Calling %1 with %2.").arg(tool.name, jsonText(args));
    return {text, call, StopReason::ToolUse};
}
