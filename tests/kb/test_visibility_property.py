"""Random worlds of states, networks, users and practices: every data surface obeys the rule of docs/design.md.

Hypothesis builds a world, writes it to a fresh (truncated) SQLite database, and compares `visible_rows`,
`find_visible`, search hits, totals, facets, the host-state filter and related practices with the rule
stated again in plain Python in tests/oracle.py, independently of `kb.visibility`.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import faiss
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from index.catalogue import Catalogue
from index.search import SearchService
from index.service import vocabulary_labels
from index.store import PassageWriter
from kb import migrate
from kb.db import make_engine
from kb.models import (
    Authorisation,
    AuthorisationNetwork,
    Network,
    Practice,
    PracticeTag,
    Role,
    State,
    StateNetwork,
    User,
    UserNetwork,
)
from kb.queries import Filters, find_visible, visible_rows
from kb.viewer import PUBLIC, Viewer, viewer_for
from kb.vocabulary import Vocabulary
from tests import oracle
from tests.conftest import sqlite_settings
from tests.factories import public_id_of, writer_for
from tests.fakes import FakeEmbedder
from tests.oracle import Asker, Entry

settings.register_profile(
    "visibility-worlds",
    max_examples=1000 if os.environ.get("KB_TEST_WORLDS") is None else int(os.environ["KB_TEST_WORLDS"]),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WORLDS = settings.get_profile("visibility-worlds")

STATES = ("XA", "XB", "XC", "XD")
NETWORKS = ("N1", "N2", "N3")
WORDS = ("fence", "badge", "escort", "vault", "drill", "cyber", "culture", "convoy")
DOMAINS = ("safety", "security")
SECTORS = ("nuclear_power", "transport", "aviation")
TOPICS = ("insider_threat", "physical_protection", "security_culture")
T0 = datetime(2020, 1, 1, tzinfo=UTC)
# Weighted towards the cases where a leak could happen: published, shared, seen from another state.
ROLES = ("reader", "focal_point", "reader", "focal_point", "curator", "admin")
STATUSES = ("published", "published", "pending", "draft", "withdrawn")
# Tables emptied between worlds, children first (the audit log is never written here: it is append-only).
TABLES = ("passage", "authorisation_network", "authorisation", "practice_tag", "practice", "user_network",
          "api_token", "user_session", "user", "state_network", "network", "state", "change_log")


# -- the world, and the rule stated independently ------------------------------------------------


@dataclass(frozen=True)
class Decision:
    scope: str
    networks: frozenset[str]
    attribution: str
    withdrawn: bool


@dataclass(frozen=True)
class PracticeSpec:
    host: str
    status: str
    kind: str
    year: int
    words: tuple[str, ...]
    domain: frozenset[str]
    sector: frozenset[str]
    topic: frozenset[str]
    history: tuple[Decision, ...]

    def in_force(self) -> Decision | None:
        """The newest decision, unless withdrawn: every grant supersedes the one in force before it."""
        if not self.history or self.history[-1].withdrawn:
            return None
        return self.history[-1]


@dataclass(frozen=True)
class UserSpec:
    role: str
    state: str | None
    direct: frozenset[str]
    active: bool


@dataclass(frozen=True)
class World:
    states: tuple[str, ...]
    participants: dict[str, frozenset[str]]
    users: tuple[UserSpec, ...]
    practices: tuple[PracticeSpec, ...]


def member_of(world: World, user: UserSpec) -> set[str]:
    through_state = {code for code, states in world.participants.items() if user.state in states}
    return through_state | set(user.direct)


def asker(world: World, user: UserSpec | None) -> Asker | None:
    """The user as the oracle sees them (an inactive user is the public)."""
    if user is None or not user.active:
        return None
    return Asker(secretariat=user.role in ("curator", "admin"), state=user.state,
                 networks=frozenset(member_of(world, user)))


def entry(practice: PracticeSpec) -> Entry:
    decision = practice.in_force()
    return Entry(host=practice.host, status=practice.status, scope=decision.scope if decision else None,
                 networks=decision.networks if decision else frozenset(),
                 attribution=decision.attribution if decision else None)


def sees(world: World, user: UserSpec | None, practice: PracticeSpec) -> bool:
    return oracle.sees(asker(world, user), entry(practice))


def sees_host(world: World, user: UserSpec | None, practice: PracticeSpec) -> bool:
    return oracle.sees_host(asker(world, user), entry(practice))


# -- strategies -----------------------------------------------------------------------------------

decisions = st.builds(
    Decision,
    scope=st.sampled_from(("public", "networks", "host_only")),
    networks=st.frozensets(st.sampled_from(NETWORKS), min_size=1, max_size=2),
    attribution=st.sampled_from(("named", "anonymous")),
    withdrawn=st.sampled_from((False, False, True)),
).map(lambda d: d if d.scope == "networks" else Decision(d.scope, frozenset(), d.attribution, d.withdrawn))


@st.composite
def worlds(draw: st.DrawFn) -> World:
    states = tuple(draw(st.lists(st.sampled_from(STATES), min_size=2, max_size=4, unique=True)))
    networks = draw(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=3, unique=True))
    participants = {code: draw(st.frozensets(st.sampled_from(states))) for code in networks}
    member_networks = st.frozensets(st.sampled_from(networks)) if networks else st.just(frozenset())
    users = []
    for _ in range(draw(st.integers(1, 5))):
        role = draw(st.sampled_from(ROLES))
        secretariat = role in ("curator", "admin")
        state = draw(st.one_of(st.none(), st.sampled_from(states)) if secretariat else st.sampled_from(states))
        users.append(UserSpec(role, state, draw(member_networks), draw(st.booleans() | st.just(True))))
    practices = []
    for _ in range(draw(st.integers(1, 7))):
        history = draw(st.lists(decisions, max_size=3))  # empty: never authorised
        history = [d for d in history if d.networks <= set(networks)]
        practices.append(PracticeSpec(
            host=draw(st.sampled_from(states)),
            status=draw(st.sampled_from(STATUSES)),
            kind=draw(st.sampled_from(("good_practice", "country_practice"))),
            year=draw(st.integers(2015, 2018)),
            words=tuple(draw(st.lists(st.sampled_from(WORDS), min_size=2, max_size=4))),
            domain=draw(st.frozensets(st.sampled_from(DOMAINS), min_size=1)),
            sector=draw(st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=2)),
            topic=draw(st.frozensets(st.sampled_from(TOPICS), min_size=1, max_size=2)),
            history=tuple(history),
        ))
    return World(states, participants, tuple(users), tuple(practices))


# -- writing a world ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    """One migrated SQLite database, emptied for each world; FAISS on one thread (tiny indexes, many calls)."""
    folder = tmp_path_factory.mktemp("worlds")
    settings_ = sqlite_settings(folder)
    engine = make_engine(settings_)
    migrate.upgrade(engine)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield engine, settings_.data_dir
    finally:
        faiss.omp_set_num_threads(threads)
        engine.dispose()


def write_world(engine: Engine, writer: PassageWriter, world: World) -> tuple[list[int | None], list[int]]:
    """Replace the database's contents with the world; return user ids and practice ids in world order."""
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f'DELETE FROM "{table}"'))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        session.add_all(State(code=code, name=f"State {code}") for code in world.states)
        networks = {code: Network(code=code, name=f"Network {code}") for code in world.participants}
        session.add_all(networks.values())
        session.flush()
        session.add_all(StateNetwork(state_code=s, network_id=networks[code].id or 0)
                        for code, states in world.participants.items() for s in states)
        users = [User(username=f"user{i}", role=Role(u.role), state_code=u.state, is_active=u.active)
                 for i, u in enumerate(world.users)]
        session.add_all(users)
        session.flush()
        session.add_all(UserNetwork(user_id=user.id or 0, network_id=networks[code].id or 0)
                        for user, spec in zip(users, world.users, strict=True) for code in spec.direct)
        practices = []
        for i, spec in enumerate(world.practices):
            words = " ".join(spec.words)
            practice = Practice(external_id=f"P-{i}", kind=spec.kind, title=f"{words} practice {i}",
                                summary=f"About {words}.", body=f"The {words} story.", host_state_code=spec.host,
                                source_type="ippas", source_year=spec.year, status=spec.status)
            session.add(practice)
            session.flush()
            practices.append(practice)
            for vocabulary in ("domain", "sector", "topic"):
                session.add_all(PracticeTag(practice_id=practice.id or 0, vocabulary=vocabulary, term=term)
                                for term in getattr(spec, vocabulary))
            for step, decision in enumerate(spec.history):
                granted = T0 + timedelta(days=step)
                last = step == len(spec.history) - 1
                authorisation = Authorisation(
                    practice_id=practice.id or 0, scope=decision.scope, attribution=decision.attribution,
                    granted_by="host", granted_at=granted,
                    withdrawn_at=granted + timedelta(hours=1) if decision.withdrawn else None,
                    superseded_at=None if last or decision.withdrawn else granted + timedelta(days=1),
                )
                session.add(authorisation)
                session.flush()
                session.add_all(AuthorisationNetwork(authorisation_id=authorisation.id or 0,
                                                     network_id=networks[code].id or 0)
                                for code in decision.networks)
        session.flush()
        writer.sync(session, practices)
    return [u.id for u in users], [p.id or 0 for p in practices]


