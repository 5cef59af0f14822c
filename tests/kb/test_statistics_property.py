"""Random worlds: every statistics table obeys disclosure control for every viewer, checked against the oracle.

The worlds, their writing and the rule come from the visibility property test (tests/kb/test_visibility_property.py
and tests/oracle.py); the classification and the filters are stated again here in plain Python. For each viewer and
a sample of tables: every counted cell has at least k states (true hosts) and passes the share rule, its count is
the true visible count, totals add up the counted cells, and no suppressed cell's count is a linear combination of
the numbers published by that table and a table with one filter or one dimension more or less, nor of everything
published to that viewer in the world (every table drawn, taken together: the tracker attack).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb import migrate
from kb.db import make_engine
from kb.disclosure import Rule
from kb.models import User
from kb.queries import Filters
from kb.statistics import StatTable, statistics_table
from kb.viewer import PUBLIC, Viewer, viewer_for
from kb.vocabulary import Vocabulary
from tests.conftest import sqlite_settings
from tests.factories import writer_for
from tests.fakes import FakeEmbedder
from tests.kb.test_visibility_property import (
    DOMAINS,
    SECTORS,
    TOPICS,
    Decision,
    PracticeSpec,
    UserSpec,
    World,
    sees,
    worlds,
    write_world,
)

# Fewer worlds than the visibility test (each world checks many tables); KB_TEST_WORLDS overrides, as there.
WORLD_COUNT = int(os.environ.get("KB_TEST_WORLDS", "200"))
WORLDS = settings(settings.get_profile("visibility-worlds"), max_examples=WORLD_COUNT)
DIMENSIONS = ("topic_group", "topic", "sector", "domain", "kind", "source_type", "year", "functional_area")
YEARS = (2015, 2016, 2017, 2018)
KINDS = ("good_practice", "country_practice")
MORE_STATES = ("XE", "XF", "XG", "XH")  # in no network: they host shared practices only

shared = st.builds(Decision, scope=st.just("public"), networks=st.just(frozenset()),
                   attribution=st.sampled_from(("named", "named", "anonymous")), withdrawn=st.just(False))


@st.composite
def busy_worlds(draw: st.DrawFn) -> World:
    """A world of the visibility test with more states and practices, most shared, so that cells reach k states."""
    world = draw(worlds())
    states = world.states + tuple(draw(st.lists(st.sampled_from(MORE_STATES), max_size=4, unique=True)))
    extra = [PracticeSpec(host=draw(st.sampled_from(states)), status="published",
                          kind=draw(st.sampled_from(KINDS)), year=draw(st.sampled_from(YEARS)), words=("drill",),
                          domain=draw(st.frozensets(st.sampled_from(DOMAINS), min_size=1)),
                          sector=draw(st.frozensets(st.sampled_from(SECTORS), min_size=1, max_size=2)),
                          topic=draw(st.frozensets(st.sampled_from(TOPICS), min_size=1, max_size=2)),
                          history=(draw(shared),))
             for _ in range(draw(st.integers(10, 40)))]
    return replace(world, states=states, practices=world.practices + tuple(extra))


def filter_moves(filters: Filters, vocabularies: dict[str, Vocabulary]) -> list[Filters]:
    """Return the filters with one filter more or one less."""
    moves: list[Filters] = []
    for name, values in (("domain", DOMAINS), ("sector", SECTORS), ("topic", (*TOPICS, "prevention")),
                         ("kind", KINDS)):
        present: tuple[str, ...] = getattr(filters, name)
        for value in values:
            changed = tuple(v for v in present if v != value) if value in present else (*present, value)
            moves.append(replace(filters, **{name: changed}))
    for name in ("year_from", "year_to"):
        if getattr(filters, name) is not None:
            moves.append(replace(filters, **{name: None}))
        else:
            moves.extend(replace(filters, **{name: year}) for year in YEARS)
    return [m for m in moves if m.year_from is None or m.year_to is None or m.year_from <= m.year_to]


# -- the classification and the filters, stated again --------------------------------------------


def values_of(spec: PracticeSpec, dimension: str, topic: Vocabulary) -> set[str]:
    if dimension == "topic_group":
        return {topic.terms[t].parent or t for t in spec.topic}
    if dimension in ("topic", "sector", "domain"):
        return set(getattr(spec, dimension))
    if dimension == "source_type":
        return {"ippas"}
    if dimension == "functional_area":
        return set()  # the worlds hold no mission findings
    return {spec.kind} if dimension == "kind" else {str(spec.year)}


def matches(spec: PracticeSpec, filters: Filters, topic: Vocabulary) -> bool:
    wanted_topics = {t for f in filters.topic for t in topic.with_descendants(f)}
    return ((not filters.domain or bool(spec.domain & set(filters.domain)))
            and (not filters.sector or bool(spec.sector & set(filters.sector)))
            and (not filters.topic or bool(spec.topic & wanted_topics))
            and (not filters.kind or spec.kind in filters.kind)
            and (filters.year_from is None or spec.year >= filters.year_from)
            and (filters.year_to is None or spec.year <= filters.year_to))


Key = tuple[str, str | None]


def members(world: World, user: UserSpec | None, table: StatTable, filters: Filters, topic: Vocabulary
            ) -> dict[Key, list[int]]:
    """Return the true members (world indexes) of every listed cell, through the oracle's rule."""
    visible = [i for i, spec in enumerate(world.practices) if sees(world, user, spec) and matches(spec, filters, topic)]
    found: dict[Key, list[int]] = {}
    for cell in table.cells:
        found[(cell.row, cell.column)] = [
            i for i in visible if cell.row in values_of(world.practices[i], table.row_dimension, topic)
            and (table.column_dimension is None or cell.column is None
                 or cell.column in values_of(world.practices[i], table.column_dimension, topic))]
    return found


