#include "app.h"

namespace {
App *s_instance = nullptr;
}

App::App(QObject *parent) : QObject(parent)
{
    Q_ASSERT(!s_instance);
    s_instance = this;
}

App::~App()
{
    if (s_instance == this)
        s_instance = nullptr;
}

App *App::instance()
{
    return s_instance;
}

App *App::create(QQmlEngine *qmlEngine, QJSEngine *jsEngine)
{
    Q_UNUSED(qmlEngine)
    Q_UNUSED(jsEngine)
    Q_ASSERT(s_instance);
    // The C++ side owns the object: the engine must not delete it with the last QML reference.
    QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
    return s_instance;
}

QString App::version() const
{
    return QStringLiteral(MCPHOST_VERSION);
}
