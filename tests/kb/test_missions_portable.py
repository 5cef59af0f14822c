"""Export and import carry missions, findings, plans, their changes, marks, shares and providers, ids kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from kb import migrate
from kb.db import make_engine
from kb.plan_shares import share_plan
from kb.plans import plan_for
from kb.portable import export_kb, import_kb
from tests.factories import settings_for
from tests.missions_world import viewer

TABLES = ("mission", "finding", "provider", "provider_user", "plan", "plan_version", "plan_item", "plan_item_change",
          "plan_share", "plan_share_provider")


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {name: session.exec(select(func.count()).select_from(SQLModel.metadata.tables[name])).one()
                for name in TABLES}


def test_a_plan_and_its_share_survive_export_and_import(world: Engine, tmp_path: Path) -> None:
    with Session(world) as session, session.begin():
        host = viewer(session, "focal.xa")
        share_plan(session, viewer=host, plan=plan_for(session, host, "XA"), providers=["NSAP"], by="focal.xa",
                   via="test")
    path = tmp_path / "kb.jsonl"
    export_kb(world, path)
    target = make_engine(settings_for(f"sqlite:///{tmp_path / 'copy.db'}", tmp_path))
    migrate.upgrade(target)
    import_kb(target, path)
    assert counts(target) == counts(world) and all(counts(target).values())
    with Session(target) as session:
        assert plan_for(session, viewer(session, "provider.nsap"), "XA").state_code == "XA"
    target.dispose()