# -- the checks -------------------------------------------------------------------------------------


def check_table(world: World, user: UserSpec | None, table: StatTable, filters: Filters, topic: Vocabulary,
                rule: Rule) -> dict[Key, list[int]]:
    cells = members(world, user, table, filters, topic)
    for cell in table.cells:
        truth = cells[(cell.row, cell.column)]
        hosts = Counter(world.practices[i].host for i in truth)
        if table.exact:
            assert cell.count == len(truth) and cell.states == len(hosts) and not cell.suppressed
            continue
        assert cell.states is None, "only the secretariat learns how many states a cell has"
        assert cell.suppressed == (cell.count is None)
        if not cell.suppressed:
            assert cell.count == len(truth)
            assert len(hosts) >= rule.min_states, f"cell {cell} has {len(hosts)} states"
            assert max(hosts.values()) * 100 <= rule.max_share * len(truth), f"one state dominates {cell}"
    assert table.total == sum(c.count or 0 for c in table.cells)
    for row in table.rows:
        assert table.row_totals[row.id] == sum(c.count or 0 for c in table.cells if c.row == row.id)
    for column in table.columns:
        assert table.column_totals[column.id] == sum(c.count or 0 for c in table.cells if c.column == column.id)
    if not table.exact and table.row_dimension == "year":
        assert all(any(not c.suppressed for c in table.cells if c.row == r.id) for r in table.rows)
    return cells


def published(table: StatTable, cells: dict[Key, list[int]]) -> tuple[list[set[int]], list[set[int]]]:
    """Return the member sets whose counts a reader learns (cells and totals), and the suppressed non-empty ones."""
    shown = [set(cells[(c.row, c.column)]) for c in table.cells if not c.suppressed]
    hidden = [set(cells[(c.row, c.column)]) for c in table.cells if c.suppressed and cells[(c.row, c.column)]]
    return shown, hidden


def derivable(known: list[set[int]], secret: set[int]) -> bool:
    """Tell whether a secret set's count is a linear combination of known counts (over the practices' atoms)."""
    if not known:
        return False
    signatures = list(dict.fromkeys(tuple(i in s for s in (*known, secret))
                                    for i in sorted(set().union(secret, *known))))
    matrix = np.array([[key[k] for key in signatures] for k in range(len(known))], dtype=float)
    target = np.array([[key[-1] for key in signatures]], dtype=float)
    return bool(np.linalg.matrix_rank(np.vstack([matrix, target])) == np.linalg.matrix_rank(matrix))


