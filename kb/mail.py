"""Sending mail: a small interface, and the adapter for a real SMTP server (settings `KB_SMTP_*`)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from kb.config import Settings

TIMEOUT_SECONDS = 30


class MailError(RuntimeError):
    """The mail server did not accept a message; nothing was recorded as delivered."""


class Mailer(Protocol):
    """What sends one message; raises MailError when the server does not take it."""

    def send(self, message: EmailMessage) -> None: ...


class SmtpMailer:
    """Send through the configured SMTP server, one connection per message (runs are short and rare)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host or not settings.mail_from:
            raise MailError("KB_SMTP_HOST and KB_MAIL_FROM must be set to send alerts (see docs/deploy.md)")
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server; MailError says why it was not accepted."""
        s = self.settings
        try:
            if s.smtp_tls == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS)
            with client:
                if s.smtp_tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    client.login(s.smtp_user, s.smtp_password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"SMTP server {s.smtp_host}:{s.smtp_port} did not accept the message: {exc}") from exc
