"""JSON responses and request-body validation shared by the routes."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from orchestrations.inputs import problems

Model = TypeVar("Model", bound=BaseModel)

INSTANCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,255}")
"""The shape of a durable instance id; it also keeps ".", "..", "?" and "#" out of the URLs the durable client builds."""


class BadRequest(Exception):
    """The request body is unusable; carries the per-field details for the 400 response."""

    def __init__(self, message: str, details: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.details = details


class Refused(Exception):
    """A valid request that cannot be served now: 404 unknown instance, 409 not in a state to take it, 5xx an agent
    that could not answer (with `retry_after_seconds` when the model asked for a wait: the Retry-After header).

    `details` join the error message in the JSON answer (the round a decision was meant for, say).
    """

    def __init__(self, message: str, status_code: int, **details: Any) -> None:
        super().__init__(message)
        self.status_code, self.details = status_code, details

    def body(self) -> dict[str, Any]:
        return {"error": str(self), **self.details}

    def response(self) -> func.HttpResponse:
        wait = self.details.get("retry_after_seconds")
        headers = {"Retry-After": str(max(1, round(wait)))} if wait is not None else None  # RFC 9110: whole seconds
        return json_response(self.body(), self.status_code, headers=headers)


def json_response(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(body), status_code=status_code, mimetype="application/json", headers=headers)


def error_response(message: str, status_code: int, details: list[dict[str, str]] | None = None) -> func.HttpResponse:
    body: dict[str, Any] = {"error": message}
    if details is not None:
        body["details"] = details
    return json_response(body, status_code)


def parse_body(req: func.HttpRequest, model: type[Model], context: Any = None) -> Model:
    """Decode the JSON body and validate it with `model` (given the validation `context` it reads), or raise
    BadRequest naming the bad fields."""
    try:
        data = json.loads(req.get_body() or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest("Request body must be valid JSON", [{"field": "body", "message": str(error)}]) from None
    except RecursionError:
        raise BadRequest(
            "Request body must be valid JSON", [{"field": "body", "message": "nested too deeply"}]
        ) from None
    return validate(model, data, "request body", context)


def validate(model: type[Model], data: Any, what: str, context: Any = None) -> Model:
    """`data` validated with `model` (and the validation `context` it reads, such as the app's ReviewSettings), or
    BadRequest naming each bad field ("Invalid <what>: topic, reviewer")."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        details = problems(error)
        fields = ", ".join(dict.fromkeys(d["field"] for d in details))
        raise BadRequest(f"Invalid {what}: {fields}", details) from None


def instance_id_param(req: func.HttpRequest) -> str:
    """The `instance_id` route parameter, or BadRequest when it cannot be a durable instance id."""
    return check_instance_id(req.route_params.get("instance_id", ""))


def check_instance_id(instance_id: Any) -> str:
    """`instance_id` when it can be a durable instance id, else BadRequest naming `instance_id`."""
    if not isinstance(instance_id, str) or not INSTANCE_ID.fullmatch(instance_id):
        message = "must be 1-256 letters, digits or _ . : @ - characters, starting with a letter or digit"
        raise BadRequest(f"Invalid instance_id {instance_id!r}", [{"field": "instance_id", "message": message}])
    return instance_id


def draft_key_param(req: func.HttpRequest) -> str:
    """The `key` route parameter: a stored draft's idempotency key, a UUID."""
    key: str = req.route_params.get("key", "")  # func.HttpRequest leaves its properties unannotated
    try:
        if str(uuid.UUID(key)) == key:
            return key
    except ValueError:
        pass
    raise BadRequest(f"Invalid draft key {key!r}", [{"field": "key", "message": "must be a UUID in lower case"}])


def api_root(req: func.HttpRequest, route: str) -> str:
    """The API root of this request (e.g. "http://localhost:7071/api"), whatever host and prefix served it."""
    url: str = req.url.split("?", 1)[0].rstrip("/")
    suffix = "/" + route.strip("/")
    if url.endswith(suffix):
        return url[: -len(suffix)]
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/api"
