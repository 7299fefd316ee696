// The built-in offline model's cost per call with the example servers' 36 tools
// (tests/data/example-tools.json), measured the way the agent uses it: ChatModel::start() with
// the whole tool list, then the event loop until the stream finished.
//
//   offline_model_bench [--calls 5000] [--message "add 2 and 3"]
// Prints one JSON line: calls, microseconds per call (mean, median), and the tool it chose.

#include "offlinemodel.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("mcphost.*=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption callsOption(QStringLiteral("calls"), QStringLiteral("Calls."),
                                         QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption messageOption(QStringLiteral("message"),
                                           QStringLiteral("The user's message."),
                                           QStringLiteral("text"), QStringLiteral("add 2 and 3"));
    parser.addOptions({callsOption, messageOption});
    parser.process(app);

    QFile file(QStringLiteral(MCPHOST_SOURCE_DIR "/tests/data/example-tools.json"));
    if (!file.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read %s\n", qPrintable(file.fileName()));
        return 1;
    }
    const QJsonObject servers = QJsonDocument::fromJson(file.readAll()).object();
    ChatRequest request;
    for (const QString &server :
         {QStringLiteral("everything"), QStringLiteral("filesystem"), QStringLiteral("memory")}) {
        for (const QJsonValue &v : servers.value(server).toArray()) {
            const QJsonObject tool = v.toObject();
            request.tools.append({tool.value(QLatin1String("name")).toString(),
                                  tool.value(QLatin1String("description")).toString(),
                                  tool.value(QLatin1String("inputSchema")).toObject()});
        }
    }
    request.messages = {ChatMessage::system(QStringLiteral("You are a helpful assistant.")),
                        ChatMessage::user(parser.value(messageOption))};

    OfflineModel model;
    const int calls = std::max(1, parser.value(callsOption).toInt());
    std::vector<double> samples;
    samples.reserve(size_t(calls));
    QString chosen;
    for (int i = 0; i < calls; ++i) {
        QElapsedTimer clock;
        clock.start();
        ChatStream *stream = model.start(request);
        bool done = false;
        QObject::connect(stream, &ChatStream::finished, stream, [&done] { done = true; });
        QObject::connect(stream, &ChatStream::errorOccurred, stream, [&done] { done = true; });
        while (!done)
            QCoreApplication::processEvents();
        samples.push_back(double(clock.nsecsElapsed()) / 1000.0);
        if (i == 0)
            chosen = stream->toolCalls().isEmpty() ? QStringLiteral("(none)")
                                                   : stream->toolCalls().first().name;
        delete stream;
    }
    double sum = 0;
    for (double s : samples)
        sum += s;
    std::sort(samples.begin(), samples.end());
    const QJsonObject out {{QStringLiteral("calls"), calls},
                           {QStringLiteral("tools"), int(request.tools.size())},
                           {QStringLiteral("us_per_call_mean"), sum / calls},
                           {QStringLiteral("us_per_call_median"), samples[samples.size() / 2]},
                           {QStringLiteral("tool"), chosen}};
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Compact).constData());
    return 0;
}
