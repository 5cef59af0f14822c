"""One alert's message: the new entries as the recipient sees them, why it was sent, and how to manage or stop it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from html import escape

from kb.alerts import filters_data
from kb.models import Alert, AlertKind
from kb.queries import Filters
from kb.schemas import PracticeSummaryPublic

NOTICES = {AlertKind.awaiting_decision: "as your state's focal point",
           AlertKind.host_decided: "as a member of the secretariat"}
SHOWN = 10  # entries written out in one message; the rest are counted ("and 3 more")


@dataclass(frozen=True)
class Digest:
    """What one message announces: the entries shown (projected for the recipient) and how many more there are."""

    alert: Alert
    filters: Filters
    entries: Sequence[PracticeSummaryPublic]
    more: int
    reasons: Mapping[str, str] = field(default_factory=dict)  # by public id: why a decision notice names it


def terms_of(alert: Alert, filters: Filters) -> str:
    """Say an alert's terms in words: the description and the filters."""
    parts = [f'"{alert.query}"'] if alert.query else []
    parts += [f"{name.replace('_', ' ')}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
              for name, value in filters_data(filters).items()]
    return "; ".join(parts) or "everything"


def message_id(alert: Alert, practice_ids: Sequence[str], domain: str) -> str:
    """Return the same Message-ID for the same announcement, so a retried one can be recognised as a duplicate."""
    digest = hashlib.sha256(f"{alert.public_id}:{','.join(sorted(practice_ids))}".encode()).hexdigest()[:24]
    return f"<alert.{alert.public_id}.{digest}@{domain}>"


def compose(digest: Digest, *, to: str, sender: str, portal: str, manage_url: str) -> EmailMessage:
    """Build the message with a plain-text and an HTML part."""
    alert, entries = digest.alert, digest.entries
    count = len(entries) + digest.more
    plural = "s" if count != 1 else ""
    if alert.kind in NOTICES:
        subject = f"{count} practice{plural}: {alert.name}"
        why = f"You receive this decision notice ({NOTICES[alert.kind]}); you can switch decision notices off."
    else:
        subject = f"{count} new practice{plural} for your alert \u201c{alert.name}\u201d"
        why = (f"You receive this because you saved the alert \u201c{alert.name}\u201d "
               f"({terms_of(alert, digest.filters)}).")
    link = f"{portal.rstrip('/')}/practices/"
    more = f"and {digest.more} more: open the alert in the portal to see them all." if digest.more else ""

    lines = [subject, ""]
    for entry in entries:
        host = entry.host_state or "host not named"
        reason = [f"  {digest.reasons[entry.id]}"] if entry.id in digest.reasons else []
        lines += [f"* {entry.title} ({host}, {entry.source_year})", *reason, f"  {entry.summary}",
                  f"  {link}{entry.id}", ""]
    if more:
        lines += [more, ""]
    lines += ["--", why, f"Manage or stop this alert: {manage_url}"]

    items = "".join(
        f'<li><a href="{escape(link + entry.id)}">{escape(entry.title)}</a> '
        f"({escape(entry.host_state or 'host not named')}, {entry.source_year})"
        + (f"<br><strong>{escape(digest.reasons[entry.id])}</strong>" if entry.id in digest.reasons else "")
        + f"<br>{escape(entry.summary)}</li>"
        for entry in entries)
    html = (f"<!doctype html><html><body><h1>{escape(subject)}</h1><ul>{items}</ul>"
            + (f"<p>{escape(more)}</p>" if more else "")
            + f'<hr><p>{escape(why)}</p><p><a href="{escape(manage_url)}">Manage or stop this alert</a></p>'
            + "</body></html>")

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(alert, [e.id for e in entries], sender.rpartition("@")[2] or "kb.local")
    message["List-Unsubscribe"] = f"<{manage_url}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines))
    message.add_alternative(html, subtype="html")
    return message
