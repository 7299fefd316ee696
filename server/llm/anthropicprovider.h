#pragma once

#include "chatmodel.h"
#include "httpchatstream.h"

/// The Anthropic Messages API: POSTs {baseUrl}/v1/messages with `stream: true`, the system
/// prompt apart, tools as {name, description, input_schema}, tool calls and results as
/// tool_use / tool_result blocks, and reads message_start … message_stop, including thinking
/// deltas, pings and `error` events. Headers: x-api-key, anthropic-version: 2023-06-01.
class AnthropicProvider : public HttpChatModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AnthropicProvider)

public:
    static constexpr int kDefaultMaxTokens = 4096;
    static constexpr char kApiVersion[] = "2023-06-01";

    /// options.baseUrl empty: https://api.anthropic.com (a trailing /v1 is tolerated).
    explicit AnthropicProvider(const HttpProviderOptions &options, QObject *parent = nullptr);
    ~AnthropicProvider() override;

    [[nodiscard]] QString providerName() const override { return QStringLiteral("anthropic"); }
    ChatStream *start(const ChatRequest &request) override;

    /// The JSON body sent for `request` (exposed for tests and debugging).
    [[nodiscard]] static QJsonObject requestBody(const ChatRequest &request, const QString &model,
                                                 const ToolNameMap &names);
    [[nodiscard]] QUrl endpoint() const;
};
