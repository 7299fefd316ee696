#pragma once

// Shared by the gui tests: a clean environment for an in-process host (no provider or token
// from the developer's shell), a temporary config, and a plain HTTP GET.

#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QTimer>

namespace GuiTest {

inline void clearHostEnvironment()
{
    for (const char *name :
         {"MCPHOST_TOKEN", "MCPHOST_CONFIG", "MCPHOST_PROVIDER", "MCPHOST_MODEL",
          "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"})
        qunsetenv(name);
}

inline QString writeConfig(const QTemporaryDir &dir, const QJsonObject &config,
                           const QString &name = QStringLiteral("config.json"))
{
    const QString path = dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write(QJsonDocument(config).toJson());
    return path;
}

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
};

/// Any request with an optional bearer token and body; waits on a nested loop (test code only).
inline Reply request(QNetworkAccessManager &nam, const QByteArray &method, const QUrl &url,
                     const QString &token = {}, const QByteArray &body = {})
{
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.sendCustomRequest(request, method, body);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(30000, &loop, &QEventLoop::quit);
    loop.exec();
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    out.json = QJsonDocument::fromJson(out.body).object();
    reply->deleteLater();
    return out;
}

/// GET `url` with an optional bearer token; waits on a nested loop (test code only).
inline Reply get(QNetworkAccessManager &nam, const QUrl &url, const QString &token = {})
{
    QNetworkRequest request(url);
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token.toUtf8());
    QNetworkReply *reply = nam.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.json = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

} // namespace GuiTest
