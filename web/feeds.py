"""Atom feeds under /feeds/: per saved search and per topic, as the feed token's owner sees them now (feedgen).

A feed is evaluated on every request, so a withdrawn entry leaves it at once. A feed token that is unknown, forged
or reset, an alert of someone else and a topic that does not exist all get the same 404. A topic's feed without a
token is the public's: public entries only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator
from sqlmodel import Session

from index.alerting import alert_finder
from index.search import SearchService
from kb.alerts import alert_of, filters_of, user_for_feed_token
from kb.errors import NotFound
from kb.models import User
from kb.projection import Projection, practices_by_id
from kb.queries import Filters, tags_by_practice
from kb.viewer import PUBLIC, Viewer, viewer_for
from web.deps import SearchDep, SessionDep, SettingsDep

router = APIRouter(prefix="/feeds", tags=["feeds"])
FEED_NOT_FOUND = "feed not found"
ATOM = "application/atom+xml"
FEED_SIZE = 50


def _owner(session: Session, token: str, secret: str) -> User:
    user = user_for_feed_token(session, token, secret)
    if user is None:
        raise NotFound(FEED_NOT_FOUND)
    return user


def _atom(request: Request, session: Session, search: SearchService, viewer: Viewer, *, title: str, query: str,
          filters: Filters) -> Response:
    """Render what matches now for the viewer, each entry as the one projection shows it to them."""
    matches = alert_finder(search)(session, viewer, query, filters)[:FEED_SIZE]
    rows = practices_by_id(session, [m.practice_id for m in matches])
    tags = tags_by_practice(session, [m.practice_id for m in matches])
    projection = Projection(viewer, search.catalogue.terms)
    base = str(request.base_url).rstrip("/")
    feed = FeedGenerator()
    feed.id(base + request.url.path)
    feed.title(title)
    feed.link(href=base + request.url.path, rel="self")
    feed.updated(max((rows[m.practice_id].updated_at for m in matches), default=datetime(2000, 1, 1, tzinfo=UTC)))
    for match in reversed(matches):  # feedgen puts each new entry first: add them last to first
        entry = projection.summary(rows[match.practice_id], tags[match.practice_id], host_shown=match.host_shown)
        item = feed.add_entry()
        item.id(f"{base}/practices/{entry.id}")
        item.title(entry.title)
        item.link(href=f"{base}/practices/{entry.id}")
        item.summary(entry.summary)
        updated = rows[match.practice_id].updated_at
        item.updated(updated if updated.tzinfo else updated.replace(tzinfo=UTC))
        if entry.host_state:
            item.author(name=entry.host_state)
    return Response(content=feed.atom_str(pretty=True), media_type=ATOM)


def _topic(search: SearchService, topic: str) -> str:
    term = search.vocabularies["topic"].terms.get(topic)
    if term is None:
        raise NotFound(FEED_NOT_FOUND)
    return term.label


@router.get("/topics/{topic}", include_in_schema=False)
def public_topic_feed(topic: str, request: Request, session: SessionDep, search: SearchDep) -> Response:
    """The public's feed of a topic: public entries only."""
    label = _topic(search, topic)
    return _atom(request, session, search, PUBLIC, title=label, query="", filters=Filters(topic=(topic,)))


@router.get("/{token}/topics/{topic}", include_in_schema=False)
def topic_feed(token: str, topic: str, request: Request, session: SessionDep, search: SearchDep,
               settings: SettingsDep) -> Response:
    """A topic's feed as the token's owner sees it."""
    user = _owner(session, token, settings.session_key())
    label = _topic(search, topic)
    return _atom(request, session, search, viewer_for(session, user), title=label, query="",
                 filters=Filters(topic=(topic,)))


@router.get("/{token}/alerts/{alert_id}", include_in_schema=False)
def alert_feed(token: str, alert_id: str, request: Request, session: SessionDep, search: SearchDep,
               settings: SettingsDep) -> Response:
    """A saved search's feed as its owner sees it now."""
    user = _owner(session, token, settings.session_key())
    try:
        alert = alert_of(session, user, alert_id)
    except NotFound as exc:
        raise NotFound(FEED_NOT_FOUND) from exc
    return _atom(request, session, search, viewer_for(session, user), title=alert.name, query=alert.query,
                 filters=filters_of(alert))
