#include "privatefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <sys/stat.h>

namespace PrivateFile {

std::optional<QByteArray> read(const QString &path, qint64 maxBytes, const QString &label,
                               QString *error)
{
    struct stat st = {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) {
        *error = QStringLiteral("%1: no such file").arg(label);
        return std::nullopt;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        *error = QStringLiteral("%1 can be read or written by other users (mode %2): run "
                                "chmod 600 %3")
                         .arg(label,
                              QString::number(st.st_mode & 0777, 8)
                                      .rightJustified(4, QLatin1Char('0')),
                              path);
        return std::nullopt;
    }
    if (qint64(st.st_size) > maxBytes) {
        *error = QStringLiteral("%1 is larger than %2 bytes").arg(label).arg(maxBytes);
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(label, file.errorString());
        return std::nullopt;
    }
    QByteArray data = file.read(maxBytes + 1);
    if (data.size() > maxBytes) {
        *error = QStringLiteral("%1 is larger than %2 bytes").arg(label).arg(maxBytes);
        return std::nullopt;
    }
    return data;
}

bool write(const QString &path, const QByteArray &data, QString *error)
{
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        *error = QStringLiteral("cannot create the folder of %1").arg(path);
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    // The temporary file gets 0600 before the secret is written into it.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(data) != data.size() || !file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        file.cancelWriting();
        return false;
    }
    return true;
}

std::optional<QString> readToken(const QString &path, const QString &label, QString *error)
{
    const auto data = read(path, 64 * 1024, label, error);
    if (!data)
        return std::nullopt;
    const qsizetype newline = data->indexOf('\n');
    const QString token = QString::fromUtf8(newline < 0 ? *data : data->left(newline)).trimmed();
    if (token.isEmpty()) {
        *error = QStringLiteral("%1: the first line is empty").arg(label);
        return std::nullopt;
    }
    return token;
}

} // namespace PrivateFile
