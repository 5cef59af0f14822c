"""Mission and plan files: every format of docs/missions.md loads; a bad file names file, line, finding, field, fix.

Each malformed file is a demo file with one mistake made in it (real files, read by the real ingest); a file with
any error is rejected whole, so the change made beside the mistake is not written either.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fixtures import FIXTURES
from ingest.missions import ingest_mission_paths
from ingest.plans import ingest_plan_paths
from kb.models import Mission, PlanItem
from kb.vocabulary import Vocabulary

MISSIONS = FIXTURES / "missions"


def broken(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    """Copy a demo file and make one mistake in it (the text must be there)."""
    source = MISSIONS / name if (MISSIONS / name).exists() else FIXTURES / name
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    target = tmp_path / name
    target.write_text(text.replace(old, new, count), encoding="utf-8")
    return target


def line_of(path: Path, fragment: str, nth: int = 1) -> int:
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if fragment in line]
    return lines[nth - 1]


def errors_of(engine: Engine, vocabularies: dict[str, Vocabulary], path: Path) -> list[str]:
    report = ingest_mission_paths([path], engine=engine, vocabularies=vocabularies, actor="test")
    assert not report.ok and report.files_rejected == [path]
    return [str(e) for e in report.errors]


def title_of(engine: Engine, external_id: str) -> str:
    with Session(engine) as session:
        return session.exec(select(Mission.title).where(Mission.external_id == external_id)).one()


@pytest.mark.parametrize("name", sorted(p.name for p in MISSIONS.iterdir()))
def test_every_demo_format_checks_clean(name: str, vocabularies: dict[str, Vocabulary], world: Engine) -> None:
    """Each file checks clean against the loaded world (its practices and earlier missions)."""
    report = ingest_mission_paths([MISSIONS / name], engine=world, vocabularies=vocabularies, check_only=True)
    assert report.ok, [str(e) for e in report.errors]


def test_a_misspelled_kind_in_csv_names_the_row_and_finding(world: Engine, vocabularies: dict[str, Vocabulary],
                                                            tmp_path: Path) -> None:
    path = broken(tmp_path, "lusmark.csv", ",R-2,recommendation,", ",R-2,recomendation,")
    path.write_text(path.read_text(encoding="utf-8").replace("Aviation security audit of Lusmark's hub airport",
                                                             "Renamed", 0), encoding="utf-8")
    errors = errors_of(world, vocabularies, path)
    row = line_of(path, ",R-2,recomendation,")
    assert any(e.startswith(f"{path}:{row}: record 1 (id MIS-XL-2021-AVSEC), finding R-2: field kind:")
               and "recommendation" in e for e in errors), errors


def test_a_csv_row_that_changes_the_mission_columns_is_refused(world: Engine, vocabularies: dict[str, Vocabulary],
                                                               tmp_path: Path) -> None:
    original = title_of(world, "MIS-XL-2021-AVSEC")
    path = broken(tmp_path, "lusmark.csv", "Aviation security audit of Lusmark's hub airport,2021",
                  "Another title,2021")  # the first row only: the others keep the original title
    errors = errors_of(world, vocabularies, path)
    assert any("field title: differs from the mission's first row (line 2)" in e and f"{path}:3:" in e
               for e in errors), errors
    assert title_of(world, "MIS-XL-2021-AVSEC") == original


def test_an_unknown_topic_in_yaml_suggests_the_term(world: Engine, vocabularies: dict[str, Vocabulary],
                                                    tmp_path: Path) -> None:
    path = broken(tmp_path, "aldoria.yaml", "topic: [physical_protection, threat_risk_assessment]",
                  "topic: [physical_protection, insider threats]")
    path.write_text(path.read_text(encoding="utf-8").replace('title: "IPPAS mission to Aldoria"',
                                                             'title: "Renamed"'), encoding="utf-8")
    errors = errors_of(world, vocabularies, path)
    line = line_of(path, "insider threats")
    assert any(e.startswith(f"{path}:{line}: record 1 (id MIS-XA-2016-IPPAS), finding R-1: field topic:")
               and "did you mean 'insider_threat'" in e for e in errors), errors
    assert title_of(world, "MIS-XA-2016-IPPAS") == "IPPAS mission to Aldoria"


def test_an_end_before_the_start_is_refused(world: Engine, vocabularies: dict[str, Vocabulary],
                                            tmp_path: Path) -> None:
    path = broken(tmp_path, "aldoria.yaml", "end_date: 2016-03-18", "end_date: 2016-02-18")
    errors = errors_of(world, vocabularies, path)
    line = line_of(path, "end_date: 2016-02-18")
    assert f"{path}:{line}: record 1 (id MIS-XA-2016-IPPAS), field end_date: value '2016-02-18': is before " \
           "start_date '2016-03-07'" in errors


def test_a_practice_of_another_host_or_on_a_suggestion_is_refused(world: Engine, vocabularies: dict[str, Vocabulary],
                                                                  tmp_path: Path) -> None:
    text = (MISSIONS / "cassamar.json").read_text(encoding="utf-8")
    first_practice = text[text.index('"practice": "') + 13:].split('"')[0]
    path = broken(tmp_path, "cassamar.json", f'"practice": "{first_practice}"', '"practice": "GP-NUC-001"')
    errors = errors_of(world, vocabularies, path)
    assert any("field practice: value 'GP-NUC-001': has host state XA, not the mission's host XC" in e
               for e in errors), errors
    path = broken(tmp_path, "cassamar.json", '"functional_area": "sustaining_regime",',
                  '"functional_area": "sustaining_regime", "practice": "GP-NUC-003",')
    errors = errors_of(world, vocabularies, path)
    assert any("only a good_practice finding may name a practice" in e for e in errors), errors


def test_an_unknown_earlier_mission_in_markdown_suggests_the_right_one(world: Engine,
                                                                       vocabularies: dict[str, Vocabulary],
                                                                       tmp_path: Path) -> None:
    path = broken(tmp_path, "mis-xc-2022-ippas-fu.md", "follows: MIS-XC-2017-IPPAS", "follows: MIS-XC-2016-IPPAS")
    errors = errors_of(world, vocabularies, path)
    line = line_of(path, "follows: MIS-XC-2016-IPPAS")
    assert any(e.startswith(f"{path}:{line}: record 1 (id MIS-XC-2022-IPPAS-FU), field follows:")
               and "did you mean 'MIS-XC-2017-IPPAS'" in e for e in errors), errors


def test_a_number_given_twice_in_jsonl_is_refused(world: Engine, vocabularies: dict[str, Vocabulary],
                                                  tmp_path: Path) -> None:
    path = broken(tmp_path, "other_states.jsonl", '"number": "R-2"', '"number": "R-1"')
    errors = errors_of(world, vocabularies, path)
    assert any(":1: record 1 (id MIS-XB-2019-IPPAS), finding R-1: field number: value 'R-1': appears twice" in e
               for e in errors), errors


def test_a_broken_file_does_not_stop_a_good_one(world: Engine, vocabularies: dict[str, Vocabulary],
                                                tmp_path: Path) -> None:
    bad = broken(tmp_path, "aldoria.yaml", "kind: recommendation", "kind: recomendation")
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(MISSIONS / "other_states.jsonl", good / "other_states.jsonl")
    report = ingest_mission_paths([bad, good], engine=world, vocabularies=vocabularies)
    assert report.files_rejected == [bad] and report.files_loaded == [good / "other_states.jsonl"]


def test_plan_errors_name_the_version_item_and_field(world: Engine, vocabularies: dict[str, Vocabulary],
                                                     tmp_path: Path) -> None:
    with Session(world) as session:
        before = session.exec(select(PlanItem.description)).all()
    path = broken(tmp_path, "plans.yaml", "- finding: MIS-XA-2016-IPPAS/R-2", "- finding: MIS-XA-2016-IPPAS/R-9")
    errors = [str(e) for e in ingest_plan_paths([path], engine=world, vocabularies=vocabularies).errors]
    line = line_of(path, "MIS-XA-2016-IPPAS/R-9")
    assert any(e.startswith(f"{path}:{line}: record 1 (id XA), version 1, item 2: field finding: unknown finding "
                            "'MIS-XA-2016-IPPAS/R-9'; the mission has R-1") for e in errors), errors
    path = broken(tmp_path, "plans.yaml", "status: done", "status: finished")
    errors = [str(e) for e in ingest_plan_paths([path], engine=world, vocabularies=vocabularies).errors]
    line = line_of(path, "status: finished")
    assert any(e.startswith(f"{path}:{line}: record 1 (id XA), version 1, item 1: field status:") and "finished" in e
               for e in errors), errors
    with Session(world) as session:
        assert session.exec(select(PlanItem.description)).all() == before


def test_a_plan_failing_the_format_check_still_reports_its_unknown_finding(world: Engine,
                                                                          vocabularies: dict[str, Vocabulary],
                                                                          tmp_path: Path) -> None:
    first = broken(tmp_path, "plans.yaml", "status: done", "status: finished")
    path = tmp_path / "both" / "plans.yaml"
    path.parent.mkdir()
    path.write_text(first.read_text(encoding="utf-8").replace("- finding: MIS-XA-2016-IPPAS/R-2",
                                                              "- finding: MIS-XA-2016-IPPAS/R-9", 1), encoding="utf-8")
    report = ingest_plan_paths([path], engine=world, vocabularies=vocabularies)
    errors = [str(e) for e in report.errors]
    assert report.files_rejected == [path]
    assert any(e.startswith(f"{path}:{line_of(path, 'status: finished')}: record 1 (id XA), version 1, item 1: "
                            "field status:") for e in errors), errors
    assert any(e.startswith(f"{path}:{line_of(path, 'MIS-XA-2016-IPPAS/R-9')}: record 1 (id XA), version 1, item 2: "
                            "field finding: unknown finding 'MIS-XA-2016-IPPAS/R-9'") for e in errors), errors


def test_a_mission_failing_the_format_check_still_reports_its_unknown_names(world: Engine,
                                                                           vocabularies: dict[str, Vocabulary],
                                                                           tmp_path: Path) -> None:
    first = broken(tmp_path, "aldoria.yaml", "kind: recommendation", "kind: recomendation")
    path = tmp_path / "both" / "aldoria.yaml"
    path.parent.mkdir()
    path.write_text(first.read_text(encoding="utf-8").replace(
        "topic: [physical_protection, threat_risk_assessment]", "topic: [physical_protection, insider threats]", 1),
        encoding="utf-8")
    errors = errors_of(world, vocabularies, path)
    assert any(e.startswith(f"{path}:{line_of(path, 'kind: recomendation')}: record 1 (id MIS-XA-2016-IPPAS), "
                            "finding R-1: field kind:") for e in errors), errors
    assert any(e.startswith(f"{path}:{line_of(path, 'insider threats')}: record 1 (id MIS-XA-2016-IPPAS), "
                            "finding R-1: field topic:") and "did you mean 'insider_threat'" in e
               for e in errors), errors
    assert title_of(world, "MIS-XA-2016-IPPAS") == "IPPAS mission to Aldoria"


def test_a_plan_file_over_the_upload_limit_is_refused_unread(world: Engine, vocabularies: dict[str, Vocabulary],
                                                             tmp_path: Path) -> None:
    path = broken(tmp_path, "plans.yaml", "status: done", "status: done")
    report = ingest_plan_paths([path], engine=world, vocabularies=vocabularies, max_bytes=100)
    assert report.files_rejected == [path]
    assert [str(e) for e in report.errors] == [f"{path}: file is {path.stat().st_size:,} bytes, over the 100-byte "
                                               "limit; split it into smaller files"]
