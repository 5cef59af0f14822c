"""The `kb missions` commands: ingest review missions with their findings, and improvement plans."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport

missions_app = typer.Typer(help="Review missions, their findings and improvement plans.", no_args_is_help=True)


def _report(report: IngestReport, verb: str) -> None:
    for error in report.errors:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
    for path in report.files_rejected:
        typer.secho(f"rejected: {path} (nothing from it was written)", fg=typer.colors.RED, err=True)
    typer.echo(f"{verb}: {report.summary()}")
    if not report.ok:
        raise typer.Exit(1)


@missions_app.command("ingest")
def ingest_missions(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of missions", exists=True)],
    check: Annotated[bool, typer.Option("--check", help="Validate only; write nothing")] = False,
    actor: Annotated[str, typer.Option(help="Who is ingesting, for the audit log")] = "ingest",
) -> None:
    """Load missions with their findings from YAML, JSON, JSONL, CSV and Markdown files (see docs/missions.md)."""
    from cli.main import _engine
    from ingest.missions import ingest_mission_paths
    from kb.vocabulary import load_vocabularies

    settings, engine = _engine()
    report = ingest_mission_paths(paths, engine=engine, vocabularies=load_vocabularies(settings.vocabulary_dir),
                                  actor=actor, check_only=check, max_bytes=settings.max_upload_bytes)
    _report(report, "checked" if check else "ingested")


@missions_app.command("plans")
def ingest_plans(
    paths: Annotated[list[Path], typer.Argument(help="YAML files of plans", exists=True)],
    check: Annotated[bool, typer.Option("--check", help="Validate only; write nothing")] = False,
    actor: Annotated[str, typer.Option(help="Who is ingesting, for the audit log")] = "ingest",
) -> None:
    """Load states' improvement plans with their versions and items (see docs/missions.md, section Plans)."""
    from cli.main import _engine
    from ingest.plans import ingest_plan_paths
    from kb.vocabulary import load_vocabularies

    settings, engine = _engine()
    report = ingest_plan_paths(paths, engine=engine, vocabularies=load_vocabularies(settings.vocabulary_dir),
                               actor=actor, check_only=check, max_bytes=settings.max_upload_bytes)
    _report(report, "checked" if check else "ingested")
