#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

class Session;

/// Where sessions live. Implementations: memory (here); SQLite and Redis come later.
///
/// Contract: the store owns its sessions. get() returns null for an unknown id. remove()
/// forgets a session and deletes it later (deleteLater), so a caller inside one of the
/// session's signals is safe. list() is ordered by creation.
class LegacyStore
{
public:
    virtual ~LegacyStore() = default;

    /// Creates a session (`id` empty: a new UUID); null if the id is taken.
    virtual Session *create(const QString &id = {}) = 0;
    [[nodiscard]] virtual Session *get(const QString &id) const = 0;
    /// False for an unknown id.
    virtual bool remove(const QString &id) = 0;
    [[nodiscard]] virtual QList<Session *> list() const = 0;
    /// How many sessions the store holds.
    [[nodiscard]] virtual qsizetype count() const = 0;
    /// Marks the session as used now (the idle TTL starts over).
    virtual void touch(const QString &id) = 0;
};

/// Sessions in memory: lost on restart.
class LegacyMemoryStore : public QObject, public LegacyStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LegacyMemoryStore)

public:
    explicit LegacyMemoryStore(QObject *parent = nullptr);
    ~LegacyMemoryStore() override;

    Session *create(const QString &id = {}) override;
    [[nodiscard]] Session *get(const QString &id) const override;
    bool remove(const QString &id) override;
    [[nodiscard]] QList<Session *> list() const override;
    [[nodiscard]] qsizetype count() const override { return m_sessions.size(); }
    void touch(const QString &id) override;

private:
    QHash<QString, Session *> m_sessions;
    QList<QString> m_order;
};
