"""The focal point's page: every practice about their state, and the decisions on sharing each one.

A decision is made on what the host saw: the form carries the practice's decision version, so a second tab or
a double click that comes after another decision gets "changed meanwhile" (409) and the decision now in force,
never a second decision on top. Sharing anonymously and withdrawing are confirmed first; the confirmation of
an anonymous share shows what outsiders will read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from kb.authorisations import Decision, authorisation_problems, decisions_of
from kb.errors import Conflict, InvalidInput
from kb.models import Attribution, Network, Practice, Scope
from kb.practices import tags_of
from kb.projection import Projection, anonymity_preview
from kb.queries import hosted_practice, our_practices
from kb.schemas import AnonymityPreview, PracticePublic
from web.csrf import require_csrf
from web.decisions import Action, decide
from web.deps import SearchDep
from web.guards import FocalPointPage
from web.rendering import Page, is_fragment

router = APIRouter(prefix="/our-practices", tags=["pages"])


@dataclass
class Row:
    """One of the state's practices on the page, with what the form needs to show."""

    view: PracticePublic
    practice: Practice
    decisions: list[Decision]
    networks: list[Network]
    errors: dict[str, str] = field(default_factory=dict)
    conflict: str | None = None
    notice: str | None = None
    confirm: dict[str, object] | None = None  # a decision awaiting the host's confirmation
    preview: AnonymityPreview | None = None

    @property
    def current(self) -> Decision | None:
        return next((d for d in self.decisions if d.in_force), None)


def practice_row(page: Page, search: SearchDep, practice: Practice, **extra: object) -> Row:
    session: Session = page.session
    view = Projection(page.viewer, search.catalogue.terms).practice(practice, tags_of(session, practice.id or 0),
                                                                    host_shown=True)
    networks = list(session.exec(select(Network).order_by(Network.code)))
    return Row(view=view, practice=practice, decisions=decisions_of(session, practice), networks=networks,
               **extra)  # type: ignore[arg-type]


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def our_practices_page(page: FocalPointPage, search: SearchDep,
                       decided: Annotated[str, Query(max_length=16)] = "",
                       several: Annotated[int, Query(ge=0, le=10_000)] = 0) -> Response:
    """List every practice about the focal point's state, whatever its status, with its sharing history."""
    rows = []
    for practice in our_practices(page.session, page.viewer):
        row = practice_row(page, search, practice)
        if practice.public_id == decided and row.current is not None:
            row.notice = f"Saved. Now: {row.current.describe()}."
        elif practice.public_id == decided:
            row.notice = "Saved. Now: not shared beyond your state."
        rows.append(row)
    notice = f"Saved for {several} practice{'s' if several != 1 else ''}: each card says what now holds." \
        if several else None
    return page.render("our_practices.html", {"rows": rows, "notice": notice})


@router.post("/{practice_id}", response_class=HTMLResponse, include_in_schema=False,
             dependencies=[Depends(require_csrf)])
def decide_on_practice(
    practice_id: str,
    page: FocalPointPage,
    search: SearchDep,
    action: Annotated[Action, Form()],
    based_on: Annotated[int, Form(ge=0)],
    scope: Annotated[Scope | None, Form()] = None,
    networks: Annotated[list[str], Form()] = [],
    attribution: Annotated[Attribution | None, Form()] = None,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Record the host's decision (after confirmation where it matters); it takes effect on the next request."""
    practice = hosted_practice(page.session, page.viewer, practice_id)
    wanted = {"action": action.value, "scope": scope.value if scope else "", "networks": networks,
              "attribution": attribution.value if attribution else "", "based_on": based_on}
    if action == Action.authorise:
        chosen = networks if scope == Scope.networks else []
        if problems := authorisation_problems(scope, chosen, attribution):
            return _answer(page, search, practice, status_code=422, errors={p.field: p.message for p in problems})
    needs_confirming = action == Action.withdraw or (action == Action.authorise and attribution == Attribution.anonymous
                                                     and scope not in (None, Scope.host_only))
    if needs_confirming and not confirmed:
        preview = anonymity_preview(practice, search.catalogue.terms) if action == Action.authorise else None
        return _answer(page, search, practice, status_code=200, confirm=wanted, preview=preview)
    try:
        decide(page.session, search, page.viewer, practice_id=practice.public_id, action=action, scope=scope,
               networks=networks, attribution=attribution, based_on=based_on, via="portal")
        page.session.commit()
    except Conflict as exc:
        page.session.rollback()
        return _answer(page, search, practice, status_code=409, conflict=exc.message)
    except InvalidInput as exc:
        page.session.rollback()
        errors = {p.field or "action": p.message for p in exc.problems}
        return _answer(page, search, practice, status_code=422, errors=errors)
    if is_fragment(page.request):
        row = practice_row(page, search, practice)
        row.notice = f"Saved. Now: {row.current.describe()}." if row.current else \
            "Saved. Now: not shared beyond your state."
        return page.render("_our_practice.html", {"row": row})
    return RedirectResponse(f"/our-practices?decided={practice.public_id}#p-{practice.public_id}", status_code=303)


def _answer(page: Page, search: SearchDep, practice: Practice, *, status_code: int, **extra: object) -> HTMLResponse:
    """Show the practice's card with an error, a conflict or a confirmation: alone for htmx, in the page otherwise."""
    if is_fragment(page.request):
        return page.render("_our_practice.html", {"row": practice_row(page, search, practice, **extra)},
                           status_code=status_code)
    rows = [practice_row(page, search, p, **extra) if p.id == practice.id else practice_row(page, search, p)
            for p in our_practices(page.session, page.viewer)]
    return page.render("our_practices.html", {"rows": rows}, status_code=status_code)
