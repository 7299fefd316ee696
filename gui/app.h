#pragma once

#include <QObject>
#include <QQmlEngine>
#include <QString>

/// The application object the views see as the `App` singleton: it owns the connection, the
/// conversation, the models and the controllers of one window. main.cpp creates it before the
/// QML engine; QML reaches it through create() (no context properties).
class App : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_DISABLE_COPY_MOVE(App)
    Q_PROPERTY(QString version READ version CONSTANT)

public:
    explicit App(QObject *parent = nullptr);
    ~App() override;

    /// The instance main.cpp (or a test) made; QML's singleton factory returns it.
    [[nodiscard]] static App *instance();
    static App *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    [[nodiscard]] QString version() const;
};
