"""Plans: items from findings or entered directly, every change kept and audited, follow-ups, marks and shares."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from kb.authorisations import current_authorisation, withdraw
from kb.disclosure import Rule
from kb.errors import Conflict, InvalidInput, NotAllowed, NotFound
from kb.models import AuditEvent, ItemStatus, Mark, Plan, PlanItem, Practice, Priority
from kb.plan_marks import mark_practice, marks_for
from kb.plan_records import ItemFields
from kb.plan_shares import current_share, share_history, share_plan, withdraw_share
from kb.plan_views import needs_by_area
from kb.plans import (
    add_item,
    changes_of,
    item_for,
    item_from_finding,
    items_for,
    plan_for,
    start_follow_up,
    update_item,
    version_of,
    versions_of,
)
from kb.visibility import plan_items_visible_to, plans_visible_to
from kb.vocabulary import Vocabulary
from tests.missions_world import load_missions_world, viewer


def test_the_demo_plans_have_two_versions_each(world: Engine) -> None:
    with Session(world) as session:
        for state in ("XA", "XC"):
            plan = plan_for(session, viewer(session, "curator"), state)
            assert [v.version for v in versions_of(session, plan)] == [1, 2]
            latest = version_of(session, plan)
            carried = [i for i in items_for(session, viewer(session, "curator"), latest) if i.carried_from_id]
            assert carried, "a follow-up version continues items of the previous one"


@pytest.mark.parametrize("username", [None, "reader.xb", "focal.xl", "expert.xs", "provider.nsap"])
def test_an_unshared_plan_is_seen_by_its_state_and_the_secretariat_only(world: Engine, username: str | None) -> None:
    with Session(world) as session:
        who = viewer(session, username)
        with pytest.raises(NotFound):
            plan_for(session, who, "XA")
        assert session.exec(select(PlanItem).where(plan_items_visible_to(who))).all() == []
        for name in ("focal.xa", "curator"):
            assert plan_for(session, viewer(session, name), "XA").state_code == "XA"


def test_a_recommendation_becomes_an_item_and_every_change_is_kept(world: Engine,
                                                                  vocabularies: dict[str, Vocabulary]) -> None:
    areas = vocabularies["functional_area"]
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xl")
        item = item_from_finding(session, viewer=host, reference="MIS-XL-2021-AVSEC/R-1", areas=areas,
                                 actor="focal.xl")
        assert item.functional_area == "physical_protection_regime" and item.finding_id is not None
        update_item(session, viewer=host, item=item, changes={"priority": "P1", "due": "2027-06-30"}, areas=areas,
                    actor="focal.xl")
        item_id = item.id
    with Session(world) as session:
        item = item_for(session, viewer(session, "focal.xl"), item_id or 0)
        assert item.priority == Priority.P1 and item.due == date(2027, 6, 30)
        latest = changes_of(session, item)[0]
        assert latest.by == "focal.xl"
        assert latest.before == {"due": None, "priority": "P2"} and latest.after == {"due": "2027-06-30",
                                                                                      "priority": "P1"}
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "plan_item.update")).all()
        assert events[-1].after == latest.after and events[-1].actor == "focal.xl"


def test_a_bad_change_names_the_field_and_changes_nothing(world: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    areas = vocabularies["functional_area"]
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        item = items_for(session, host, version_of(session, plan_for(session, host, "XA")))[0]
        before = (item.functional_area, item.priority)
        with pytest.raises(InvalidInput) as bad:
            update_item(session, viewer=host, item=item, changes={"functional_area": "detektion"}, areas=areas,
                        actor="focal.xa")
        assert bad.value.problems[0].field == "functional_area" and "detection" in bad.value.problems[0].message
        with pytest.raises(InvalidInput):
            update_item(session, viewer=host, item=item, changes={"colour": "red"}, areas=areas, actor="focal.xa")
        with pytest.raises(InvalidInput) as wrong:
            update_item(session, viewer=host, item=item, changes={"priority": "P9"}, areas=areas, actor="focal.xa")
        assert wrong.value.problems[0].field == "priority" and wrong.value.problems[0].value == "P9"
        session.refresh(item)
        assert (item.functional_area, item.priority) == before


def test_a_good_practice_or_another_states_finding_cannot_become_an_item(world: Engine,
                                                                        vocabularies: dict[str, Vocabulary]) -> None:
    with Session(world) as session:
        host = viewer(session, "focal.xa")
        with pytest.raises(InvalidInput):
            item_from_finding(session, viewer=host, reference="MIS-XA-2016-IPPAS/GP-4",
                              areas=vocabularies["functional_area"], actor="focal.xa")
        with pytest.raises(NotFound):
            item_from_finding(session, viewer=host, reference="MIS-XC-2017-IPPAS/R-1",
                              areas=vocabularies["functional_area"], actor="focal.xa")


def test_a_follow_up_starts_from_the_open_items(world: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xc")
        plan = plan_for(session, host, "XC")
        last = items_for(session, host, version_of(session, plan))
        still_open = [i for i in last if i.status in (ItemStatus.open, ItemStatus.in_progress)]
        version = start_follow_up(session, viewer=host, plan=plan, title="INSSP 2027-2030", started=date(2027, 1, 1),
                                  actor="focal.xc")
        new = items_for(session, host, version)
        assert version.version == 3
        assert [i.carried_from_id for i in new] == [i.id for i in still_open]
        assert [i.description for i in new] == [i.description for i in still_open]
        with pytest.raises(InvalidInput):
            start_follow_up(session, viewer=host, plan=plan, title="too early", started=date(2020, 1, 1),
                            actor="focal.xc")


def test_share_with_a_provider_then_withdraw(world: Engine, vocabularies: dict[str, Vocabulary]) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        plan = plan_for(session, host, "XA")
        share_plan(session, viewer=host, plan=plan, providers=["NSAP"], by="focal.xa", via="test")
    with Session(world) as session:
        provider = viewer(session, "provider.nsap")
        plan = plan_for(session, provider, "XA")
        assert len(items_for(session, provider, version_of(session, plan))) > 0
        with pytest.raises(NotFound):
            plan_for(session, viewer(session, "provider.rstf"), "XA")
        item = items_for(session, provider, version_of(session, plan))[0]
        with pytest.raises(NotAllowed):
            update_item(session, viewer=provider, item=item, changes={"priority": "P4"},
                        areas=vocabularies["functional_area"], actor="provider.nsap")
        with pytest.raises(NotAllowed):
            withdraw_share(session, viewer=provider, plan=plan, by="provider.nsap", via="test")
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        withdraw_share(session, viewer=host, plan=plan_for(session, host, "XA"), by="focal.xa", via="test")
    with Session(world) as session:
        with pytest.raises(NotFound):
            plan_for(session, viewer(session, "provider.nsap"), "XA")
        history = share_history(session, plan_for(session, viewer(session, "focal.xa"), "XA"))
        assert len(history) == 1 and history[0].share.withdrawn_by == "focal.xa"
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.object_type == "plan"))]
        assert "plan_share.grant" in actions and "plan_share.withdraw" in actions


def test_chosen_items_only_reach_the_network(world: Engine) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        plan = plan_for(session, host, "XA")
        chosen = items_for(session, host, version_of(session, plan))[:2]
        share_plan(session, viewer=host, plan=plan, networks=["NSSN"], items=[i.id or 0 for i in chosen],
                   by="focal.xa", via="test")
        chosen_ids = {i.id for i in chosen}
    with Session(world) as session:
        member = viewer(session, "reader.xb")
        seen = {i.id for i in session.exec(select(PlanItem).where(plan_items_visible_to(member)))}
        assert seen == chosen_ids
        assert session.exec(select(PlanItem).where(plan_items_visible_to(viewer(session, "expert.xs")))).all() == []


def test_one_share_in_force_and_a_stale_decision_is_a_conflict(world: Engine) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        plan = plan_for(session, host, "XA")
        seen = plan.decision_version
        share_plan(session, viewer=host, plan=plan, providers=["NSAP"], by="focal.xa", via="test", based_on=seen)
        with pytest.raises(Conflict):
            share_plan(session, viewer=host, plan=plan, providers=["RSTF"], by="focal.xa", via="test", based_on=seen)
        share_plan(session, viewer=host, plan=plan, providers=["RSTF"], by="focal.xa", via="test")
        current = current_share(session, plan)
        assert current is not None and len(share_history(session, plan)) == 2
    with Session(world) as session:
        assert session.exec(select(PlanItem).where(plan_items_visible_to(viewer(session, "provider.nsap")))).all() == []
        assert plan_for(session, viewer(session, "provider.rstf"), "XA")
        assert session.exec(select(col(Plan.id)).where(plans_visible_to(viewer(session, "reader.xb")))).first() is None


def test_a_mark_on_a_practice_that_becomes_invisible_disappears(world: Engine, vocabularies: dict[str, Vocabulary]
                                                                 ) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        plan = plan_for(session, host, "XA")
        item = add_item(session, viewer=host, version=version_of(session, plan), areas=vocabularies["functional_area"],
                        fields=ItemFields(functional_area="Detection", description="Portal monitors at the seaport",
                                          priority=Priority.P2, responsible="Customs"), actor="focal.xa")
        practice = session.exec(select(Practice).where(Practice.external_id == "GP-NUC-021")).one()
        mark_practice(session, viewer=host, item=item, public_id=practice.public_id, mark=Mark.adopt, actor="focal.xa")
        assert [m.practice.external_id for m in marks_for(session, host, item)] == ["GP-NUC-021"]
        hidden = session.exec(select(Practice).where(Practice.external_id == "GP-NUC-023")).one()
        with pytest.raises(NotFound):
            mark_practice(session, viewer=host, item=item, public_id=hidden.public_id, mark=Mark.consider,
                          actor="focal.xa")
        item_id = item.id
        holder = session.exec(select(Practice).where(Practice.external_id == "GP-NUC-021")).one()
        assert current_authorisation(session, holder.id or 0) is not None
        withdraw(session, practice=holder, by="host", via="test")
    with Session(world) as session:
        host = viewer(session, "focal.xa")
        assert marks_for(session, host, item_for(session, host, item_id or 0)) == []
        assert marks_for(session, viewer(session, "curator"), item_for(session, host, item_id or 0))


def test_plan_shares_keep_one_in_force_on_each_backend(directory_engine: Engine,
                                                       vocabularies: dict[str, Vocabulary]) -> None:
    """The database itself refuses a second share in force (PostgreSQL and SQLite)."""
    load_missions_world(directory_engine, vocabularies)
    from sqlalchemy.exc import IntegrityError

    from kb.models import PlanShare

    with Session(directory_engine) as session, session.begin():
        host = viewer(session, "focal.xa")
        plan = plan_for(session, host, "XA")
        share_plan(session, viewer=host, plan=plan, providers=["NSAP"], by="focal.xa", via="test")
        plan_id = plan.id or 0
    with Session(directory_engine) as session, pytest.raises(IntegrityError), session.begin():
        session.add(PlanShare(plan_id=plan_id, granted_by="sneaky"))
        session.flush()


def test_the_needs_view_counts_states_through_the_disclosure_control(world: Engine) -> None:
    with Session(world) as session, session.begin():
        for state in ("XA", "XC"):
            host = viewer(session, f"focal.{state.lower()}")
            share_plan(session, viewer=host, plan=plan_for(session, host, state), providers=["NSAP"],
                       by=f"focal.{state.lower()}", via="test")
    with Session(world) as session:
        every = needs_by_area(session, viewer(session, "curator"), rule=Rule(3, 70.0))
        assert every and all(c.state_codes and c.items for c in every)
        by_area: dict[str, set[str]] = {}
        for cell in every:
            by_area.setdefault(cell.functional_area, set()).update(cell.state_codes or [])
        both = {area for area, states in by_area.items() if {"XA", "XC"} <= states}
        provider = viewer(session, "provider.nsap")
        assert needs_by_area(session, provider, rule=Rule(3, 100.0)) == []  # two states can be singled out
        two = needs_by_area(session, provider, rule=Rule(2, 100.0))
        assert {c.functional_area for c in two} == both and both
        assert all(c.states == 2 and c.state_codes is None and c.items is None and c.topic is None for c in two)
        own = viewer(session, "focal.xa")
        assert needs_by_area(session, own, rule=Rule(2, 100.0)) == []
        assert all(c.states == 1 for c in needs_by_area(session, own, rule=Rule(1, 100.0)))
