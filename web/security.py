"""Security headers on every response: a strict content security policy with no inline script, and no caching.

Dynamic answers say `Cache-Control: no-store`: a withdrawal takes effect on the very next request, so no
browser or shared cache may keep a page or an API answer, whoever asked. They also say which request headers
they differ by (`Vary: Cookie, Authorization, HX-Request`). Static files (the app's own CSS and scripts) are
cacheable.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
HEADERS = {
    b"content-security-policy": CONTENT_SECURITY_POLICY.encode(),
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
}
NO_STORE = {b"cache-control": b"no-store", b"pragma": b"no-cache"}
VARY = ("Cookie", "Authorization", "HX-Request")
STATIC_PREFIX = "/static/"


def _vary(existing: bytes | None) -> bytes:
    named = [v.strip() for v in existing.decode("latin-1").split(",") if v.strip()] if existing else []
    for header in VARY:
        if header.lower() not in {v.lower() for v in named}:
            named.append(header)
    return ", ".join(named).encode("latin-1")


class SecurityHeadersMiddleware:
    """Add the security and caching headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dynamic = not str(scope.get("path", "")).startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(name, value) for name, value in HEADERS.items() if name not in present]
                if dynamic:
                    headers = [(n, v) for n, v in headers if n.lower() not in (b"cache-control", b"vary")] + [
                        *NO_STORE.items(),
                        (b"vary", _vary(next((v for n, v in headers if n.lower() == b"vary"), None))),
                    ]
                message["headers"] = [*headers, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
