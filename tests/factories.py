"""Factories for the tests: valid records, settings, a passage writer and the matrix world — each made one way."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from index.embedder import Embedder
from index.service import passage_writer
from index.store import PassageWriter
from kb.accounts import save_user
from kb.authorisations import grant, withdraw
from kb.config import Settings
from kb.directory import set_network_states, set_user_networks, upsert_network, upsert_state
from kb.models import Attribution, Practice, Role, Scope, Status
from kb.practices import upsert_practice
from kb.records import PracticeRecord
from tests.oracle import Asker, Entry, sees, sees_host
from tests.settings import TEST_SECRET_KEY


def settings_for(database_url: str, folder: Path, **overrides: Any) -> Settings:
    """Return product settings for a test database, with a session key."""
    return Settings(database_url=database_url, data_dir=folder / "data", secret_key=TEST_SECRET_KEY, **overrides)


def writer_for(embedder: Embedder, settings: Settings | None = None) -> PassageWriter:
    """Return the passage writer the product would use, with this embedder."""
    return passage_writer(settings or Settings(secret_key=TEST_SECRET_KEY), embedder)


def record_data(external_id: str = "T-001", **overrides: Any) -> dict[str, Any]:
    """Return a valid practice record as plain data (what a file or the API carries)."""
    data: dict[str, Any] = {
        "id": external_id, "kind": "good_practice", "title": f"Practice {external_id}",
        "summary": "Two-person rule for access to the central source store.",
        "body": "## What was done\nA second person now accompanies every entry to the store.",
        "host_state": "XA", "source": {"type": "ippas", "year": 2021, "reference": ""},
        "domain": ["security"], "sector": ["radioactive_sources"], "topic": ["insider_threat"],
        "status": "published",
    }
    data.update(overrides)
    return data


def make_record(external_id: str = "T-001", **overrides: Any) -> PracticeRecord:
    """Return a valid practice record."""
    return PracticeRecord.model_validate(record_data(external_id, **overrides))


def public_id_of(session: Session, external_id: str) -> str:
    """Return the opaque id of the practice with this reference (tests know references; viewers do not)."""
    return session.exec(select(Practice.public_id).where(Practice.external_id == external_id)).one()


# -- the matrix world: every status × scope × attribution × in force, hosted by XA, and who looks ------------

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


def asker_of_person(person: Person) -> Asker | None:
    if person.username is None:
        return None
    return Asker(secretariat=person.role in (Role.curator, Role.admin), state=person.state,
                 networks=frozenset({"NSSN"}) if person.in_shared_network else frozenset())


def entry_of_case(case: Case) -> Entry:
    in_force = case.scope is not None and case.in_force
    return Entry(host=HOST, status=str(case.status), scope=str(case.scope) if in_force else None,
                 networks=frozenset({"NSSN"}) if case.scope == Scope.networks else frozenset(),
                 attribution=str(case.attribution) if in_force else None)


def expected_visible(person: Person, case: Case) -> bool:
    """The rule (tests/oracle.py), for one person of the matrix and one case."""
    return sees(asker_of_person(person), entry_of_case(case))


def expected_host_shown(person: Person, case: Case) -> bool:
    return sees_host(asker_of_person(person), entry_of_case(case))


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
                grant(session, practice=practice, scope=Scope.public, by="host", entered_by="test",
                      entered_via="test")
                grant(session, practice=practice, scope=scope, attribution=attribution, by="host", entered_by="test",
                      entered_via="test", network_codes=["NSSN"] if scope == Scope.networks else [])
                if not in_force:
                    withdraw(session, practice=practice, by="host", via="test")
            cases.append(case)
    return cases
