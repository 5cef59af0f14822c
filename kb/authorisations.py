"""The host's decisions on sharing a practice: grant, refuse, withdraw — kept as history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from kb import audit
from kb.models import (
    Attribution,
    Authorisation,
    AuthorisationNetwork,
    Network,
    Practice,
    Scope,
    Status,
    utcnow,
)


class AuthorisationError(ValueError):
    """A sharing decision that cannot be recorded as asked."""


def current_authorisation(session: Session, practice_id: int) -> Authorisation | None:
    """Return the authorisation in force for a practice, if any."""
    return session.exec(
        select(Authorisation).where(
            Authorisation.practice_id == practice_id,
            Authorisation.withdrawn_at.is_(None),  # type: ignore[union-attr]
            Authorisation.superseded_at.is_(None),  # type: ignore[union-attr]
        )
    ).first()


def _describe(session: Session, authorisation: Authorisation | None) -> dict[str, object] | None:
    if authorisation is None:
        return None
    from kb.practices import network_codes_of

    return {
        "scope": authorisation.scope,
        "networks": network_codes_of(session, authorisation.id or 0),
        "attribution": authorisation.attribution,
        "granted_by": authorisation.granted_by,
        "withdrawn": authorisation.withdrawn_at is not None,
    }


def grant(
    session: Session,
    *,
    practice: Practice,
    scope: Scope,
    network_codes: Sequence[str] = (),
    attribution: Attribution = Attribution.named,
    by: str,
    actor: str,
    at: datetime | None = None,
    note: str = "",
) -> Authorisation:
    """Record a new sharing decision for a practice; the previous one is superseded, not overwritten."""
    networks = list(session.exec(select(Network).where(Network.code.in_(list(network_codes)))))  # type: ignore[attr-defined]
    unknown = sorted(set(network_codes) - {n.code for n in networks})
    if unknown:
        raise AuthorisationError(f"unknown network(s): {', '.join(unknown)}")
    if scope == Scope.networks and not networks:
        raise AuthorisationError("sharing with networks needs at least one network")
    if scope != Scope.networks and networks:
        raise AuthorisationError(f"networks can only be named when sharing with networks, not '{scope}'")
    previous = current_authorisation(session, practice.id or 0)
    now = utcnow()
    if previous is not None:
        previous.superseded_at = now
        session.add(previous)
    authorisation = Authorisation(
        practice_id=practice.id or 0,
        scope=scope,
        attribution=attribution,
        granted_by=by,
        granted_at=at or now,
        note=note,
    )
    session.add(authorisation)
    session.flush()
    for network in networks:
        session.add(AuthorisationNetwork(authorisation_id=authorisation.id or 0, network_id=network.id or 0))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="authorisation.refuse" if note == REFUSED else "authorisation.grant",
        object_type="practice",
        object_id=practice.external_id,
        before=_describe(session, previous),
        after=_describe(session, authorisation),
    )
    return authorisation


REFUSED = "refused"


def authorise(
    session: Session,
    *,
    practice: Practice,
    scope: Scope,
    network_codes: Sequence[str] = (),
    attribution: Attribution = Attribution.named,
    by: str,
) -> Authorisation:
    """Authorise sharing a practice as the host, and publish it if it was waiting for the host."""
    authorisation = grant(
        session, practice=practice, scope=scope, network_codes=network_codes, attribution=attribution,
        by=by, actor=by,
    )
    if practice.status in (Status.pending, Status.withdrawn):
        practice.status = Status.published
        session.add(practice)
    return authorisation


def refuse(session: Session, *, practice: Practice, by: str) -> Authorisation:
    """Record that the host refuses to share a practice beyond itself."""
    return grant(session, practice=practice, scope=Scope.host_only, by=by, actor=by, note=REFUSED)


def withdraw(session: Session, *, practice: Practice, by: str) -> Authorisation:
    """Withdraw the consent in force; the practice stops being shared on the next request."""
    current = current_authorisation(session, practice.id or 0)
    if current is None:
        raise AuthorisationError(f"practice {practice.external_id} has no authorisation in force to withdraw")
    before = _describe(session, current)
    current.withdrawn_at = utcnow()
    current.withdrawn_by = by
    session.add(current)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="authorisation.withdraw",
        object_type="practice",
        object_id=practice.external_id,
        before=before,
        after=_describe(session, current),
    )
    return current
