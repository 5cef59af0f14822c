"""`kb alerts`: deliver what is due (run by cron or a systemd timer, see docs/deploy.md), set where mail goes."""

from __future__ import annotations

from typing import Annotated

import typer

alerts_app = typer.Typer(help="Saved searches, followed topics and their delivery by e-mail.", no_args_is_help=True)


@alerts_app.command("send")
def alerts_send() -> None:
    """Deliver every alert that is due, as its recipient sees the knowledge base now (safe to run anywhere at once)."""
    from cli.main import _engine, _fail
    from index.alerting import alert_finder
    from index.service import open_search
    from kb.config import ConfigurationError
    from kb.mail import MailError, SmtpMailer
    from kb.sending import Outcome, Sender

    settings, engine = _engine()
    try:
        mailer = SmtpMailer(settings)
        settings.session_key()
    except (MailError, ConfigurationError) as exc:
        _fail(f"nothing sent: {exc}", 2)
    search = open_search(settings, engine)
    report = Sender(engine=engine, finder=alert_finder(search), terms=lambda _session: search.catalogue.terms,
                    mailer=mailer, settings=settings).send_due()
    typer.echo(f"alerts: {report.summary()}")
    if report.count(Outcome.failed):
        raise typer.Exit(1)


@alerts_app.command("address")
def alerts_address(
    username: str,
    email: Annotated[str, typer.Argument(help="Where the user's alerts go (empty: stop mailing them)")],
) -> None:
    """Set the e-mail address a user's alerts are sent to."""
    from sqlmodel import Session

    from cli.main import _engine, _fail
    from kb.accounts import user_by_name
    from kb.alerts import set_email
    from kb.errors import InvalidInput

    _, engine = _engine()
    try:
        with Session(engine) as session, session.begin():
            user = user_by_name(session, username)
            if user is None:
                _fail(f"no user named {username!r}", 2)
            set_email(session, user=user, email=email)
    except InvalidInput as exc:
        _fail(f"address not saved: {exc}", 2)
    typer.echo(f"alerts of {username} go to {email or 'nowhere'}")
