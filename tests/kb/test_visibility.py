"""The visibility rule over every role × scope × attribution × status × own/other state × network membership."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.accounts import save_user, user_by_name
from kb.authorisations import grant, withdraw
from kb.directory import set_network_states, set_user_networks, upsert_network, upsert_state
from kb.models import Attribution, Practice, Role, Scope, Status
from kb.practices import upsert_practice
from kb.queries import Filters, find_visible, visible_rows
from kb.records import PracticeRecord
from kb.viewer import PUBLIC, Viewer, viewer_for

STATUSES = list(Status)
SCOPES: list[Scope | None] = [None, Scope.host_only, Scope.networks, Scope.public]
ATTRIBUTIONS = list(Attribution)
IN_FORCE = [True, False]
HOST = "XA"


@dataclass(frozen=True)
class Case:
    external_id: str
    status: Status
    scope: Scope | None
    attribution: Attribution
    in_force: bool


@dataclass(frozen=True)
class Person:
    username: str | None
    role: Role | None
    state: str | None
    in_shared_network: bool


# XA hosts everything and is in NSSN with XB; XC is in CSSN only; a XC expert is admitted to NSSN directly.
PEOPLE = [
    Person(None, None, None, False),
    *[Person(f"{role.value}.own", role, HOST, True) for role in (Role.reader, Role.focal_point)],
    *[Person(f"{role.value}.member", role, "XB", True) for role in (Role.reader, Role.focal_point)],
    *[Person(f"{role.value}.outsider", role, "XC", False) for role in (Role.reader, Role.focal_point)],
    Person("reader.direct", Role.reader, "XC", True),
    Person("curator", Role.curator, None, False),
    Person("admin", Role.admin, None, False),
]


def expected_visible(person: Person, case: Case) -> bool:
    """The rule of DESIGN.md, written independently of the code under test."""
    if person.role in (Role.curator, Role.admin):
        return True
    if person.state == HOST:
        return True
    if case.status != Status.published or case.scope is None or not case.in_force:
        return False
    return case.scope == Scope.public or (case.scope == Scope.networks and person.in_shared_network)


def expected_host_shown(person: Person, case: Case) -> bool:
    if person.role in (Role.curator, Role.admin) or person.state == HOST:
        return True
    return case.scope is not None and case.in_force and case.attribution == Attribution.named


def _record(external_id: str, status: Status) -> PracticeRecord:
    return PracticeRecord.model_validate({
        "id": external_id, "kind": "good_practice", "title": f"Practice {external_id}",
        "summary": "A summary.", "host_state": HOST, "source": {"type": "ippas", "year": 2020},
        "domain": ["security"], "sector": ["nuclear_power"], "topic": ["insider_threat"], "status": status,
    })


def build_world(engine: Engine) -> list[Case]:
    cases = []
    with Session(engine) as session, session.begin():
        for code in ("XA", "XB", "XC"):
            upsert_state(session, code=code, name=f"State {code}", actor="test")
        nssn = upsert_network(session, code="NSSN", name="Nuclear network", actor="test")
        cssn = upsert_network(session, code="CSSN", name="Chemical network", actor="test")
        set_network_states(session, network=nssn, states=["XA", "XB"], actor="test")
        set_network_states(session, network=cssn, states=["XC"], actor="test")
        for person in PEOPLE[1:]:
            user = save_user(session, username=person.username or "", role=person.role or Role.reader,
                             state_code=person.state, actor="test")
            if person.username == "reader.direct":
                set_user_networks(session, user=user, codes=["NSSN"], actor="test")
        for number, (status, scope, attribution, in_force) in enumerate(
            itertools.product(STATUSES, SCOPES, ATTRIBUTIONS, IN_FORCE)
        ):
            if scope is None and (attribution != Attribution.named or not in_force):
                continue
            case = Case(f"P-{number:03d}", status, scope, attribution, in_force)
            _, practice = upsert_practice(session, record=_record(case.external_id, status), actor="test")
            if scope is not None:
                # an earlier, wider decision that was superseded must not count
                grant(session, practice=practice, scope=Scope.public, by="host", actor="test")
                grant(session, practice=practice, scope=scope, attribution=attribution, by="host", actor="test",
                      network_codes=["NSSN"] if scope == Scope.networks else [])
                if not in_force:
                    withdraw(session, practice=practice, by="host")
            cases.append(case)
    return cases


def viewer_of(session: Session, person: Person) -> Viewer:
    if person.username is None:
        return PUBLIC
    return viewer_for(session, user_by_name(session, person.username))


def test_every_role_scope_attribution_status_and_membership_follows_the_rule(engine: Engine) -> None:
    cases = build_world(engine)
    assert len(cases) == len(STATUSES) * (1 + 3 * 2 * 2)
    with Session(engine) as session:
        ids = {case.external_id: case for case in cases}
        for person in PEOPLE:
            viewer = viewer_of(session, person)
            rows = visible_rows(session, viewer, Filters(), {})
            external = {p.id: p.external_id for p in session.exec(select(Practice))}
            seen = {external[pid]: shown for pid, shown in rows}
            for external_id, case in ids.items():
                want = expected_visible(person, case)
                assert (external_id in seen) == want, (person, case)
                found = find_visible(session, viewer, external_id=external_id)
                assert (found is not None) == want, (person, case)
                if want:
                    assert seen[external_id] == expected_host_shown(person, case), (person, case)
                    assert found is not None and found[1] == seen[external_id]


def test_nothing_is_shared_without_an_authorisation(engine: Engine) -> None:
    cases = {case.external_id: case for case in build_world(engine)}
    with Session(engine) as session:
        outsider = viewer_of(session, PEOPLE[5])
        for status in Status:
            index = STATUSES.index(status) * len(SCOPES) * len(ATTRIBUTIONS) * len(IN_FORCE)
            assert cases[f"P-{index:03d}"].scope is None
            assert find_visible(session, outsider, external_id=f"P-{index:03d}") is None


@pytest.mark.parametrize("code", ["XB", "XC"])
def test_filtering_by_host_never_reveals_an_anonymised_host(engine: Engine, code: str) -> None:
    build_world(engine)
    with Session(engine) as session:
        member = viewer_of(session, PEOPLE[3])
        everything = visible_rows(session, member, Filters(), {})
        by_host = visible_rows(session, member, Filters(host_state=(HOST,)), {})
        assert {pid for pid, _ in by_host} == {pid for pid, shown in everything if shown}
        assert all(shown for _, shown in by_host)
        assert visible_rows(session, member, Filters(host_state=(code,)), {}) == []