def new_search(engine: Engine, data_dir: Path, writer: PassageWriter, vocabularies: dict[str, Vocabulary]
               ) -> SearchService:
    shutil.rmtree(data_dir, ignore_errors=True)
    embedder = writer.embedder
    catalogue = Catalogue(embedder=embedder, data_dir=data_dir, vocabulary_labels=vocabulary_labels(vocabularies),
                          terms=writer.terms)
    with Session(engine) as session:
        catalogue.load(session)
    return SearchService(catalogue=catalogue, embedder=embedder, vocabularies=vocabularies, writer=writer,
                         min_similarity=0.1)


# -- the checks -----------------------------------------------------------------------------------


def expected_facets(world: World, user: UserSpec | None, indexes: list[int]) -> dict[str, dict[str, int]]:
    counters: dict[str, Counter[str]] = {name: Counter() for name in ("kind", "domain", "sector", "topic",
                                                                       "host_state", "year")}
    for i in indexes:
        spec = world.practices[i]
        counters["kind"][spec.kind] += 1
        counters["year"][str(spec.year)] += 1
        for name in ("domain", "sector", "topic"):
            counters[name].update(getattr(spec, name))
        if sees_host(world, user, spec):
            counters["host_state"][spec.host] += 1
    return {name: dict(counter) for name, counter in counters.items()}


