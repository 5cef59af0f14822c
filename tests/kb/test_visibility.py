"""The visibility rule over every role × scope × attribution × status × own/other state × network membership."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.accounts import user_by_name
from kb.models import Practice, Status
from kb.queries import Filters, find_visible, visible_rows
from kb.viewer import PUBLIC, Viewer, viewer_for
from tests.factories import (
    ATTRIBUTIONS,
    HOST,
    IN_FORCE,
    PEOPLE,
    SCOPES,
    STATUSES,
    Person,
    build_world,
    expected_host_shown,
    expected_visible,
    public_id_of,
)


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
                found = find_visible(session, viewer, public_id=public_id_of(session, external_id))
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
            assert find_visible(session, outsider, public_id=public_id_of(session, f"P-{index:03d}")) is None


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
