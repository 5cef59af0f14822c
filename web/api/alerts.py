"""Saved searches and followed topics of the caller, with their deliveries: /api/v1/alerts."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field

from index.alerting import alert_finder
from kb.alerts import (
    alert_of,
    alerts_of,
    delete_alert,
    deliveries_of,
    follow_topic,
    save_search,
    set_frequency,
)
from kb.models import Alert, Frequency, User
from kb.notices import NOTICE_KINDS
from kb.queries import Filters
from web.api.access import Responses, SignedInDep, require_api_csrf
from web.deps import CurrentUser, SearchDep, SessionDep

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(require_api_csrf)])
ERRORS: Responses = {401: {"description": "not signed in"}, 403: {"description": "the form's CSRF token is missing"},
                     404: {"description": "no such alert of the caller's"}, 422: {"description": "bad input"}}


class FiltersIn(BaseModel):
    domain: list[str] = []
    sector: list[str] = []
    topic: list[str] = []
    kind: list[str] = []
    host_state: list[str] = []
    year_from: int | None = None
    year_to: int | None = None

    def filters(self) -> Filters:
        return Filters(domain=tuple(self.domain), sector=tuple(self.sector), topic=tuple(self.topic),
                       kind=tuple(self.kind), host_state=tuple(s.upper() for s in self.host_state),
                       year_from=self.year_from, year_to=self.year_to)


class AlertCreate(BaseModel):
    """A search to save (name, q and filters), or a topic to follow (topic alone)."""

    name: str = Field(default="", max_length=1000)
    q: str = Field(default="", max_length=1000)
    filters: FiltersIn = FiltersIn()
    topic: str | None = Field(default=None, description="Follow this topic instead of saving a search")
    frequency: Frequency = Frequency.daily


class AlertUpdate(BaseModel):
    frequency: Frequency


class AlertPublic(BaseModel):
    id: str
    kind: str
    name: str
    q: str
    filters: dict[str, object]
    frequency: str
    created: datetime
    last_delivered: datetime | None


class DeliveryPublic(BaseModel):
    at: datetime
    recipient: str
    practices: list[str] = Field(description="Public ids of the practices the message announced")
    result: str
    detail: str


def _public(alert: Alert) -> AlertPublic:
    return AlertPublic(id=alert.public_id, kind=alert.kind, name=alert.name, q=alert.query,
                       filters=dict(alert.filters or {}), frequency=alert.frequency,
                       created=alert.created_at, last_delivered=alert.last_delivered_at)


def _caller(user: User | None) -> User:
    assert user is not None  # SignedInDep refused the public
    return user


@router.get("", response_model=list[AlertPublic], responses=ERRORS)
def list_alerts(session: SessionDep, _viewer: SignedInDep, user: CurrentUser) -> list[AlertPublic]:
    """Return the caller's alerts, newest first."""
    return [_public(a) for a in alerts_of(session, _caller(user))]


@router.post("", response_model=AlertPublic, status_code=201, responses=ERRORS)
def create_alert(body: AlertCreate, session: SessionDep, viewer: SignedInDep, user: CurrentUser,
                 search: SearchDep) -> AlertPublic:
    """Save a search or follow a topic; what matches now counts as already seen."""
    finder = alert_finder(search)
    if body.topic is not None:
        alert = follow_topic(session, user=_caller(user), viewer=viewer, topic=body.topic, frequency=body.frequency,
                             finder=finder, vocabularies=search.vocabularies)
    else:
        alert = save_search(session, user=_caller(user), viewer=viewer, name=body.name, query=body.q,
                            filters=body.filters.filters(), frequency=body.frequency, finder=finder,
                            vocabularies=search.vocabularies)
    session.commit()
    return _public(alert)


@router.patch("/{alert_id}", response_model=AlertPublic, responses=ERRORS)
def update_alert(alert_id: str, body: AlertUpdate, session: SessionDep, _viewer: SignedInDep,
                 user: CurrentUser) -> AlertPublic:
    """Change how often an alert is delivered, or pause it."""
    alert = set_frequency(session, alert=alert_of(session, _caller(user), alert_id), frequency=body.frequency)
    session.commit()
    return _public(alert)


@router.delete("/{alert_id}", status_code=204, responses=ERRORS)
def remove_alert(alert_id: str, session: SessionDep, _viewer: SignedInDep, user: CurrentUser) -> Response:
    """Delete an alert (a decision notice is paused instead)."""
    alert = alert_of(session, _caller(user), alert_id)
    if alert.kind in NOTICE_KINDS:
        set_frequency(session, alert=alert, frequency=Frequency.paused)
    else:
        delete_alert(session, alert=alert)
    session.commit()
    return Response(status_code=204)


@router.get("/{alert_id}/deliveries", response_model=list[DeliveryPublic], responses=ERRORS)
def list_deliveries(alert_id: str, session: SessionDep, _viewer: SignedInDep, user: CurrentUser
                    ) -> list[DeliveryPublic]:
    """Return the latest delivery attempts of one of the caller's alerts."""
    alert = alert_of(session, _caller(user), alert_id)
    return [DeliveryPublic(at=d.at, recipient=d.recipient, practices=d.practices, result=d.result, detail=d.detail)
            for d in deliveries_of(session, alert)]
