"""The interactive API docs (Swagger UI), served from /static/vendor/ under the site's content security policy.

Swagger UI's assets come from the npm package swagger-ui-dist, copied into web/static/vendor/ by the Makefile,
like htmx: nothing loads from a CDN. FastAPI's page starts Swagger UI with one inline script; rather than
allowing inline script ('unsafe-inline'), this page's policy allows exactly that script by its SHA-256 hash,
and only on /docs. Every other response keeps the strict policy from web/security.py. ReDoc is not offered:
its bundle injects styles at run time, which would need 'unsafe-inline' styles.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from web.security import CONTENT_SECURITY_POLICY

VENDOR = "/static/vendor"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


def script_hashes(html: str) -> list[str]:
    """Return the CSP source expressions ('sha256-…') of every inline script in a page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in INLINE_SCRIPT.findall(html)]


def policy_allowing(hashes: list[str]) -> str:
    """Return the site's content security policy, with these inline scripts (and no others) allowed."""
    return CONTENT_SECURITY_POLICY.replace("script-src 'self'", " ".join(["script-src 'self'", *hashes]), 1)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Show the interactive API documentation."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} — API",
        swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR}/swagger-ui.css",
        swagger_favicon_url=f"{VENDOR}/favicon-32x32.png",
        oauth2_redirect_url=None,
    )
    html = bytes(page.body).decode()
    return HTMLResponse(html, headers={"Content-Security-Policy": policy_allowing(script_hashes(html))})
