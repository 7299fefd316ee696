#pragma once

#include "sessionstore.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <memory>
#include <optional>

/// Runs one store operation and waits for its callback (the event loop runs meanwhile);
/// an Io error "no answer" after timeoutMs.
template<typename T, typename Op> StoreResult<T> await(Op op, int timeoutMs = 20000)
{
    auto out = std::make_shared<std::optional<StoreResult<T>>>();
    op([out](StoreResult<T> r) { *out = std::move(r); });
    QElapsedTimer t;
    t.start();
    while (!*out && t.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    if (!*out)
        return StoreError {StoreError::Code::Io, QStringLiteral("no answer in the test's time")};
    return **out;
}

inline void spin(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
}