def check_viewer(session: Session, world: World, user: UserSpec | None, viewer: Viewer,
                 vocabularies: dict[str, Vocabulary], rule: Rule, data: st.DataObject, counted: list[int]) -> None:
    topic = vocabularies["topic"]
    everything_shown: list[set[int]] = []
    everything_hidden: list[set[int]] = []
    for _ in range(2):
        rows = data.draw(st.sampled_from(DIMENSIONS))
        columns = data.draw(st.sampled_from((None, *(d for d in DIMENSIONS if d != rows))))
        filters = data.draw(st.sampled_from([Filters(), *filter_moves(Filters(), vocabularies)]))

        def table_of(rows_: str, columns_: str | None, filters_: Filters) -> tuple[StatTable, dict[Key, list[int]]]:
            table = statistics_table(session, viewer, rows=rows_, columns=columns_, filters=filters_,
                                     vocabularies=vocabularies, rule=rule)
            return table, check_table(world, user, table, filters_, topic, rule)

        table, cells = table_of(rows, columns, filters)
        if table.exact:
            preview = statistics_table(session, viewer, rows=rows, columns=columns, filters=filters,
                                       vocabularies=vocabularies, rule=rule, preview=True)
            assert preview == statistics_table(session, PUBLIC, rows=rows, columns=columns, filters=filters,
                                               vocabularies=vocabularies, rule=rule)
            continue
        shown, hidden = published(table, cells)
        counted.append(len(shown))
        for secret in hidden:
            assert not derivable(shown, secret), f"{table} gives away a suppressed cell"
        neighbours = [(rows, columns, f) for f in data.draw(st.lists(
            st.sampled_from(filter_moves(filters, vocabularies)), min_size=1, max_size=3, unique=True))]
        neighbours += [(rows, None, filters)] if columns else [
            (rows, data.draw(st.sampled_from([d for d in DIMENSIONS if d != rows])), filters)]
        everything_shown += shown
        everything_hidden += hidden
        for rows_, columns_, filters_ in neighbours:
            other, other_cells = table_of(rows_, columns_, filters_)
            more_shown, more_hidden = published(other, other_cells)
            for secret in hidden + more_hidden:
                assert not derivable(shown + more_shown, secret), (
                    f"a suppressed cell follows from {rows}×{columns} {filters} and {rows_}×{columns_} {filters_}")
            everything_shown += more_shown
            everything_hidden += more_hidden
    for secret in everything_hidden:
        assert not derivable(everything_shown, secret), "a suppressed cell follows from all the viewer's tables"


@pytest.fixture(scope="module")
def stats_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    folder = tmp_path_factory.mktemp("stat-worlds")
    engine = make_engine(sqlite_settings(folder))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@WORLDS
@given(world=busy_worlds(), min_states=st.sampled_from((2, 3)), max_share=st.sampled_from((50.0, 70.0, 100.0)),
       data=st.data())
def check_random_worlds(stats_engine: Engine, vocabularies: dict[str, Vocabulary], checked: list[int],
                        counted: list[int], world: World, min_states: int, max_share: float,
                        data: st.DataObject) -> None:
    """Write one world and check a sample of tables for the public and for each of its users."""
    user_ids, pids = write_world(stats_engine, writer_for(FakeEmbedder()), world)
    rule = Rule(min_states, max_share)
    with Session(stats_engine) as session:
        check_viewer(session, world, None, PUBLIC, vocabularies, rule, data, counted)
        for spec, user_id in zip(world.users, user_ids, strict=True):
            viewer = viewer_for(session, session.get(User, user_id))
            check_viewer(session, world, spec, viewer, vocabularies, rule, data, counted)
    checked.append(len(pids))


def test_statistics_never_single_out_a_state_in_random_worlds(
    stats_engine: Engine, vocabularies: dict[str, Vocabulary]
) -> None:
    checked: list[int] = []
    counted: list[int] = []  # cells counted per table drawn for a viewer outside the secretariat
    check_random_worlds(stats_engine, vocabularies, checked, counted)
    assert len(checked) >= WORLD_COUNT, f"only {len(checked)} worlds checked"
    print(f"tables with a counted cell: {sum(n > 0 for n in counted)} of {len(counted)}; cells counted {sum(counted)}")
