"""One decision applied to several of the focal point's practices at once: confirmed as one, recorded all or none.

Each practice goes through the same grant path as a single decision (web.decisions.decide → kb.authorisations),
with the version the page showed, in one transaction: if any one is refused (a conflict, a draft, nothing to
withdraw), none is recorded and the page says which one and why.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kb.authorisations import authorisation_problems
from kb.errors import Conflict, InvalidInput
from kb.models import Attribution, Practice, Scope
from kb.projection import anonymity_preview
from kb.queries import hosted_practice, our_practices
from web.csrf import require_csrf
from web.decisions import Action, decide
from web.deps import SearchDep
from web.guards import FocalPointPage
from web.pages.focal import practice_row
from web.rendering import Page

router = APIRouter(prefix="/our-practices", tags=["pages"])


def _chosen(page: Page, selected: list[str]) -> list[tuple[Practice, int]]:
    """Read the ticked practices, each as `public id:decision version` (what the page showed)."""
    chosen = []
    for item in selected:
        public_id, _, version = item.partition(":")
        practice = hosted_practice(page.session, page.viewer, public_id)
        chosen.append((practice, int(version) if version.isdigit() else -1))
    return chosen


def _page(page: Page, search: SearchDep, *, status_code: int, bulk: dict[str, object]) -> HTMLResponse:
    rows = [practice_row(page, search, p) for p in our_practices(page.session, page.viewer)]
    return page.render("our_practices.html", {"rows": rows, "bulk": bulk}, status_code=status_code)


@router.post("/bulk", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(require_csrf)])
def decide_on_several(
    page: FocalPointPage,
    search: SearchDep,
    action: Annotated[Action, Form()],
    selected: Annotated[list[str], Form()] = [],
    scope: Annotated[Scope | None, Form()] = None,
    networks: Annotated[list[str], Form()] = [],
    attribution: Annotated[Attribution | None, Form()] = None,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Apply one decision to every ticked practice, after the same confirmation a single decision asks for."""
    chosen = _chosen(page, selected)
    wanted: dict[str, object] = {"action": action.value, "scope": scope.value if scope else "", "networks": networks,
                                 "attribution": attribution.value if attribution else "", "selected": selected}
    errors: dict[str, str] = {}
    if not chosen:
        errors["selected"] = "tick the practices this decision is for"
    if action == Action.authorise:
        errors |= {p.field: p.message for p in
                   authorisation_problems(scope, networks if scope == Scope.networks else [], attribution)}
    if errors:
        return _page(page, search, status_code=422, bulk={**wanted, "errors": errors})
    needs_confirming = action == Action.withdraw or (action == Action.authorise and attribution == Attribution.anonymous
                                                     and scope != Scope.host_only)
    if needs_confirming and not confirmed:
        previews = [(p, anonymity_preview(p, search.catalogue.terms)) for p, _ in chosen] \
            if action == Action.authorise else [(p, None) for p, _ in chosen]
        return _page(page, search, status_code=200, bulk={**wanted, "confirm": True, "previews": previews})
    for practice, version in chosen:
        try:
            decide(page.session, search, page.viewer, practice_id=practice.public_id, action=action, scope=scope,
                   networks=networks, attribution=attribution, based_on=version, via="portal")
        except (Conflict, InvalidInput) as exc:
            page.session.rollback()
            said = f"Nothing was recorded: “{practice.title}”: {exc.message}"
            return _page(page, search, status_code=exc.status, bulk={**wanted, "errors": {"action": said}})
    page.session.commit()
    return RedirectResponse(f"/our-practices?several={len(chosen)}", status_code=303)
