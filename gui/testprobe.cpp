#include "testprobe.h"

#include "app.h"

#include <QAbstractItemModel>
#include <QColor>
#include <QCoreApplication>
#include <QDateTime>
#include <QGuiApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QMouseEvent>
#include <QPalette>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <array>
#include <chrono>

Q_LOGGING_CATEGORY(lcTestProbe, "mcphost.gui.testprobe")

namespace {

constexpr qsizetype kMaxCommandBytes = 1 << 20;
constexpr int kMaxArgs = 6;

qint64 steadyNowNs()
{
    return qint64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count());
}

QJsonValue toJson(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::QDateTime: {
        const QDateTime time = value.toDateTime();
        return time.isValid() ? QJsonValue(time.toUTC().toString(Qt::ISODateWithMs))
                              : QJsonValue(QJsonValue::Null);
    }
    case QMetaType::QVariantList: {
        QJsonArray out;
        const QVariantList list = value.toList();
        for (const QVariant &v : list)
            out.append(toJson(v));
        return out;
    }
    case QMetaType::QStringList:
        return QJsonArray::fromStringList(value.toStringList());
    case QMetaType::QVariantMap: {
        QJsonObject out;
        const QVariantMap map = value.toMap();
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            out.insert(it.key(), toJson(it.value()));
        return out;
    }
    case QMetaType::QUrl:
        return value.toUrl().toString();
    case QMetaType::QColor:
        return value.value<QColor>().name(QColor::HexArgb);
    default:
        break;
    }
    if (value.metaType().flags().testFlag(QMetaType::PointerToQObject)) {
        const QObject *object = value.value<QObject *>();
        return object ? QJsonValue(QString::fromLatin1(object->metaObject()->className()))
                      : QJsonValue(QJsonValue::Null);
    }
    return QJsonValue::fromVariant(value);
}

QJsonObject failure(const QString &message)
{
    return {{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}};
}

QJsonObject success(QJsonObject result = {})
{
    result.insert(QStringLiteral("ok"), true);
    return result;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2b, 0x2b);
    const QColor base(0x1e, 0x1e, 0x1e);
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8a, 0x8a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x45, 0x45));
    p.setColor(QPalette::Midlight, QColor(0x3a, 0x3a, 0x3a));
    p.setColor(QPalette::Mid, QColor(0x30, 0x30, 0x30));
    p.setColor(QPalette::Dark, QColor(0x20, 0x20, 0x20));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xe0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb0, 0xf0));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

void startProbe()
{
    TestProbe::installFromEnvironment();
}

} // namespace

// Runs from QCoreApplication's constructor, so the probe sees the first window being made.
Q_COREAPP_STARTUP_FUNCTION(startProbe)

TestProbe::TestProbe(QObject *parent)
    : QObject(parent)
{ }

TestProbe::~TestProbe() = default;

void TestProbe::installFromEnvironment()
{
    const QString path = qEnvironmentVariable("MCPHOST_TEST_PROBE");
    if (path.isEmpty())
        return;
    auto *probe = new TestProbe(QCoreApplication::instance());
    if (!probe->listen(path)) {
        delete probe;
        return;
    }
    QCoreApplication::instance()->installEventFilter(probe);
}

bool TestProbe::listen(const QString &path)
{
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    QLocalServer::removeServer(path);
    if (!m_server->listen(path)) {
        qCWarning(lcTestProbe).noquote()
                << "cannot listen on" << path << ":" << m_server->errorString();
        return false;
    }
    connect(m_server, &QLocalServer::newConnection, this, &TestProbe::onNewConnection);
    qCInfo(lcTestProbe).noquote() << "test probe on" << path;
    return true;
}

bool TestProbe::eventFilter(QObject *watched, QEvent *event)
{
    if (!m_window && watched->isWindowType()) {
        if (auto *quickWindow = qobject_cast<QQuickWindow *>(watched))
            watchWindow(quickWindow);
    }
    return QObject::eventFilter(watched, event);
}

void TestProbe::watchWindow(QQuickWindow *window)
{
    m_window = window;
    // Direct: the software render loop swaps on this thread; the time is taken at the swap.
    connect(window, &QQuickWindow::frameSwapped, this, &TestProbe::onFrameSwapped,
            Qt::DirectConnection);
}

void TestProbe::onFrameSwapped()
{
    const qint64 now = steadyNowNs();
    if (m_firstFrameNs == 0)
        m_firstFrameNs = now;
    if (m_recording && m_lastFrameNs != 0)
        m_intervalsNs.append(now - m_lastFrameNs);
    m_lastFrameNs = now;
}

