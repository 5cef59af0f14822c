"""The `kb` command: set up, load, search and serve the knowledge base."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli.alerts import alerts_app
from cli.missions import missions_app

app = typer.Typer(help="Good-practice knowledge base with permission-aware semantic search.", no_args_is_help=True)
users_app = typer.Typer(help="Manage user accounts and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(missions_app, name="missions")
app.add_typer(alerts_app, name="alerts")


if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from index.store import PassageWriter
    from kb.config import Settings


def _settings() -> Settings:
    from index.embedder import prepare_process
    from kb.config import get_settings

    prepare_process()  # before anything loads torch
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    return settings


def _engine(upgrade: bool = True) -> tuple[Settings, Engine]:
    from kb import migrate
    from kb.db import make_engine

    settings = _settings()
    engine = make_engine(settings)
    if upgrade:
        migrate.upgrade(engine)
    return settings, engine


def _writer(settings: Settings) -> PassageWriter:
    from index.embedder import load_embedder
    from index.service import passage_writer

    return passage_writer(settings, load_embedder(settings.embedding_model, batch_size=settings.embed_batch_size))


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


@app.command()
def init() -> None:
    """Create the database, or upgrade it to the newest schema."""
    from kb import migrate

    settings, engine = _engine()
    typer.echo(f"database {settings.database_url} at schema revision {migrate.current_revision(engine)}")


@app.command()
def demo(
    index: Annotated[bool, typer.Option(help="Build the search index after loading")] = True,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when practices are already loaded")] = False,
) -> None:
    """Load the illustrative demo data into the configured database (safe to run again)."""
    from sqlmodel import Session, func, select

    from fixtures.load import load_demo
    from kb.models import Practice

    settings, engine = _engine()
    if if_empty:
        with Session(engine) as session:
            count = session.exec(select(func.count()).select_from(Practice)).one()
        if count:
            typer.echo(f"demo data: the database already holds {count} practices; nothing loaded")
            return
    writer = _writer(settings)
    report = load_demo(engine, writer=writer, show_progress=sys.stderr.isatty())
    for error in report.errors:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
    typer.echo(f"demo data: {report.summary()}")
    if index:
        from index.service import open_search

        search = open_search(settings, engine, writer.embedder)
        search.catalogue.save()
        practices, passages = search.catalogue.size()
        typer.echo(f"index: {practices} practices, {passages} passages")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of practices", exists=True)],
    check: Annotated[bool, typer.Option("--check", help="Validate only; write nothing")] = False,
    actor: Annotated[str, typer.Option(help="Who is ingesting, for the audit log")] = "ingest",
) -> None:
    """Load practices from JSON, JSONL, YAML, CSV and Markdown files (see docs/ingest.md)."""
    from ingest.pipeline import ingest_paths
    from kb.vocabulary import load_vocabularies

    settings, engine = _engine()
    writer = None if check else _writer(settings)
    report = ingest_paths(paths, engine=engine, writer=writer, vocabularies=load_vocabularies(settings.vocabulary_dir),
                          actor=actor, check_only=check, show_progress=sys.stderr.isatty(),
                          max_bytes=settings.max_upload_bytes)
    for error in report.errors:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
    for path in report.files_rejected:
        typer.secho(f"rejected: {path} (nothing from it was written)", fg=typer.colors.RED, err=True)
    verb = "checked" if check else "ingested"
    typer.echo(f"{verb}: {report.summary()}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def reindex() -> None:
    """Re-embed what changed (the configured model, the identifying terms) and rebuild the index."""
    from tqdm import tqdm

    from index.maintenance import reembed_all
    from index.service import open_search

    settings, engine = _engine()
    writer = _writer(settings)
    with tqdm(desc="embedding", unit=" passages", disable=not sys.stderr.isatty()) as bar:
        embedded = reembed_all(settings, engine, writer, progress=bar.update)
    search = open_search(settings, engine, writer.embedder)
    typer.echo(f"re-embedded {embedded} passage(s) with {writer.embedder.name}; "
               "index holds {1} passages of {0} practices".format(*search.catalogue.size()))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Describe the problem in plain words")],
    as_user: Annotated[str | None, typer.Option("--as", help="Search as this user (default: the public)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    domain: Annotated[list[str] | None, typer.Option(help="Only this domain")] = None,
    sector: Annotated[list[str] | None, typer.Option(help="Only this sector")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Only this topic")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="good_practice or country_practice")] = None,
    host_state: Annotated[list[str] | None, typer.Option(help="Only practices of this host state")] = None,
    year_from: Annotated[int | None, typer.Option(help="Source year from")] = None,
    year_to: Annotated[int | None, typer.Option(help="Source year to")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON")] = False,
) -> None:
    """Search the practices a user may see."""
    from sqlmodel import Session

    from index.service import open_search
    from kb.accounts import user_by_name
    from kb.queries import Filters, filter_problems
    from kb.viewer import viewer_for
    from web.searching import search_response

    settings, engine = _engine()
    service = open_search(settings, engine)
    with Session(engine) as session:
        user = None
        if as_user:
            user = user_by_name(session, as_user)
            if user is None:
                _fail(f"no user named {as_user!r}; `kb users list` shows them", 2)
        viewer = viewer_for(session, user, requester="cli")
        filters = Filters(domain=tuple(domain or ()), sector=tuple(sector or ()), topic=tuple(topic or ()),
                          kind=tuple(kind or ()), host_state=tuple(h.upper() for h in host_state or ()),
                          year_from=year_from, year_to=year_to)
        problems = filter_problems(filters, service.vocabularies)
        if problems:
            _fail("\n".join(f"{p.field}: {p.value!r}: {p.message}" for p in problems), 2)
        response = search_response(session, service, viewer, query, filters, limit=limit, offset=0)
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{response.total} practice(s) match; showing {len(response.results)}")
    for number, hit in enumerate(response.results, start=1):
        host = hit.host_state or "anonymised"
        typer.echo(f"{number:>2}. [{hit.score:.3f}] {hit.id}  {hit.title}  ({hit.kind}, {host})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    demo: Annotated[bool, typer.Option("--demo", help="Demo mode: without KB_SECRET_KEY, use a key generated "
                                                      "once in the data folder")] = False,
) -> None:
    """Serve the portal and the JSON API (a real KB_SECRET_KEY is required outside demo mode)."""
    import uvicorn

    from kb.config import DEMO_KEY_FILE, ConfigurationError, get_settings

    settings, _ = _engine()
    if demo:
        os.environ["KB_DEMO"] = "true"  # the app factory (here and in workers) builds its settings from the environment
        get_settings.cache_clear()
        settings = get_settings()
    generated = not (settings.data_dir / DEMO_KEY_FILE).exists()
    try:
        settings.session_key()
    except ConfigurationError as exc:
        _fail(f"not serving: {exc}", 2)
    if settings.demo and not settings.secret_key and generated:
        typer.echo(f"demo mode: generated a session key in {settings.data_dir / DEMO_KEY_FILE} (kept for next time)")
    elif settings.demo and not settings.secret_key:
        typer.echo(f"demo mode: session key from {settings.data_dir / DEMO_KEY_FILE}")
    uvicorn.run("web.app:create_app", factory=True, host=host or settings.host, port=port or settings.port,
                workers=workers, log_level=settings.log_level.lower())


@users_app.command("list")
def users_list() -> None:
    """List users with their role, state and networks."""
    from sqlmodel import Session, select

    from kb.directory import user_network_codes
    from kb.models import User

    _, engine = _engine()
    with Session(engine) as session:
        for user in session.exec(select(User).order_by(User.username)):
            direct = ",".join(user_network_codes(session, user)) or "-"
            state = user.state_code or "secretariat"
            typer.echo(f"{user.username:<16} {user.role:<12} {state:<12} direct networks: {direct}")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[str, typer.Option(help="reader, focal_point, curator or admin")] = "reader",
    state: Annotated[str | None, typer.Option(help="ISO code of the user's state (none for secretariat)")] = None,
    full_name: Annotated[str, typer.Option()] = "",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    network: Annotated[list[str] | None, typer.Option(help="Admit directly to this network")] = None,
) -> None:
    """Create or update a user."""
    from sqlmodel import Session

    from kb.accounts import save_user
    from kb.directory import set_user_networks
    from kb.errors import InvalidInput
    from kb.models import Role

    _, engine = _engine()
    try:
        with Session(engine) as session, session.begin():
            user = save_user(session, username=username, role=Role(role), state_code=state.upper() if state else None,
                             full_name=full_name, password=password, actor="cli")
            if network:
                set_user_networks(session, user=user, codes=network, actor="cli")
    except InvalidInput as exc:
        _fail(f"user not saved: {exc}", 2)
    typer.echo(f"saved user {username}")


@users_app.command("token")
def users_token(
    username: str,
    label: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    days: Annotated[int | None, typer.Option(help="Expire after this many days")] = None,
) -> None:
    """Print a new API bearer token for a user (shown once)."""
    from sqlmodel import Session

    from kb.accounts import issue_token, user_by_name

    _, engine = _engine()
    with Session(engine) as session, session.begin():
        user = user_by_name(session, username)
        if user is None:
            _fail(f"no user named {username!r}", 2)
        token = issue_token(session, user=user, label=label, days=days, actor="cli")
    typer.echo(token)


@users_app.command("revoke")
def users_revoke(username: str) -> None:
    """Revoke every API token of a user."""
    from sqlmodel import Session

    from kb.accounts import revoke_tokens, user_by_name

    _, engine = _engine()
    with Session(engine) as session, session.begin():
        user = user_by_name(session, username)
        if user is None:
            _fail(f"no user named {username!r}", 2)
        count = revoke_tokens(session, user=user, actor="cli")
    typer.echo(f"revoked {count} token(s)")


@app.command("export")
def export_command(
    file: Annotated[Path, typer.Argument(help="File to write (JSON lines; gzip when it ends in .gz)")],
    with_password_hashes: Annotated[bool, typer.Option(help="Include users' password hashes")] = False,
    with_vectors: Annotated[bool, typer.Option(help="Include passages and their vectors (no re-embedding)")] = False,
) -> None:
    """Write the whole knowledge base to a portable file (API tokens are never exported)."""
    from kb.portable import export_kb

    _, engine = _engine()
    counts = export_kb(engine, file, with_password_hashes=with_password_hashes, with_vectors=with_vectors)
    typer.echo(f"exported to {file}: {counts.summary()}")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A file written by `kb export`", exists=True, dir_okay=False)],
) -> None:
    """Restore an exported knowledge base into an empty database (SQLite or PostgreSQL)."""
    from kb.portable import PortableError, import_kb, read_header

    _, engine = _engine()
    try:
        with_vectors = read_header(file).get("with_vectors")
        counts = import_kb(engine, file, actor="cli")
    except PortableError as exc:
        _fail(f"nothing imported: {exc}", 2)
    typer.echo(f"imported from {file}: {counts.summary()}")
    if not with_vectors:
        typer.echo("the file holds no vectors: run `kb reindex` to embed the practices before searching")


if __name__ == "__main__":
    app()
