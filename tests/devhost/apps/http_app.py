"""HTTP responses written as Azure Functions apps write them: a mimetype with parameters, a Content-Type
given through headers, cookies, a bare string; the local host must answer them as the Functions host does."""

from __future__ import annotations

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="mimetype-with-charset", methods=["GET"])
def mimetype_with_charset(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("héllo", mimetype="text/plain; charset=utf-8")


@app.route(route="content-type-header", methods=["GET"])
def content_type_header(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        '{"title": "not found"}', status_code=404, headers={"Content-Type": "application/problem+json"}
    )


@app.route(route="csv", methods=["GET"])
def csv(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        b"a,b\n1,2\n", mimetype="text/csv", charset="latin-1", headers={"Set-Cookie": "session=abc; Path=/; HttpOnly"}
    )


@app.route(route="echo-headers", methods=["GET"])
def echo_headers(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.headers.get("x-tag", "-"))


@app.route(route="plain", methods=["GET"])
def plain(req: func.HttpRequest) -> str:
    return "just a string"