void TestProbe::onNewConnection()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        // At most one command's bytes are buffered, so a line is bounded without readLine
        // having to allocate the bound for every command.
        socket->setReadBufferSize(kMaxCommandBytes);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void TestProbe::onReadyRead(QLocalSocket *socket)
{
    while (socket->canReadLine()) {
        const QByteArray line = socket->readLine().trimmed();
        if (line.isEmpty())
            continue;
        QJsonParseError parseError {};
        const QJsonDocument document = QJsonDocument::fromJson(line, &parseError);
        const QJsonObject answer = document.isObject()
                ? handle(document.object())
                : failure(QStringLiteral("not a JSON object: %1").arg(parseError.errorString()));
        socket->write(QJsonDocument(answer).toJson(QJsonDocument::Compact) + '\n');
    }
    if (socket->bytesAvailable() >= kMaxCommandBytes) {
        qCWarning(lcTestProbe) << "command line too long; closing";
        socket->abort();
    }
}

QQuickWindow *TestProbe::window() const
{
    if (m_window)
        return m_window;
    const QWindowList windows = QGuiApplication::topLevelWindows();
    for (QWindow *w : windows) {
        if (auto *quickWindow = qobject_cast<QQuickWindow *>(w))
            return quickWindow;
    }
    return nullptr;
}

QObject *TestProbe::resolve(const QString &target, QString *error) const
{
    if (target.startsWith(QLatin1Char('#'))) {
        QQuickWindow *w = window();
        if (!w) {
            *error = QStringLiteral("no window");
            return nullptr;
        }
        const QString name = target.mid(1);
        if (w->objectName() == name)
            return w;
        if (auto *found = w->findChild<QObject *>(name))
            return found;
        if (auto *found = w->contentItem()->findChild<QObject *>(name))
            return found;
        *error = QStringLiteral("no object named '%1' in the window").arg(name);
        return nullptr;
    }
    if (target.startsWith(QLatin1Char('@'))) {
        // What a person reads: the first visible item whose `text` is this (a button's label),
        // through the visual tree, which holds the popups' overlay too.
        QQuickWindow *w = window();
        const QString text = target.mid(1);
        QList<QQuickItem *> pending;
        if (w)
            pending.append(w->contentItem());
        while (!pending.isEmpty()) {
            QQuickItem *item = pending.takeFirst();
            if (!item->isVisible())
                continue;
            if (item->isEnabled() && item->property("text").toString() == text)
                return item;
            pending.append(item->childItems());
        }
        *error = QStringLiteral("no visible item with the text '%1'").arg(text);
        return nullptr;
    }
    QObject *object = App::instance();
    if (!object) {
        *error = QStringLiteral("no App");
        return nullptr;
    }
    if (target.isEmpty())
        return object;
    const QStringList parts = target.split(QLatin1Char('.'));
    for (const QString &part : parts) {
        const QVariant value = object->property(part.toUtf8().constData());
        QObject *next = value.metaType().flags().testFlag(QMetaType::PointerToQObject)
                ? value.value<QObject *>()
                : nullptr;
        if (!next) {
            *error = QStringLiteral("'%1' is not an object property of %2")
                             .arg(part, QString::fromLatin1(object->metaObject()->className()));
            return nullptr;
        }
        object = next;
    }
    return object;
}