def check_viewer(session: Session, search: SearchService, vocabularies: dict[str, Vocabulary], world: World,
                 user: UserSpec | None, viewer: Viewer, pids: list[int], query: str, host_filter: str) -> None:
    index_of = {pid: i for i, pid in enumerate(pids)}
    visible = {pids[i] for i, spec in enumerate(world.practices) if sees(world, user, spec)}
    shown = {pid for pid in visible if sees_host(world, user, world.practices[index_of[pid]])}

    rows = visible_rows(session, viewer, Filters(), vocabularies)
    assert {pid for pid, _ in rows} == visible
    assert {pid for pid, flag in rows if flag} == shown

    for i, pid in enumerate(pids):
        found = find_visible(session, viewer, public_id=public_id_of(session, f"P-{i}"))
        assert (found is not None) == (pid in visible)
        if found is not None:
            assert found[1] == (pid in shown)

    browse = search.search(session, viewer, "", limit=100)
    assert browse.total == len(visible)
    assert {hit.practice_id for hit in browse.hits} == visible
    assert all(hit.host_shown == (hit.practice_id in shown) for hit in browse.hits)
    assert browse.facets == expected_facets(world, user, sorted(index_of[pid] for pid in visible))

    found_by_query = search.search(session, viewer, query, limit=100)
    hit_ids = [hit.practice_id for hit in found_by_query.hits]
    assert set(hit_ids) <= visible
    assert found_by_query.total == len(hit_ids)
    assert all(hit.host_shown == (hit.practice_id in shown) for hit in found_by_query.hits)
    assert found_by_query.facets == expected_facets(world, user, [index_of[pid] for pid in hit_ids])

    wanted = {pid for pid in shown if world.practices[index_of[pid]].host == host_filter}
    filtered = Filters(host_state=(host_filter,))
    assert {pid for pid, _ in visible_rows(session, viewer, filtered, vocabularies)} == wanted
    by_host = search.search(session, viewer, "", filtered, limit=100)
    assert by_host.total == len(wanted), "filtering by host never reveals an anonymised host"
    # a ticked facet keeps its other values listed, counted over the viewer's matches of the other filters (none
    # here): every shown host with its count, and never a host the viewer may not see
    assert by_host.facets["host_state"] == dict(Counter(world.practices[index_of[pid]].host for pid in shown))

    for pid in pids:
        related = search.related(session, viewer, pid, limit=10)
        assert {hit.practice_id for hit in related} <= visible - {pid}
        assert all(hit.host_shown == (hit.practice_id in shown) for hit in related)


