// ApiError: every code maps to its documented status and wire name, in the one body shape
// `{"error":{"code","message"}}`, and no two codes share a wire name.

#include <apierror.h>

#include <QSet>
#include <QTest>

using Code = ApiError::Code;

class tst_ApiError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapping_data();
    void mapping();
    void namesAreUnique();
};

namespace {
struct Expected
{
    Code code;
    int status;
    const char *name;
};
// docs/api.md, "Errors".
const QList<Expected> kTable {
        {Code::EmptyBody, 400, "empty_body"},
        {Code::InvalidJson, 400, "invalid_json"},
        {Code::InvalidField, 400, "invalid_field"},
        {Code::InvalidLastEventId, 400, "invalid_last_event_id"},
        {Code::EmptyMessage, 400, "empty_message"},
        {Code::BadRequestLine, 400, "bad_request_line"},
        {Code::BadHttpVersion, 400, "bad_http_version"},
        {Code::BadRequestTarget, 400, "bad_request_target"},
        {Code::BadLine, 400, "bad_line"},
        {Code::BadHeader, 400, "bad_header"},
        {Code::MissingHost, 400, "missing_host"},
        {Code::BadHost, 400, "bad_host"},
        {Code::BadContentLength, 400, "bad_content_length"},
        {Code::BadTransferEncoding, 400, "bad_transfer_encoding"},
        {Code::BadChunk, 400, "bad_chunk"},
        {Code::PipeliningRefused, 400, "pipelining_refused"},
        {Code::RequestTimeout, 408, "request_timeout"},
        {Code::RequestLineTooLong, 414, "request_line_too_long"},
        {Code::HeadersTooLarge, 431, "headers_too_large"},
        {Code::TooManyHeaders, 431, "too_many_headers"},
        {Code::Unauthorized, 401, "unauthorized"},
        {Code::ForbiddenHost, 403, "forbidden_host"},
        {Code::ForbiddenOrigin, 403, "forbidden_origin"},
        {Code::ForbiddenCrossSite, 403, "forbidden_cross_site"},
        {Code::NotFound, 404, "not_found"},
        {Code::MethodNotAllowed, 405, "method_not_allowed"},
        {Code::UnknownSession, 404, "unknown_session"},
        {Code::UnknownRequest, 404, "unknown_request"},
        {Code::UnknownServer, 404, "unknown_server"},
        {Code::TurnRunning, 409, "turn_running"},
        {Code::NoTurn, 409, "no_turn"},
        {Code::SessionExists, 409, "session_exists"},
        {Code::ServerDisabled, 409, "server_disabled"},
        {Code::BodyTooLarge, 413, "body_too_large"},
        {Code::MissingResource, 500, "missing_resource"},
        {Code::TooManyConnections, 503, "too_many_connections"},
        {Code::TooManySessions, 503, "too_many_sessions"},
};
} // namespace

void tst_ApiError::mapping_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("name");
    for (const Expected &e : kTable)
        QTest::newRow(e.name) << int(e.code) << e.status << QString::fromLatin1(e.name);
}

void tst_ApiError::mapping()
{
    QFETCH(int, code);
    QFETCH(int, status);
    QFETCH(QString, name);
    const ApiError error(Code(code), QStringLiteral("what went wrong"));
    const ApiError::Http http = error.toHttp();
    QCOMPARE(http.status, status);
    QCOMPARE(QString(http.code), name);
    const QJsonObject expected {
            {"error", QJsonObject {{"code", name}, {"message", "what went wrong"}}}};
    QCOMPARE(http.body, expected);
}

void tst_ApiError::namesAreUnique()
{
    QSet<QString> names;
    for (const Expected &e : kTable)
        names.insert(ApiError(e.code, {}).toHttp().code);
    QCOMPARE(names.size(), kTable.size());
    QVERIFY(!names.contains(QStringLiteral("internal_error"))); // every code has its own entry
}

QTEST_GUILESS_MAIN(tst_ApiError)
#include "tst_apierror.moc"