QJsonObject TestProbe::handle(const QJsonObject &command)
{
    const QString cmd = command.value(QStringLiteral("cmd")).toString();
    QString error;
    if (cmd == QLatin1String("ping"))
        return success();
    if (cmd == QLatin1String("timing"))
        return success({{QStringLiteral("firstFrameNs"), double(m_firstFrameNs)},
                        {QStringLiteral("nowNs"), double(steadyNowNs())}});
    if (cmd == QLatin1String("quit")) {
        QTimer::singleShot(0, QCoreApplication::instance(), &QCoreApplication::quit);
        return success();
    }
    if (cmd == QLatin1String("frames")) {
        const QString action = command.value(QStringLiteral("action")).toString();
        if (action == QLatin1String("start")) {
            m_intervalsNs.clear();
            m_lastFrameNs = 0;
            m_recording = true;
            return success();
        }
        m_recording = false;
        QJsonArray intervals;
        qint64 longest = 0;
        for (qint64 ns : std::as_const(m_intervalsNs)) {
            intervals.append(double(ns / 1000));
            longest = std::max(longest, ns);
        }
        return success({{QStringLiteral("intervalsUs"), intervals},
                        {QStringLiteral("longestUs"), double(longest / 1000)}});
    }
    if (cmd == QLatin1String("palette")) {
        QGuiApplication::setPalette(command.value(QStringLiteral("dark")).toBool() ? darkPalette()
                                                                                   : QPalette());
        return success();
    }
    if (cmd == QLatin1String("grab")) {
        QQuickWindow *w = window();
        if (!w)
            return failure(QStringLiteral("no window"));
        const QString path = command.value(QStringLiteral("path")).toString();
        const QImage image = w->grabWindow();
        if (image.isNull())
            return failure(QStringLiteral("the grab is empty"));
        if (!image.save(path, "PNG"))
            return failure(QStringLiteral("cannot write %1").arg(path));
        return success({{QStringLiteral("width"), image.width()},
                        {QStringLiteral("height"), image.height()}});
    }

    QObject *object = resolve(command.value(QStringLiteral("target")).toString(), &error);
    if (!object)
        return failure(error);

    if (cmd == QLatin1String("get")) {
        const QByteArray name = command.value(QStringLiteral("property")).toString().toUtf8();
        if (object->metaObject()->indexOfProperty(name.constData()) < 0
            && !object->dynamicPropertyNames().contains(name))
            return failure(QStringLiteral("no property '%1'").arg(QString::fromUtf8(name)));
        return success({{QStringLiteral("value"), toJson(object->property(name.constData()))}});
    }
    if (cmd == QLatin1String("set")) {
        const QByteArray name = command.value(QStringLiteral("property")).toString().toUtf8();
        if (!object->setProperty(name.constData(),
                                 command.value(QStringLiteral("value")).toVariant()))
            return failure(QStringLiteral("cannot set '%1'").arg(QString::fromUtf8(name)));
        return success();
    }
    if (cmd == QLatin1String("rows")) {
        auto *model = qobject_cast<QAbstractItemModel *>(object);
        if (!model)
            return failure(QStringLiteral("not a model"));
        // Optional "roles": only those (a poller need not serialize every role of every row).
        QHash<int, QByteArray> roles = model->roleNames();
        if (command.contains(QStringLiteral("roles"))) {
            QStringList wanted;
            for (const QJsonValue &v : command.value(QStringLiteral("roles")).toArray())
                wanted << v.toString();
            for (auto it = roles.begin(); it != roles.end();) {
                if (wanted.contains(QString::fromUtf8(it.value())))
                    ++it;
                else
                    it = roles.erase(it);
            }
        }
        QJsonArray rows;
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row, 0);
            QJsonObject item;
            for (auto it = roles.cbegin(); it != roles.cend(); ++it)
                item.insert(QString::fromUtf8(it.value()), toJson(model->data(index, it.key())));
            rows.append(item);
        }
        return success({{QStringLiteral("rows"), rows}});
    }
    if (cmd == QLatin1String("click")) {
        auto *item = qobject_cast<QQuickItem *>(object);
        QQuickWindow *w = item ? item->window() : nullptr;
        if (!w)
            return failure(QStringLiteral("not an item in a window"));
        const QPointF local = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
        const QPointF global = w->mapToGlobal(local);
        QMouseEvent press(QEvent::MouseButtonPress, local, global, Qt::LeftButton, Qt::LeftButton,
                          Qt::NoModifier);
        QGuiApplication::sendEvent(w, &press);
        QMouseEvent release(QEvent::MouseButtonRelease, local, global, Qt::LeftButton, Qt::NoButton,
                            Qt::NoModifier);
        QGuiApplication::sendEvent(w, &release);
        return success();
    }
    if (cmd == QLatin1String("call")) {
        const QByteArray name = command.value(QStringLiteral("method")).toString().toUtf8();
        const QJsonArray args = command.value(QStringLiteral("args")).toArray();
        if (args.size() > kMaxArgs)
            return failure(QStringLiteral("at most %1 arguments").arg(kMaxArgs));
        const QMetaObject *meta = object->metaObject();
        for (int i = meta->methodCount() - 1; i >= 0; --i) {
            const QMetaMethod method = meta->method(i);
            if (method.name() != name || method.parameterCount() != args.size())
                continue;
            QVariantList values;
            for (int p = 0; p < args.size(); ++p) {
                QVariant v = args.at(p).toVariant();
                if (!v.convert(method.parameterMetaType(p)))
                    return failure(QStringLiteral("argument %1 does not convert to %2")
                                           .arg(p)
                                           .arg(QString::fromLatin1(method.parameterTypeName(p))));
                values.append(v);
            }
            // QGenericArgument keeps a pointer to the type name: the names must outlive invoke().
            QList<QByteArray> typeNames;
            for (int p = 0; p < values.size(); ++p)
                typeNames.append(method.parameterTypeName(p));
            std::array<QGenericArgument, kMaxArgs> generic {};
            for (int p = 0; p < values.size(); ++p)
                generic[size_t(p)]
                        = QGenericArgument(typeNames[p].constData(), values[p].constData());
            QVariant result;
            QGenericReturnArgument ret;
            if (method.returnMetaType().isValid()
                && method.returnMetaType().id() != QMetaType::Void) {
                result = QVariant(method.returnMetaType());
                ret = QGenericReturnArgument(method.typeName(), result.data());
            }
            if (!method.invoke(object, Qt::DirectConnection, ret, generic[0], generic[1],
                               generic[2], generic[3], generic[4], generic[5]))
                return failure(QStringLiteral("the call failed"));
            return success({{QStringLiteral("result"), toJson(result)}});
        }
        return failure(QStringLiteral("no method '%1' with %2 arguments")
                               .arg(QString::fromUtf8(name))
                               .arg(args.size()));
    }
    return failure(QStringLiteral("unknown command '%1'").arg(cmd));
}