@WORLDS
@given(world=worlds(), query_word=st.sampled_from(WORDS), host_filter=st.sampled_from(STATES))
def check_random_worlds(world_engine: tuple[Engine, Path], vocabularies: dict[str, Vocabulary], checked: list[int],
                        world: World, query_word: str, host_filter: str) -> None:
    """Write one world and check every surface for the public and for each of its users."""
    engine, data_dir = world_engine
    writer = writer_for(FakeEmbedder())
    user_ids, pids = write_world(engine, writer, world)
    search = new_search(engine, data_dir, writer, vocabularies)
    with Session(engine) as session:
        check_viewer(session, search, vocabularies, world, None, PUBLIC, pids, query_word, host_filter)
        for spec, user_id in zip(world.users, user_ids, strict=True):
            viewer = viewer_for(session, session.get(User, user_id))
            check_viewer(session, search, vocabularies, world, spec, viewer, pids, query_word, host_filter)
    checked.append(len(pids))


def test_every_surface_obeys_the_rule_in_a_thousand_random_worlds(
    world_engine: tuple[Engine, Path], vocabularies: dict[str, Vocabulary]
) -> None:
    checked: list[int] = []
    check_random_worlds(world_engine, vocabularies, checked)
    assert len(checked) >= 1000, f"only {len(checked)} worlds checked"


# -- missions, findings and plans in random worlds ------------------------------------------------------------

PLAN_STATES = ["XA", "XB", "XC"]
PLAN_NETWORKS = ["N1", "N2"]
PROVIDERS = ["P1", "P2"]


@dataclass(frozen=True)
class PlanUser:
    role: Role
    state: str | None
    networks: frozenset[str]
    providers: frozenset[str]


@dataclass(frozen=True)
class ShareStep:
    state: str
    withdraw: bool
    networks: frozenset[str]
    providers: frozenset[str]
    items: frozenset[int] | None  # positions of the state's items


@dataclass(frozen=True)
class PlanWorld:
    memberships: dict[str, frozenset[str]]
    users: list[PlanUser]
    items_per_state: dict[str, int]
    steps: list[ShareStep]


@st.composite
def plan_users(draw: st.DrawFn) -> PlanUser:
    role = draw(st.sampled_from([Role.reader, Role.focal_point, Role.curator, Role.provider]))
    state = draw(st.sampled_from(PLAN_STATES)) if role in (Role.reader, Role.focal_point) else None
    subset = st.frozensets(st.sampled_from(PLAN_NETWORKS))
    providers = draw(st.frozensets(st.sampled_from(PROVIDERS), min_size=1)) if role == Role.provider else frozenset()
    return PlanUser(role, state, draw(subset), providers)


@st.composite
def plan_worlds(draw: st.DrawFn) -> PlanWorld:
    memberships = {s: draw(st.frozensets(st.sampled_from(PLAN_NETWORKS))) for s in PLAN_STATES}
    counts = {s: draw(st.integers(1, 3)) for s in PLAN_STATES}
    steps = []
    for _ in range(draw(st.integers(0, 4))):
        state = draw(st.sampled_from(PLAN_STATES))
        networks = draw(st.frozensets(st.sampled_from(PLAN_NETWORKS)))
        providers = draw(st.frozensets(st.sampled_from(PROVIDERS), min_size=0 if networks else 1))
        chosen = draw(st.none() | st.frozensets(st.integers(0, counts[state] - 1), min_size=1))
        steps.append(ShareStep(state, draw(st.booleans()), networks, providers, chosen))
    return PlanWorld(memberships, draw(st.lists(plan_users(), min_size=1, max_size=5)), counts, steps)


