"""My alerts: saved searches and followed topics with their frequency and last delivery; the mail's manage link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from index.alerting import alert_finder
from kb.alerts import (
    alert_for_manage_token,
    alert_of,
    alerts_of,
    delete_alert,
    deliveries_of,
    feed_token,
    filters_of,
    follow_topic,
    profile_of,
    reset_feed_token,
    save_search,
    set_decision_notices,
    set_email,
    set_frequency,
)
from kb.digest import terms_of
from kb.errors import InvalidInput
from kb.models import Alert, AlertDelivery, Frequency, User
from kb.notices import NOTICE_KINDS, notice_kind
from web.csrf import require_csrf
from web.deps import SearchDep, SettingsDep
from web.guards import SignedInPage
from web.pages.forms import SearchForm, search_form
from web.rendering import Page, PageDep

router = APIRouter(prefix="/alerts", tags=["pages"])
FREQUENCY_LABELS = {Frequency.asap: "as soon as possible", Frequency.daily: "daily", Frequency.weekly: "weekly",
                    Frequency.paused: "paused"}


@dataclass(frozen=True)
class AlertRow:
    """One alert on the page: the alert, its terms in words, its last delivery and its feed address."""

    alert: Alert
    terms: str
    last: AlertDelivery | None
    feed: str | None


def _user(page: Page) -> User:
    assert page.user is not None  # a SignedInPage
    return page.user


def _alerts_page(page: Page, secret: str, *, errors: list[str] | None = None, notice: str = "",
                 status_code: int = 200) -> HTMLResponse:
    user = _user(page)
    profile = profile_of(page.session, user)
    token = feed_token(profile, secret)
    rows = []
    for alert in alerts_of(page.session, user):
        deliveries = deliveries_of(page.session, alert, limit=1)
        feed = f"/feeds/{token}/alerts/{alert.public_id}" if token and alert.kind not in NOTICE_KINDS else None
        rows.append(AlertRow(alert, terms_of(alert, filters_of(alert)), deliveries[0] if deliveries else None, feed))
    page.session.commit()  # the profile, made on first visit
    return page.render("alerts.html", {
        "rows": rows, "profile": profile, "errors": errors or [], "notice": notice, "feed_token": token,
        "frequencies": FREQUENCY_LABELS, "notices_apply": notice_kind(user) is not None,
    }, status_code=status_code)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(page: SignedInPage, settings: SettingsDep, saved: str = "") -> Response:
    """List the person's alerts with their frequency and last delivery."""
    return _alerts_page(page, settings.session_key(), notice="Saved." if saved else "")


def _refused(page: Page, secret: str, exc: InvalidInput) -> HTMLResponse:
    page.session.rollback()
    return _alerts_page(page, secret, errors=[f"{p.field}: {p.message}" for p in exc.problems], status_code=422)


def _search_of(terms: str) -> SearchForm:
    """Read the search a save form carries (the search page's query string) as the search page reads it."""
    given = parse_qs(terms.removeprefix("?"), max_num_fields=200)

    def one(name: str) -> str | None:
        return given[name][0] if given.get(name) else None

    return search_form(q=(one("q") or "")[:1000], kind=given.get("kind", []), domain=given.get("domain", []),
                       sector=given.get("sector", []), topic=given.get("topic", []),
                       host_state=given.get("host_state", []), year_from=one("year_from"), year_to=one("year_to"))


