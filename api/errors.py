"""One error model for every failure: RFC 9457 problem details (``application/problem+json``).

Every 4xx names what was wrong (``errors[].field``) and what to do (``detail``). Validation
errors from FastAPI, unknown routes, oversized bodies and unexpected exceptions all answer in
the same shape. Bodies that fail to parse name where (the byte, line and column). Database errors
that validation cannot rule out are a 409 (a clash with a row written meanwhile), a 422 (a value
the database refused) or a 503 with ``Retry-After`` (busy, or the connection was lost); an
unexpected exception is logged and answers a 500 problem without internals. Each of these is a
complete response on a connection that stays usable (keep-alive), never a dropped connection.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://handoff.readthedocs.io/problems/"
MAX_BODY_BYTES = 1_000_000
MAX_JSON_DEPTH = 64
BODY_KEY = "handoff.body"
PARSE_FAILED = "There was an error parsing the body"

log = logging.getLogger("handoff.api")

Failure = TypeVar("Failure", bound=Exception)


class FieldError(BaseModel):
    """One offending field: a dotted path into the request (``body.capacity``) and the message."""

    field: str = Field(examples=["body.capacity"])
    message: str = Field(examples=["capacity 3 is below the 5 slots occupied, held or confirmed"])


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[PROBLEM_BASE + "validation"])
    title: str = Field(examples=["Request is not valid"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["1 field is not valid; fix it and send the request again."])
    instance: str = Field(examples=["/v1/providers/P1/capacity"])
    errors: list[FieldError] = Field(default_factory=list)


class ApiError(Exception):
    """An error with a status, a short title (also the ``type`` slug) and a detail saying what to do."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str | None = None,
        errors: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug or title.lower().replace(" ", "-")
        self.errors = [FieldError(field=f, message=m) for f, m in (errors or [])]
        self.headers = headers or {}


def not_found(kind: str, record_id: str, field: str = "path.id") -> ApiError:
    """404 for an unknown id of ``kind`` (provider, participant, ...)."""
    return ApiError(
        404,
        "Not found",
        f"No {kind} with id {record_id!r}; list them with GET to find the id.",
        slug="not-found",
        errors=[(field, f"unknown {kind} id {record_id!r}")],
    )


def conflict(detail: str, field: str, message: str, slug: str = "conflict") -> ApiError:
    """409 for a request that is well-formed but clashes with the current state."""
    return ApiError(409, "Conflict with current state", detail, slug=slug, errors=[(field, message)])


def invalid(field: str, message: str, detail: str | None = None) -> ApiError:
    """422 for a value that is well-typed but not acceptable (outside the region, in the past...)."""
    return ApiError(
        422, "Request is not valid", detail or f"{field}: {message}", slug="validation", errors=[(field, message)]
    )


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The problem+json response for ``request``."""
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors or [],
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return problem_response(request, exc.status, exc.title, exc.detail, exc.slug, exc.errors, exc.headers)


def _message(error: dict, request: Request) -> str:
    if error.get("type") != "json_invalid":
        return error["msg"]
    position = error["loc"][-1] if isinstance(error["loc"][-1], int) else 0
    text = _body(request).decode("utf-8", errors="replace")
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    reason = (error.get("ctx") or {}).get("error", "not valid JSON")
    return f"not valid JSON: {reason} at line {line} column {column} (character {position})"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [FieldError(field=_field_path(e["loc"]), message=_message(e, request)) for e in exc.errors()]
    noun = "field is" if len(errors) == 1 else "fields are"
    return problem_response(
        request,
        422,
        "Request is not valid",
        f"{len(errors)} {noun} not valid; fix and send the request again "
        "(the OpenAPI schema at /openapi.json lists every field).",
        "validation",
        errors,
    )


def allowed_methods(request: Request) -> list[str]:
    """Methods the OpenAPI schema documents for the request's path (for a 405 ``Allow`` header)."""
    table = getattr(request.app.state, "route_methods", None)
    if table is None:
        table = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), {m.upper() for m in ops})
            for path, ops in request.app.openapi()["paths"].items()
        ]
        request.app.state.route_methods = table
    return sorted({m for pattern, methods in table if pattern.match(request.url.path) for m in methods})


def _body(request: Request) -> bytes:
    """The request body as :class:`BodySizeLimit` read it (empty when it did not)."""
    return b"".join(request.scope.get(BODY_KEY, ()))


