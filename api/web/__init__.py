"""The web console: server-rendered pages (Jinja2 templates, plain HTML forms) on the same FastAPI
app and the same service functions as the JSON API; sign-in by session cookie (:mod:`api.web.session`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.errors import ApiError, problem_response
from api.web.session import SignInNeeded

STATIC = Path(__file__).resolve().parent / "static"
# Every HTML page may load only from this service or inline data: a browser refuses anything else
# (Swagger UI's, ReDoc's and folium's scripts are inline or local; ReDoc's logo would come from a CDN).
OFFLINE_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' data: blob:; "
    "style-src 'self' 'unsafe-inline' data:; img-src 'self' data: blob:; font-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'"
)


class OfflinePolicy:
    """ASGI middleware: an HTML response gets :data:`OFFLINE_POLICY` as its Content-Security-Policy
    (JSON answers pass untouched)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message):
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                html = any(k == b"content-type" and v.startswith(b"text/html") for k, v in headers)
                if html and not any(k == b"content-security-policy" for k, _ in headers):
                    message["headers"] = [*headers, (b"content-security-policy", OFFLINE_POLICY.encode())]
            await send(message)

        await self.app(scope, receive, send_with_policy)


def install_console(app: FastAPI) -> None:
    """Add the console's pages under ``/console`` and its style sheet under ``/console/static``."""
    from api.web import coordinator, officer, oversight, provider, signin
    from api.web.render import page

    app.mount("/console/static", StaticFiles(directory=str(STATIC)), name="console-static")
    for module in (signin, coordinator, provider, oversight, officer):
        app.include_router(module.router)

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInNeeded)
        query = urlencode({"next": exc.next_path, **({"reason": exc.reason} if exc.reason else {})})
        return RedirectResponse(f"/console/sign-in?{query}", status_code=303)

    async def console_error(request: Request, exc: Exception) -> Response:
        """Problem details for the API, the error page for console paths."""
        assert isinstance(exc, ApiError)
        if not request.url.path.startswith("/console"):
            return problem_response(request, exc.status, exc.title, exc.detail, exc.slug, exc.errors, exc.headers)
        from api.web.session import current_visit

        try:
            visit = current_visit(request)
        except SignInNeeded:
            visit = None
        return page(request, "error.html", visit, error=exc)

    app.add_middleware(OfflinePolicy)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(ApiError, console_error)
