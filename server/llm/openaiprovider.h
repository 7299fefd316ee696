#pragma once

#include "chatmodel.h"
#include "httpchatstream.h"

/// An OpenAI-compatible Chat Completions endpoint: OpenAI itself, Ollama (/v1), llama.cpp's
/// server, LM Studio, vLLM, … POSTs {baseUrl}/chat/completions with `stream: true` and reads
/// the chunk stream, tolerating the usual differences (no usage chunk, tool call ids missing
/// or late, arguments split anywhere, `reasoning_content` / `reasoning` deltas, finish reason
/// "stop" with tool calls, chunks with empty `choices`).
class OpenAiProvider : public HttpChatModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OpenAiProvider)

public:
    /// options.baseUrl empty: https://api.openai.com/v1. No API key: no Authorization header.
    explicit OpenAiProvider(const HttpProviderOptions &options, QObject *parent = nullptr);
    ~OpenAiProvider() override;

    [[nodiscard]] QString providerName() const override { return QStringLiteral("openai"); }
    ChatStream *start(const ChatRequest &request) override;

    /// The JSON body sent for `request` (exposed for tests and debugging).
    [[nodiscard]] static QJsonObject requestBody(const ChatRequest &request, const QString &model,
                                                 const ToolNameMap &names);
    [[nodiscard]] QUrl endpoint() const;
};
