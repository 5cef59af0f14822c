"""Every surface — search hits, totals, facets, practice API, practice page, related, topic counts — for every
role × scope × attribution × status × own/other state × network membership, against the rule of docs/design.md."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from kb import migrate
from kb.accounts import issue_token, user_by_name
from kb.config import Settings
from kb.db import make_engine
from kb.models import Practice, Role
from tests.conftest import sqlite_settings
from tests.factories import HOST, PEOPLE, Case, Person, build_world, expected_host_shown, expected_visible, writer_for
from tests.fakes import FakeEmbedder
from web.app import create_app

HOST_NAME = f"State {HOST}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, list[Case], dict[str, str]]]:
    settings: Settings = sqlite_settings(Path(tmp_path_factory.mktemp("matrix")))
    engine = make_engine(settings)
    migrate.upgrade(engine)
    cases = build_world(engine)
    embedder = FakeEmbedder()
    with Session(engine) as session, session.begin():
        writer_for(embedder, settings).sync(session, list(session.exec(select(Practice))))
    tokens = {}
    with Session(engine) as session, session.begin():
        for person in PEOPLE[1:]:
            user = user_by_name(session, person.username or "")
            assert user is not None
            tokens[person.username or ""] = issue_token(session, user=user, actor="test")
    with Session(engine) as session:
        public = dict(session.exec(select(Practice.external_id, Practice.public_id)).all())
    cases = [replace(case, external_id=public[case.external_id]) for case in cases]  # viewers see opaque ids
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client, cases, tokens


def headers(person: Person, tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[person.username]}"} if person.username else {}


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.username or "public")
def test_every_surface_obeys_the_rule(world, person: Person) -> None:  # type: ignore[no-untyped-def]
    client, cases, tokens = world
    auth = headers(person, tokens)
    visible = {c.external_id for c in cases if expected_visible(person, c)}
    named = {c.external_id for c in cases if c.external_id in visible and expected_host_shown(person, c)}

    listing = client.get("/api/v1/search", params={"limit": 100}, headers=auth).json()
    assert listing["total"] == len(visible)
    assert {r["id"] for r in listing["results"]} == visible
    assert {r["id"] for r in listing["results"] if r["host_state"] == HOST} == named
    assert listing["facets"]["host_state"].get(HOST, 0) == len(named)
    assert sum(listing["facets"]["kind"].values()) == len(visible)

    exported = client.get("/api/v1/search.json", headers=auth).json()
    assert exported["total"] == len(visible) and {r["id"] for r in exported["results"]} == visible
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/search.csv", headers=auth).text)))
    assert {r["id"] for r in rows} == visible
    assert {r["id"] for r in rows if r["host_state"] == HOST} == named

    searched = client.get("/api/v1/search", params={"q": "Practice insider threat", "limit": 100}, headers=auth)
    assert {r["id"] for r in searched.json()["results"]} <= visible
    filtered = client.get("/api/v1/search", params={"host_state": HOST, "limit": 100}, headers=auth).json()
    assert {r["id"] for r in filtered["results"]} == named

    topics = client.get("/api/v1/topics", headers=auth).json()
    assert topics["total"] == len(visible)
    prevention = next(t for t in topics["vocabularies"]["topic"] if t["id"] == "prevention")
    assert prevention["count"] == len(visible)

    for case in cases:
        api = client.get(f"/api/v1/practices/{case.external_id}", headers=auth)
        page = client.get(f"/practices/{case.external_id}", headers=auth)
        as_csv = client.get(f"/api/v1/practices/{case.external_id}.csv", headers=auth)
        as_json = client.get(f"/api/v1/practices/{case.external_id}.json", headers=auth)
        if case.external_id not in visible:
            assert api.status_code == page.status_code == as_csv.status_code == as_json.status_code == 404, case
            absent = client.get("/practices/NO-SUCH-ID", headers=auth)
            assert page.text.replace(case.external_id, "ID") == absent.text.replace("NO-SUCH-ID", "ID")
            continue
        assert api.status_code == page.status_code == 200, case
        shown = case.external_id in named
        assert (api.json()["host_state"] == HOST) == shown
        assert as_json.json() == api.json(), "the JSON download is the practice as the API shows it"
        [row] = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert (row["host_state"] == HOST) == shown and (HOST_NAME in as_csv.text) is False
        assert (api.json()["authorisations"] is not None) == (person.role in ("curator", "admin")
                                                              or person.state == HOST)
        soup = BeautifulSoup(page.text, "html.parser")
        related_section = soup.select_one("section.related")
        related = [a["href"].rsplit("/", 1)[-1] for a in soup.select('section.related a[href^="/practices/"]')]
        assert set(related) <= visible
        for card in soup.select("section.related li"):
            other = card.select_one("a")["href"].rsplit("/", 1)[-1]  # type: ignore[index]
            assert (HOST_NAME in card.get_text(" ")) == (other in named), other
        if related_section is not None:
            related_section.decompose()  # related entries show their own hosts, by their own attribution
        assert (HOST_NAME in soup.get_text(" ")) == shown, case
        assert (HOST in (soup.title.string or "")) is False


# -- missions, findings and plans: the host's needs never leave it; a plan reaches only its share's audience ----

MISSION = "MIS-XA-2020-IPPAS"


@pytest.fixture(scope="module")
def plan_world(world):  # type: ignore[no-untyped-def]
    """Give the matrix host a mission (a recommendation, a suggestion, a good practice) and a plan of two items,
    the first of which alone is shared with the network the host shares with its members (NSSN)."""
    from kb.mission_records import MissionRecord
    from kb.missions import upsert_mission
    from kb.plan_records import ItemFields
    from kb.plan_shares import share_plan
    from kb.plans import add_item, add_version, ensure_plan
    from kb.viewer import Viewer
    from kb.vocabulary import load_vocabularies

    client, _, _ = world
    engine = client.app.state.engine
    areas = load_vocabularies(Settings().vocabulary_dir)["functional_area"]
    finding = {"domain": ["security"], "sector": ["nuclear_power"], "topic": ["insider_threat"]}
    record = MissionRecord.model_validate({
        "id": MISSION, "host_state": HOST, "type": "ippas", "title": "Mission secret-title", "start_date": "2020-01-06",
        "end_date": "2020-01-10", "status": "report_issued", "scope": ["insider_threat"], "summary": "secret-summary",
        "findings": [{"number": "R-1", "kind": "recommendation", "text": "secret-recommendation", **finding},
                     {"number": "S-1", "kind": "suggestion", "text": "secret-suggestion", **finding},
                     {"number": "GP-1", "kind": "good_practice", "text": "secret-good-practice", **finding}]})
    host = Viewer(user_id=0, username="matrix", role=Role.focal_point, state_code=HOST)
    with Session(engine) as session, session.begin():
        upsert_mission(session, record=record, actor="test", origin="test")
        plan = ensure_plan(session, state_code=HOST, actor="test")
        version = add_version(session, plan=plan, title="Plan", started=date(2021, 1, 1), actor="test")
        items = [add_item(session, viewer=host, version=version, areas=areas, actor="test",
                          fields=ItemFields(functional_area="detection", description=f"item-{n} insider threat",
                                            priority="P2", responsible="Regulator")) for n in ("shared", "kept")]
        share_plan(session, viewer=host, plan=plan, networks=["NSSN"], items=[items[0].id or 0], by="test", via="test")
        ids = [i.id for i in items]
    return client, ids


@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.username or "public")
def test_missions_findings_and_plans_obey_the_rule(world, plan_world, person: Person) -> None:  # type: ignore[no-untyped-def]
    client, item_ids = plan_world
    _, _, tokens = world
    auth = headers(person, tokens)
    secretariat = person.role in (Role.curator, Role.admin)
    host = secretariat or person.state == HOST
    audience = host or person.in_shared_network
    secrets = ("secret-title", "secret-summary", "secret-recommendation", "secret-suggestion", "secret-good-practice")

    mission_api = client.get(f"/api/v1/missions/{MISSION}", headers=auth)
    mission_page = client.get(f"/missions/{MISSION}", headers=auth)
    listing = client.get("/api/v1/missions", headers=auth)
    if person.username is None:
        assert mission_api.status_code == listing.status_code == 401
    elif host:
        assert mission_api.status_code == mission_page.status_code == 200
        assert [f["number"] for f in mission_api.json()["findings"]] == ["R-1", "S-1", "GP-1"]
    else:
        assert mission_api.status_code == mission_page.status_code == 404
        assert not any(s in listing.text for s in secrets)
    plan_api = client.get(f"/api/v1/plans/{HOST}", headers=auth)
    plan_page = client.get(f"/plans/{HOST}", headers=auth)
    csv = client.get(f"/api/v1/plans/{HOST}/export.csv", headers=auth)
    if not audience or person.username is None:
        assert plan_api.status_code in (401, 404) and csv.status_code in (401, 404)
        assert plan_page.status_code in (303, 404) or "item-shared" not in plan_page.text
        return
    seen = [i["id"] for i in plan_api.json()["version"]["items"]]
    assert seen == (item_ids if host else item_ids[:1])
    for text in (plan_api.text, plan_page.text, csv.text):
        assert ("item-kept" in text) == host
        if not host:
            assert not any(s in text for s in secrets)
    assert (plan_api.json()["shares"] is not None) == host
    kept = client.get(f"/api/v1/plans/{HOST}/items/{item_ids[1]}/matches", headers=auth)
    assert (kept.status_code == 200) == host
    needs = client.get("/api/v1/plans/needs", headers=auth).json()
    assert all((c["state_codes"] is not None) == secretariat for c in needs)
