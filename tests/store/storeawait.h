#pragma once

// Waiting for a store's callback in a test, and checking its result.

#include <sessionstore.h>

#include <QEventLoop>
#include <QTest>
#include <QTimer>

#include <memory>
#include <optional>

namespace {

/// Calls `call` with a callback and waits for it (at most 10 s). A callback that runs inside
/// the call breaks the contract and is reported as an error.
template<typename T, typename F> StoreResult<T> await(F call)
{
    struct State
    {
        std::optional<StoreResult<T>> result;
        bool inside = true;
        bool early = false;
        QEventLoop loop;
    };
    auto state = std::make_shared<State>();
    call(SessionStore::Done<T>([weak = std::weak_ptr<State>(state)](StoreResult<T> r) {
        const auto s = weak.lock();
        if (!s)
            return;
        s->early = s->inside;
        s->result.emplace(std::move(r));
        s->loop.quit();
    }));
    state->inside = false;
    if (state->early)
        return StoreError {StoreError::Code::Invalid,
                           QStringLiteral("the callback ran inside the call")};
    if (!state->result) {
        QTimer::singleShot(10000, &state->loop, &QEventLoop::quit);
        state->loop.exec();
    }
    if (!state->result)
        return StoreError {StoreError::Code::Unavailable, QStringLiteral("no answer in 10 s")};
    return std::move(*state->result);
}

// Each evaluates its operation once.
#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        const auto &r_ = (expr);                                                                   \
        QVERIFY2(r_.ok(), r_.ok() ? "" : qPrintable(r_.error().message));                          \
    } while (false)
#define CHECK_CODE(expr, c)                                                                        \
    do {                                                                                           \
        const auto &r_ = (expr);                                                                   \
        QVERIFY2(!r_.ok(), "the operation succeeded but should have failed");                      \
        QCOMPARE(int(r_.error().code), int(StoreError::Code::c));                                  \
    } while (false)

} // namespace
