#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>

class QLocalServer;
class QLocalSocket;
class QQuickWindow;

/// A test hook for the end-to-end tests and the GUI benchmarks, off unless the environment
/// variable MCPHOST_TEST_PROBE names a path: then it listens on that Unix socket (owner only)
/// and answers one JSON object per line with one JSON object per line. It reaches the app only
/// the way QML does (the `App` singleton's properties, invokables and models, items by
/// objectName) plus what a person sees (a grab of the window, frame times). Commands
/// (`cmd`), answers carry `ok` and either the result or `error`:
///   ping; get {target, property}; set {target, property, value}; call {target, method,
///   args[]} -> {result}; rows {target[, roles]} -> {rows: [{role: value}]}; grab {path} (PNG of
///   the window); click {target} (mouse press/release at the item's centre); palette {dark}; timing
///   -> {firstFrameNs, nowNs} (steady clock, the same on the whole machine); frames {start|stop} ->
///   {intervalsUs, longestUs}; quit.
/// `target` is a dotted property path from App ("", "conversation", "timeline") or
/// "#objectName" for an object of the window, or "@text" for the first visible item whose
/// `text` is that (a button's label, as a person finds it).
class TestProbe : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TestProbe)

public:
    explicit TestProbe(QObject *parent = nullptr);
    ~TestProbe() override;

    /// Starts listening when MCPHOST_TEST_PROBE is set (called once QApplication exists).
    static void installFromEnvironment();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    bool listen(const QString &path);
    void onNewConnection();
    void onReadyRead(QLocalSocket *socket);
    [[nodiscard]] QJsonObject handle(const QJsonObject &command);
    [[nodiscard]] QObject *resolve(const QString &target, QString *error) const;
    [[nodiscard]] QQuickWindow *window() const;
    void watchWindow(QQuickWindow *window);
    void onFrameSwapped();

    QLocalServer *m_server = nullptr;
    QPointer<QQuickWindow> m_window;
    qint64 m_firstFrameNs = 0;
    qint64 m_lastFrameNs = 0;
    bool m_recording = false;
    QList<qint64> m_intervalsNs;
};