def json_depth_error(text: str, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Where ``text`` (JSON) nests arrays and objects deeper than ``limit``, or None."""
    depth, in_string, escaped = 0, False, False
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return f"JSON nested more than {limit} levels deep at character {i}; send a flatter body"
        elif char in "]}":
            depth -= 1
    return None


def parse_error(body: bytes) -> str:
    """What is wrong with a body that failed to parse as JSON, and where."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 at byte {exc.start}; send the body encoded as UTF-8"
    deep = json_depth_error(text)
    if deep:
        return deep
    try:
        json.loads(text)
    except RecursionError:
        return "JSON nested too deep; send a flatter body"
    except ValueError as exc:
        if "digits" in str(exc):
            return (
                f"a number has more than {sys.get_int_max_str_digits()} digits; send numbers within the field's range"
            )
        return f"not valid JSON: {str(exc).split(';')[0]}"
    return "not valid JSON"


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and exc.detail == PARSE_FAILED:
        message = parse_error(_body(request))
        return problem_response(
            request,
            400,
            "Body not readable",
            f"The body could not be read: {message}.",
            "unreadable-body",
            [FieldError(field="body", message=message)],
        )
    titles = {404: "Not found", 405: "Method not allowed", 401: "Not authenticated", 403: "Forbidden"}
    title = titles.get(exc.status_code, "HTTP error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(getattr(exc, "headers", None) or {})
    errors = []
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route {request.url.path}; the API lives under /v1 (see /docs)."
        errors = [FieldError(field="path", message="no such route")]
    if exc.status_code == 405:
        methods = allowed_methods(request)
        headers["Allow"] = ", ".join(methods)
        detail = f"{request.method} is not supported here; use {', '.join(methods) or 'another path'}."
    return problem_response(
        request, exc.status_code, title, detail, title.lower().replace(" ", "-"), errors, headers=headers
    )


def busy() -> ApiError:
    """503: the database was too busy to answer in time; nothing was saved."""
    return ApiError(
        503,
        "Busy",
        "The database is busy with other requests; nothing was saved. Send the request again in a moment.",
        slug="busy",
        headers={"Retry-After": "1"},
    )


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("busy on %s %s: %s", request.method, request.url.path, exc)
    return await _api_error(request, busy())


def unavailable() -> ApiError:
    """503: the database could not be reached or dropped the connection; nothing was saved."""
    return ApiError(
        503,
        "Database unavailable",
        "The database did not answer; nothing was saved. Send the request again in a moment.",
        slug="unavailable",
        headers={"Retry-After": "2"},
    )


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """Database errors validation cannot rule out: a clash with a row written meanwhile (409), a value
    the database refused (422), busy or unreachable (503). Nothing of the request was saved."""
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, OperationalError) and "locked" in str(exc):
        return await _api_error(request, busy())
    if isinstance(exc, IntegrityError):
        return await _api_error(
            request,
            conflict(
                "The request clashes with a record written at the same time; "
                "nothing was saved. Read the record again and retry.",
                "body",
                "conflicts with the stored state",
            ),
        )
    if isinstance(exc, DataError):
        return await _api_error(
            request,
            ApiError(
                422,
                "Request is not valid",
                "The database refused a value of the request; nothing was saved.",
                slug="validation",
                errors=[("body", "a value is outside what the database stores")],
            ),
        )
    return await _api_error(request, unavailable())


async def _unexpected(request: Request, exc: BaseException) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        500,
        "Internal error",
        "The server failed unexpectedly; nothing was saved. The error is logged.",
        "internal",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Route every error through the problem-details model."""
    _handle(app, ApiError, _api_error)
    _handle(app, RequestValidationError, _validation_error)
    _handle(app, StarletteHTTPException, _http_error)
    _handle(app, PoolTimeout, _busy)
    _handle(app, DBAPIError, _database_error)
    app.add_middleware(UnexpectedErrors)


def _handle(app: FastAPI, kind: type[Failure], handler: Callable[[Request, Failure], Awaitable[JSONResponse]]) -> None:
    """Register ``handler`` for ``kind``; mypy checks that the handler takes that kind of exception."""
    # Starlette types every handler as taking Exception itself, so a handler of a subclass does not
    # match (Callable is contravariant in its arguments; Kludex/starlette#2417, #2403).
    app.add_exception_handler(kind, handler)  # type: ignore[arg-type]


class BodySizeLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with a 413 problem."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        too_big = declared is not None and declared.isdigit() and int(declared) > self.max_bytes
        messages: list[Message] = []
        size = 0
        while not too_big:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            too_big = size > self.max_bytes
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        if too_big:
            response = problem_response(
                Request(scope),
                413,
                "Request too large",
                f"The body is over {self.max_bytes} bytes; send fewer records per "
                "request (split an import into several).",
                "too-large",
                [FieldError(field="body", message=f"larger than {self.max_bytes} bytes")],
            )
            await response(scope, receive, send)
            return

        scope[BODY_KEY] = [m.get("body", b"") for m in messages]

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


class UnexpectedErrors:
    """ASGI middleware: an exception no handler took answers a 500 problem and the connection stays
    usable (Starlette's own last resort re-raises, and the server then drops the keep-alive
    connection without ``Connection: close``). Once a response has started it cannot be replaced:
    the exception goes on to the server, which ends the connection."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            response = await _unexpected(Request(scope), exc)
            await response(scope, receive, send)
