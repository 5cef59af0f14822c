"""Who may call what, stated once: the checks, and the page dependencies that apply them.

A page for signed-in people sends the public to sign in; anyone signed in but not allowed gets 403 (the one
error handler of web.errors answers both). The API's versions are in web.api.access.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kb.errors import NotAllowed
from kb.viewer import Viewer
from web.rendering import Page, PageDep

SECRETARIAT_ONLY = "Only the secretariat may do this."
ADMIN_ONLY = "Only an administrator may do this."
FOCAL_POINT_ONLY = "Only a state's focal point may do this."


class SignInFirst(Exception):
    """A page for signed-in people, asked for by the public: answered with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def require_secretariat(viewer: Viewer) -> None:
    """Refuse anyone but curators and administrators."""
    if not viewer.is_secretariat:
        raise NotAllowed(SECRETARIAT_ONLY)


def require_admin(viewer: Viewer) -> None:
    """Refuse anyone but administrators."""
    if not viewer.is_admin:
        raise NotAllowed(ADMIN_ONLY)


def require_focal_point(viewer: Viewer) -> None:
    """Refuse anyone but a state's focal point."""
    if not viewer.is_focal_point:
        raise NotAllowed(FOCAL_POINT_ONLY)


def signed_in_page(page: PageDep) -> Page:
    if page.viewer.is_public:
        query = f"?{page.request.url.query}" if page.request.url.query else ""
        raise SignInFirst(page.request.url.path + query)
    return page


SignedInPage = Annotated[Page, Depends(signed_in_page)]


def secretariat_page(page: SignedInPage) -> Page:
    require_secretariat(page.viewer)
    return page


SecretariatPage = Annotated[Page, Depends(secretariat_page)]


def admin_page(page: SecretariatPage) -> Page:
    require_admin(page.viewer)
    return page


AdminPage = Annotated[Page, Depends(admin_page)]


def focal_point_page(page: SignedInPage) -> Page:
    require_focal_point(page.viewer)
    return page


FocalPointPage = Annotated[Page, Depends(focal_point_page)]
