#pragma once

// The real desktop app under a real X server: Xvfb on a display it picks itself, and
// `mcp-host` as a child process with its test probe (gui/testprobe.h) on a Unix socket, spoken
// to one JSON line at a time. Waiting runs the test's event loop, so an in-process peer (the
// cutting proxy) keeps working meanwhile.

#include "../integration/testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

#include <csignal>

namespace E2e {

/// Xvfb :N -screen 0 1280x800x24, N chosen by the server (-displayfd).
class Xvfb
{
public:
    ~Xvfb() { stop(); }

    /// Empty on success, else why not.
    QString start()
    {
        m_process.setProgram(QStringLiteral("Xvfb"));
        m_process.setArguments({QStringLiteral("-displayfd"), QStringLiteral("1"),
                                QStringLiteral("-screen"), QStringLiteral("0"),
                                QStringLiteral("1280x800x24"), QStringLiteral("-nolisten"),
                                QStringLiteral("tcp"), QStringLiteral("-noreset")});
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start Xvfb: %1").arg(m_process.errorString());
        QByteArray out;
        TestSupport::waitFor(
                [&] {
                    out += m_process.readAllStandardOutput();
                    return out.contains('\n') || m_process.state() == QProcess::NotRunning;
                },
                20000);
        bool ok = false;
        const int display = out.trimmed().toInt(&ok);
        if (!ok)
            return QStringLiteral("Xvfb printed no display: %1 %2")
                    .arg(QString::fromUtf8(out),
                         QString::fromUtf8(m_process.readAllStandardError().right(1000)));
        m_display = QStringLiteral(":%1").arg(display);
        return {};
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }

    [[nodiscard]] QString display() const { return m_display; }

private:
    QProcess m_process;
    QString m_display;
};

/// The environment that makes pictures stable: X11 on Xvfb, the software renderer, scale 1,
/// a fixed locale and time zone, and a fresh home so no setting or keychain of the machine is
/// read or written.
inline QProcessEnvironment appEnvironment(const QString &display, const QString &home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name :
         {"MCPHOST_TOKEN", "MCPHOST_CONFIG", "MCPHOST_PROVIDER", "MCPHOST_MODEL",
          "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY",
          "DBUS_SESSION_BUS_ADDRESS", "QT_QPA_PLATFORMTHEME", "QT_STYLE_OVERRIDE",
          "QT_QUICK_CONTROLS_STYLE", "WAYLAND_DISPLAY", "XAUTHORITY", "QT_DEVICE_PIXEL_RATIO"})
        env.remove(QString::fromLatin1(name));
    env.insert(QStringLiteral("DISPLAY"), display);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
    env.insert(QStringLiteral("QT_QUICK_BACKEND"), QStringLiteral("software"));
    env.insert(QStringLiteral("QT_SCALE_FACTOR"), QStringLiteral("1"));
    env.insert(QStringLiteral("QT_ENABLE_HIGHDPI_SCALING"), QStringLiteral("0"));
    env.insert(QStringLiteral("QT_FONT_DPI"), QStringLiteral("96"));
    env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("LANGUAGE"), QStringLiteral("en"));
    env.insert(QStringLiteral("TZ"), QStringLiteral("UTC"));
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/.config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/.local/share"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/.cache"));
    env.insert(QStringLiteral("XDG_STATE_HOME"), home + QStringLiteral("/.local/state"));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), home + QStringLiteral("/run"));
    QDir(home).mkpath(QStringLiteral("run"));
    QFile::setPermissions(home + QStringLiteral("/run"),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return env;
}

/// `mcp-host` with its test probe.
class App
{
public:
    ~App() { stop(); }

    /// Starts the app; empty on success. `probePath` is the probe's socket.
    QString start(const QProcessEnvironment &baseEnv, const QString &probePath,
                  const QStringList &args = {})
    {
        QProcessEnvironment env = baseEnv;
        env.insert(QStringLiteral("MCPHOST_TEST_PROBE"), probePath);
        m_probePath = probePath;
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&m_process, &QProcess::readyRead, &m_process,
                         [this] { m_log += m_process.readAll(); });
        m_process.start(QStringLiteral(MCPHOST_BINARY_DIR "/bin/mcp-host"), args);
        if (!m_process.waitForStarted(10000))
            return QStringLiteral("cannot start mcp-host: %1").arg(m_process.errorString());
        const bool connected = TestSupport::waitFor(
                [this] {
                    if (m_process.state() == QProcess::NotRunning)
                        return true;
                    m_socket.abort();
                    m_socket.connectToServer(m_probePath);
                    return m_socket.waitForConnected(100);
                },
                30000);
        if (!connected || m_socket.state() != QLocalSocket::ConnectedState)
            return QStringLiteral("no probe at %1; app log: %2").arg(m_probePath, log());
        return {};
    }

    /// One command; the answer (with "ok"), or {"ok": false, "error": …} on a dead probe.
    QJsonObject send(const QJsonObject &command, int timeoutMs = 10000)
    {
        if (m_socket.state() != QLocalSocket::ConnectedState)
            return {{QStringLiteral("ok"), false}, {QStringLiteral("error"), "probe gone"}};
        m_socket.write(QJsonDocument(command).toJson(QJsonDocument::Compact) + '\n');
        m_socket.flush();
        TestSupport::waitFor(
                [this] {
                    m_socket.waitForReadyRead(0);
                    return m_socket.canReadLine()
                            || m_socket.state() != QLocalSocket::ConnectedState;
                },
                timeoutMs);
        if (!m_socket.canReadLine())
            return {{QStringLiteral("ok"), false},
                    {QStringLiteral("error"),
                     QStringLiteral("no answer to %1")
                             .arg(QString::fromUtf8(
                                     QJsonDocument(command).toJson(QJsonDocument::Compact)))}};
        return QJsonDocument::fromJson(m_socket.readLine()).object();
    }

    QJsonValue get(const QString &target, const QString &property)
    {
        return send({{"cmd", "get"}, {"target", target}, {"property", property}}).value("value");
    }
    QJsonObject call(const QString &target, const QString &method, const QJsonArray &args = {})
    {
        return send({{"cmd", "call"}, {"target", target}, {"method", method}, {"args", args}});
    }
    QJsonArray rows(const QString &target = QStringLiteral("timeline"))
    {
        return send({{"cmd", "rows"}, {"target", target}}).value("rows").toArray();
    }
    QJsonObject grab(const QString &path) { return send({{"cmd", "grab"}, {"path", path}}); }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        send({{"cmd", "quit"}}, 2000);
        if (!m_process.waitForFinished(15000)) {
            m_process.terminate();
            if (!m_process.waitForFinished(5000)) {
                m_process.kill();
                m_process.waitForFinished(3000);
            }
        }
    }

    [[nodiscard]] bool running() const { return m_process.state() != QProcess::NotRunning; }
    [[nodiscard]] QString log() const { return QString::fromUtf8(m_log.right(6000)); }
    [[nodiscard]] QProcess &process() { return m_process; }

private:
    QProcess m_process;
    QLocalSocket m_socket;
    QString m_probePath;
    QByteArray m_log;
};

} // namespace E2e
