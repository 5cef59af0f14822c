"""Render pages and fragments: templates, safe Markdown, highlighted passages, page-or-fragment choice."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import nh3
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from index.snippets import SNIPPETS, Reading, cut_at_word
from kb.authorisations import SCOPE_LABELS
from kb.models import Network, Role, State, Status, User
from kb.passwords import MIN_PASSWORD_LENGTH
from kb.records import EXTERNAL_ID_PATTERN
from kb.viewer import Viewer
from kb.vocabulary import TAG_VOCABULARIES, Vocabulary
from web.csrf import csrf_token
from web.deps import CurrentUser, SessionDep, ViewerDep

TEMPLATES = Path(__file__).resolve().parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
KIND_LABELS = {"good_practice": "Good practice", "country_practice": "Country practice"}


def render_markdown(text: str) -> Markup:
    """Render Markdown to HTML that cannot carry script, whatever the source says."""
    html = nh3.clean(_markdown.render(text or ""), link_rel="noopener noreferrer nofollow",
                     url_schemes={"http", "https", "mailto"})
    return Markup(html)


def highlight(text: str, query: str | Reading, *, limit: int = 320) -> Markup:
    """Escape a passage and mark the description's content words in it (cut at a word boundary if long)."""
    reading = query if isinstance(query, Reading) else SNIPPETS.reading(query)  # a page passes the one it read
    if len(text) > limit:
        text = cut_at_word(text, limit, reading.matches)
    marks = reading.marks(text)
    pieces: list[str] = []
    done = 0
    for start, end in marks:
        pieces += [str(escape(text[done:start])), f"<mark>{escape(text[start:end])}</mark>"]
        done = end
    pieces.append(str(escape(text[done:])))
    return Markup("".join(pieces))


def is_fragment(request: Request) -> bool:
    """Return whether htmx asked for a fragment (and not for a whole page to restore history)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def url_with(path: str, params: list[tuple[str, Any]]) -> str:
    """Return a path with query parameters, leaving out empty ones."""
    kept = [(k, v) for k, v in params if v not in (None, "")]
    return path + ("?" + urlencode(kept) if kept else "")


@dataclass
class Page:
    """Everything a page handler needs to answer: who asks, and how to render for them."""

    request: Request
    session: Session
    viewer: Viewer
    user: User | None

    @property
    def vocabularies(self) -> dict[str, Vocabulary]:
        return self.request.app.state.search.vocabularies

    def header(self) -> dict[str, Any]:
        """Return who is signed in, their state and their networks, for the page header."""
        if self.user is None:
            return {}
        state = self.session.get(State, self.user.state_code) if self.user.state_code else None
        networks = []
        if self.viewer.network_ids:
            networks = list(self.session.exec(
                select(Network.code).where(col(Network.id).in_(sorted(self.viewer.network_ids)))
            ))
        belongs_to = "Assistance provider" if self.user.role == Role.provider else "Secretariat"
        return {"name": self.user.full_name or self.user.username, "username": self.user.username,
                "role": self.user.role, "state": state.name if state else belongs_to,
                "networks": sorted(networks)}

    def render(
        self, template: str, context: dict[str, Any] | None = None, *, partial: str | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render the whole page, or only its partial when htmx asks for a fragment."""
        fragment = partial is not None and is_fragment(self.request)
        values = {
            "viewer": self.viewer, "me": self.header(), "csrf_token": csrf_token(self.request),
            "vocabularies": self.vocabularies, "kind_labels": KIND_LABELS, "scope_labels": SCOPE_LABELS,
            "path": self.request.url.path, "fragment": fragment, **(context or {}),
        }
        chosen = partial if fragment and partial is not None else template
        return templates.TemplateResponse(self.request, chosen, values, status_code=status_code)


def get_page(request: Request, session: SessionDep, viewer: ViewerDep, user: CurrentUser) -> Page:
    return Page(request=request, session=session, viewer=viewer, user=user)


PageDep = Annotated[Page, Depends(get_page)]

templates.env.filters["markdown"] = render_markdown
templates.env.filters["highlight"] = highlight
templates.env.globals["url_with"] = url_with
templates.env.globals["statuses"] = [status.value for status in Status]
templates.env.globals["tag_vocabularies"] = TAG_VOCABULARIES
templates.env.globals["id_pattern"] = EXTERNAL_ID_PATTERN.strip("^$").replace("-]", "\\-]")  # browsers' v-flag
templates.env.globals["min_password_length"] = MIN_PASSWORD_LENGTH