def _write_plan_world(engine: Engine, world: PlanWorld) -> tuple[dict[str, list[int]], list[Viewer]]:
    from kb.errors import InvalidInput
    from kb.mission_records import MissionRecord
    from kb.missions import upsert_mission
    from kb.models import Plan, PlanItem, PlanVersion, Priority, Provider, ProviderUser
    from kb.plan_shares import share_plan, withdraw_share

    tags = {"domain": ["security"], "sector": ["nuclear_power"], "topic": ["insider_threat"]}
    items: dict[str, list[int]] = {}
    with Session(engine) as session, session.begin():
        networks = {code: Network(code=code, name=code) for code in PLAN_NETWORKS}
        providers = {code: Provider(code=code, name=code) for code in PROVIDERS}
        session.add_all([*networks.values(), *providers.values()])
        for state in PLAN_STATES:
            session.add(State(code=state, name=f"State {state}"))
        session.flush()
        for state, codes in world.memberships.items():
            session.add_all([StateNetwork(state_code=state, network_id=networks[c].id or 0) for c in codes])
        for state in PLAN_STATES:
            upsert_mission(session, actor="t", origin="t", record=MissionRecord.model_validate({
                "id": f"M-{state}", "host_state": state, "type": "ippas", "title": "t", "start_date": "2020-01-01",
                "end_date": "2020-01-02", "status": "closed", "scope": ["insider_threat"], "summary": "s",
                "findings": [{"number": n, "kind": k, "text": "x", **tags} for n, k in
                             (("R-1", "recommendation"), ("S-1", "suggestion"), ("GP-1", "good_practice"))]}))
            plan = Plan(state_code=state)
            session.add(plan)
            session.flush()
            version = PlanVersion(plan_id=plan.id or 0, version=1, title="v", started=datetime(2021, 1, 1).date())
            session.add(version)
            session.flush()
            rows = [PlanItem(version_id=version.id or 0, position=n, functional_area="detection", description="d",
                             priority=Priority.P2, responsible="r") for n in range(world.items_per_state[state])]
            session.add_all(rows)
            session.flush()
            items[state] = [r.id or 0 for r in rows]
        viewers = []
        for n, spec in enumerate(world.users):
            user = User(username=f"u{n}", role=spec.role, state_code=spec.state)
            session.add(user)
            session.flush()
            session.add_all([UserNetwork(user_id=user.id or 0, network_id=networks[c].id or 0) for c in spec.networks])
            session.add_all([ProviderUser(user_id=user.id or 0, provider_id=providers[c].id or 0)
                             for c in spec.providers])
            session.flush()
            viewers.append(viewer_for(session, user))
        for step in world.steps:
            plan = session.exec(select_plan(step.state)).one()
            focal = Viewer(user_id=0, username="f", role=Role.focal_point, state_code=step.state)
            try:
                if step.withdraw:
                    withdraw_share(session, viewer=focal, plan=plan, by="f", via="t")
                else:
                    chosen = None if step.items is None else [items[step.state][i] for i in sorted(step.items)]
                    share_plan(session, viewer=focal, plan=plan, networks=sorted(step.networks),
                               providers=sorted(step.providers), items=chosen, by="f", via="t")
            except InvalidInput:  # withdrawing when nothing is shared
                pass
    return items, viewers


def select_plan(state: str):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from kb.models import Plan

    return select(Plan).where(Plan.state_code == state)


def _expected_shares(world: PlanWorld, items: dict[str, list[int]]) -> dict[str, oracle.ShareInForce | None]:
    current: dict[str, oracle.ShareInForce | None] = dict.fromkeys(PLAN_STATES)
    for step in world.steps:
        if step.withdraw:
            current[step.state] = None
        else:
            chosen = None if step.items is None else frozenset(items[step.state][i] for i in step.items)
            current[step.state] = oracle.ShareInForce(step.networks, step.providers, chosen)
    return current


@settings(max_examples=WORLDS.max_examples, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(world=plan_worlds())
def test_missions_findings_and_plans_obey_the_rule_in_random_worlds(world: PlanWorld) -> None:
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel, col, select

    from kb.models import Finding, Mission, PlanItem
    from kb.visibility import findings_visible_to, missions_visible_to, plan_items_visible_to

    engine = create_engine("sqlite://")
    SQLModel.metadata.create_all(engine)
    items, viewers = _write_plan_world(engine, world)
    shares = _expected_shares(world, items)
    owner = {i: state for state, ids in items.items() for i in ids}
    with Session(engine) as session:
        for who in [PUBLIC, *viewers]:
            asker = oracle.asker_of(session, who)
            missions = set(session.exec(select(Mission.host_state_code).where(missions_visible_to(who))))
            assert missions == {s for s in PLAN_STATES if oracle.sees_mission(asker, s)}
            findings = session.exec(select(Finding, Mission.host_state_code).join(
                Mission, col(Mission.id) == col(Finding.mission_id)).where(findings_visible_to(who))).all()
            assert {h for _, h in findings} == missions and len(findings) == 3 * len(missions)
            providers = frozenset(world.users[viewers.index(who)].providers) if who in viewers else frozenset()
            seen = set(session.exec(select(PlanItem.id).where(plan_items_visible_to(who))))
            plan_asker = oracle.PlanAsker(asker, providers)
            assert seen == {i for i, s in owner.items() if oracle.sees_plan_item(plan_asker, s, shares[s], i)}
    engine.dispose()