@router.post("", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_search_form(page: SignedInPage, search: SearchDep, settings: SettingsDep,
                     terms: Annotated[str, Form(alias="search", max_length=4000)] = "",
                     name: Annotated[str, Form(max_length=1000)] = "",
                     frequency: Annotated[str, Form(max_length=16)] = "daily") -> Response:
    """Save the search the form carries (its words and filters) under a name."""
    form = _search_of(terms)
    try:
        alert = save_search(page.session, user=_user(page), viewer=page.viewer, name=name, query=form.q,
                            filters=form.filters(), frequency=frequency, finder=alert_finder(search),
                            vocabularies=search.vocabularies)
    except InvalidInput as exc:
        return _refused(page, settings.session_key(), exc)
    page.session.commit()
    return RedirectResponse(f"/alerts?saved={alert.public_id}", status_code=303)


@router.post("/follow", include_in_schema=False, dependencies=[Depends(require_csrf)])
def follow_topic_form(page: SignedInPage, search: SearchDep, settings: SettingsDep,
                      topic: Annotated[str, Form(max_length=64)],
                      frequency: Annotated[str, Form(max_length=16)] = "weekly") -> Response:
    """Follow a topic."""
    try:
        alert = follow_topic(page.session, user=_user(page), viewer=page.viewer, topic=topic, frequency=frequency,
                             finder=alert_finder(search), vocabularies=search.vocabularies)
    except InvalidInput as exc:
        return _refused(page, settings.session_key(), exc)
    page.session.commit()
    return RedirectResponse(f"/alerts?saved={alert.public_id}", status_code=303)


@router.post("/address", include_in_schema=False, dependencies=[Depends(require_csrf)])
def save_address(page: SignedInPage, settings: SettingsDep, email: Annotated[str, Form(max_length=320)] = "",
                 decision_notices: Annotated[str, Form(max_length=8)] = "") -> Response:
    """Set where alerts are mailed, and whether decision notices come."""
    try:
        set_email(page.session, user=_user(page), email=email)
        set_decision_notices(page.session, user=_user(page), enabled=decision_notices == "on")
    except InvalidInput as exc:
        return _refused(page, settings.session_key(), exc)
    page.session.commit()
    return RedirectResponse("/alerts?saved=address", status_code=303)


@router.post("/feed-token", include_in_schema=False, dependencies=[Depends(require_csrf)])
def reset_feed(page: SignedInPage, settings: SettingsDep) -> Response:
    """Give the person a new feed address; the old one stops working at once."""
    reset_feed_token(page.session, user=_user(page), secret=settings.session_key())
    page.session.commit()
    return RedirectResponse("/alerts?saved=feed", status_code=303)


@router.post("/{alert_id}/frequency", include_in_schema=False, dependencies=[Depends(require_csrf)])
def change_frequency(alert_id: str, page: SignedInPage, settings: SettingsDep,
                     frequency: Annotated[str, Form(max_length=16)]) -> Response:
    """Change how often an alert comes, or pause it."""
    try:
        set_frequency(page.session, alert=alert_of(page.session, _user(page), alert_id), frequency=frequency)
    except InvalidInput as exc:
        return _refused(page, settings.session_key(), exc)
    page.session.commit()
    return RedirectResponse(f"/alerts?saved={alert_id}", status_code=303)


@router.post("/{alert_id}/delete", include_in_schema=False, dependencies=[Depends(require_csrf)])
def delete_alert_form(alert_id: str, page: SignedInPage) -> Response:
    """Delete an alert (decision notices are switched off instead, with the address form)."""
    alert = alert_of(page.session, _user(page), alert_id)
    if alert.kind in NOTICE_KINDS:
        set_frequency(page.session, alert=alert, frequency=Frequency.paused)
    else:
        delete_alert(page.session, alert=alert)
    page.session.commit()
    return RedirectResponse("/alerts", status_code=303)


# -- the link in every message: manage or stop one alert without signing in ---------------------------------


@router.get("/manage/{token}", response_class=HTMLResponse, include_in_schema=False)
def manage_page(token: str, page: PageDep, settings: SettingsDep, stopped: str = "") -> Response:
    """Show the alert a message was sent for, with a button to stop it."""
    alert = alert_for_manage_token(page.session, token, settings.session_key())
    return page.render("alert_manage.html", {"alert": alert, "token": token, "stopped": bool(stopped),
                                             "terms": terms_of(alert, filters_of(alert)),
                                             "frequencies": FREQUENCY_LABELS})


@router.post("/manage/{token}", include_in_schema=False, dependencies=[Depends(require_csrf)])
def stop_alert(token: str, page: PageDep, settings: SettingsDep) -> Response:
    """Stop (pause) the alert of a message's signed link."""
    alert = alert_for_manage_token(page.session, token, settings.session_key())
    set_frequency(page.session, alert=alert, frequency=Frequency.paused)
    page.session.commit()
    return RedirectResponse(f"/alerts/manage/{token}?stopped=1", status_code=303)

