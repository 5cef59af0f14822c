"""Missions and findings: the demo loads whole, and recommendations and suggestions never leave host and secretariat."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from fixtures.missions_demo import load_missions_demo
from kb.errors import NotFound
from kb.missions import finding_for, mission_for, missions_for, visible_findings
from kb.models import Finding, FindingKind, Mission
from kb.plan_shares import share_plan
from kb.plans import plan_for
from kb.visibility import finding_note_shown_to, findings_visible_to, missions_visible_to
from kb.vocabulary import Vocabulary
from tests.missions_world import viewer

EVERYONE = [None, "admin", "curator", "focal.xa", "focal.xc", "focal.xl", "reader.xb", "reader.xk", "expert.xs",
            "provider.nsap"]



def test_the_demo_has_missions_of_at_least_four_states_with_sixty_findings(world: Engine) -> None:
    with Session(world) as session:
        missions = session.exec(select(Mission)).all()
        findings = session.exec(select(func.count()).select_from(Finding)).one()
        linked = session.exec(select(func.count()).select_from(Finding).where(col(Finding.practice_id).is_not(None)))
        assert len(missions) == 18 and findings == 136
        assert len({m.host_state_code for m in missions}) >= 4
        assert linked.one() > 0
        follow_up = session.exec(select(Mission).where(Mission.external_id == "MIS-XA-2021-IPPAS-FU")).one()
        assert follow_up.follows_id == session.exec(select(Mission.id).where(
            Mission.external_id == "MIS-XA-2016-IPPAS")).one()


def test_reingesting_the_demo_changes_nothing(world: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    again = load_missions_demo(world, vocabularies=vocabularies, actor="demo")
    assert again.ok and again.added == 0 and again.updated == 0 and again.unchanged == 18


@pytest.mark.parametrize("username", EVERYONE)
def test_a_viewer_sees_missions_and_findings_of_their_own_state_only(world: Engine, username: str | None) -> None:
    with Session(world) as session:
        who = viewer(session, username)
        missions = missions_for(session, who)
        hosts = {m.host_state_code for m in missions}
        findings = session.exec(select(Finding, Mission.host_state_code).join(
            Mission, col(Mission.id) == col(Finding.mission_id)).where(findings_visible_to(who))).all()
        if who.is_secretariat:
            assert len(missions) == 18 and len(findings) == 136
        elif who.state_code is None:
            assert missions == [] and findings == []
        else:
            assert hosts <= {who.state_code}
            assert {host for _, host in findings} <= {who.state_code}
            total = session.exec(select(func.count()).select_from(Mission).where(
                Mission.host_state_code == who.state_code)).one()
            assert len(missions) == total
        assert finding_note_shown_to(who) is who.is_secretariat


def test_a_hidden_mission_is_exactly_as_missing_as_an_unknown_one(world: Engine) -> None:
    with Session(world) as session:
        outsider = viewer(session, "reader.xb")
        with pytest.raises(NotFound) as hidden:
            mission_for(session, outsider, "MIS-XA-2016-IPPAS")
        with pytest.raises(NotFound) as unknown:
            mission_for(session, outsider, "MIS-XA-2099-NONE")
        assert str(hidden.value).replace("2016-IPPAS", "X") == str(unknown.value).replace("2099-NONE", "X")
        with pytest.raises(NotFound):
            finding_for(session, outsider, "MIS-XA-2016-IPPAS/R-1")
        host = viewer(session, "focal.xa")
        assert mission_for(session, host, "MIS-XA-2016-IPPAS").title == "IPPAS mission to Aldoria"
        assert [f.number for f in visible_findings(session, host, mission_for(session, host, "MIS-XA-2016-IPPAS"))
                ][:2] == ["R-1", "R-2"]


def test_sharing_a_plan_never_widens_its_findings(world: Engine) -> None:
    """A plan shared with a network and a provider: its recipients still see no mission and no finding."""
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        share_plan(session, viewer=host, plan=plan_for(session, host, "XA"), networks=["NSSN"], providers=["NSAP"],
                   by="focal.xa", via="test")
    with Session(world) as session:
        for username in ("reader.xb", "provider.nsap"):
            who = viewer(session, username)
            assert plan_for(session, who, "XA").state_code == "XA"
            needs = session.exec(select(Finding).join(Mission, col(Mission.id) == col(Finding.mission_id)).where(
                findings_visible_to(who), Mission.host_state_code == "XA")).all()
            assert needs == []
            assert session.exec(select(Mission).where(missions_visible_to(who),
                                                      Mission.host_state_code == "XA")).all() == []


def test_every_kind_of_finding_is_loaded(world: Engine) -> None:
    with Session(world) as session:
        kinds = set(session.exec(select(Finding.kind)).all())
        assert kinds == {FindingKind.recommendation, FindingKind.suggestion, FindingKind.good_practice}
