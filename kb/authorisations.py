"""The host's decisions on sharing a practice — grant, refuse, withdraw — kept as history, one in force at a time.

Decisions on one practice are serialised: each first takes the practice's decision lock (`SELECT … FOR UPDATE` on
PostgreSQL, the database write lock on SQLite) and advances the practice's decision version. A caller that says
which version it decided on (`based_on`, what the form showed) and finds that another decision was recorded
meanwhile gets a `Conflict` naming the decision now in force, never a second row; the database itself refuses a
second decision in force (the partial unique index `uq_authorisation_in_force`).

A decision stated in a file or a record (ingest, a curator's record) never overrides one recorded since:
`apply_recorded` changes nothing for a decision already on record, and applies a different one only when it was
granted after every decision recorded for the practice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from kb import audit
from kb.credits import credit, credits
from kb.errors import Conflict, InvalidInput, Problem
from kb.models import (
    Attribution,
    Authorisation,
    AuthorisationNetwork,
    DecisionKind,
    Network,
    Practice,
    Scope,
    Status,
    as_date,
    utcnow,
)

SCOPE_LABELS = {Scope.host_only: "Host only", Scope.networks: "Chosen networks", Scope.public: "Public"}


class AuthorisationError(InvalidInput):
    """A sharing decision that cannot be recorded as asked."""


def scope_problem(scope: Scope | None, networks: Sequence[str]) -> str | None:
    """Return what is wrong with naming these networks for this scope (the one statement of the rule), or None."""
    if scope == Scope.networks and not networks:
        return "scope 'networks' needs at least one network: choose the networks to share with"
    if scope is not None and scope != Scope.networks and networks:
        return f"networks are only allowed with scope 'networks' (chosen networks), not '{scope}'"
    return None


# -- reading the history ---------------------------------------------------------------------------


def current_authorisation(session: Session, practice_id: int) -> Authorisation | None:
    """Return the authorisation in force for a practice, if any."""
    return session.exec(
        select(Authorisation).where(
            Authorisation.practice_id == practice_id,
            col(Authorisation.withdrawn_at).is_(None),
            col(Authorisation.superseded_at).is_(None),
        )
    ).first()


def authorisation_history(session: Session, practice_id: int) -> list[Authorisation]:
    """Return every authorisation decision of a practice, newest first."""
    return list(
        session.exec(
            select(Authorisation)
            .where(Authorisation.practice_id == practice_id)
            .order_by(col(Authorisation.granted_at).desc(), col(Authorisation.id).desc())
        )
    )


def network_codes_of(session: Session, authorisation_id: int) -> list[str]:
    """Return the codes of the networks an authorisation names."""
    return sorted(
        session.exec(
            select(Network.code)
            .join(AuthorisationNetwork, col(AuthorisationNetwork.network_id) == Network.id)
            .where(AuthorisationNetwork.authorisation_id == authorisation_id)
        )
    )


@dataclass(frozen=True)
class Decision:
    """One authorisation as shown to the host and the secretariat: the row and the networks it names."""

    authorisation: Authorisation
    networks: list[str]
    people: Mapping[str, str] = field(default_factory=dict)  # username -> "Full Name (username)"

    def credit(self, name: str | None) -> str:
        """Say who did it in one form: a person's name and username, or the authority as the record states it."""
        return credit(dict(self.people), name)

    @property
    def refused(self) -> bool:
        return self.authorisation.refused

    @property
    def in_force(self) -> bool:
        return self.authorisation.in_force

    def describe(self) -> str:
        """Say in plain words what the decision lets happen: 'Shared with NSSN, anonymously, from 1 Dec 2026'."""
        a = self.authorisation
        when = f"{a.granted_at:%-d %b %Y}"
        if a.refused:
            return f"Refused: not shared beyond the host, from {when}"
        if a.scope == Scope.host_only:
            return f"Not shared beyond the host, from {when}"
        audience = "everyone (public)" if a.scope == Scope.public else ", ".join(self.networks)
        name = "naming the host" if a.attribution == Attribution.named else "anonymously"
        return f"Shared with {audience}, {name}, from {when}"

    def summary(self) -> dict[str, object]:
        """Return the decision as data (for audit events and conflict answers)."""
        a = self.authorisation
        return {"decision": str(a.decision), "scope": str(a.scope), "networks": self.networks,
                "attribution": str(a.attribution), "granted_by": a.granted_by,
                "granted_at": a.granted_at.date().isoformat(), "entered_by": a.entered_by,
                "entered_via": a.entered_via, "withdrawn": a.withdrawn_at is not None,
                "description": self.describe()}


def decision_of(session: Session, authorisation: Authorisation) -> Decision:
    return Decision(authorisation, network_codes_of(session, authorisation.id or 0))


def decisions_of(session: Session, practice: Practice) -> list[Decision]:
    """Return the practice's authorisation history, newest first, with the networks each names and who acted."""
    history = authorisation_history(session, practice.id or 0)
    people = credits(session, (n for a in history for n in (a.granted_by, a.entered_by, a.withdrawn_by,
                                                            a.withdrawal_entered_by)))
    return [Decision(a, network_codes_of(session, a.id or 0), people) for a in history]


def in_force_summary(session: Session, practice: Practice) -> dict[str, object]:
    """Return what holds now for a practice, as data: the decision in force, or that none is."""
    current = current_authorisation(session, practice.id or 0)
    if current is None:
        return {"decision": None, "description": "No decision in force: not shared beyond the host",
                "version": practice.decision_version}
    return {**decision_of(session, current).summary(), "version": practice.decision_version}


# -- the lock --------------------------------------------------------------------------------------


def take_decision_lock(session: Session, table: str, row_id: int) -> int:
    """Lock one row's decisions (a practice, a plan) to the end of the transaction; return its decision version.

    On SQLite the write lock is taken by the first write, so the lock is a write that changes nothing.
    `table` is a table name of kb.models with a `decision_version` column, never user input.
    """
    if session.get_bind().dialect.name == "postgresql":
        statement = text(f"SELECT decision_version FROM {table} WHERE id = :id FOR UPDATE")
    else:
        session.execute(text(f"UPDATE {table} SET decision_version = decision_version WHERE id = :id"), {"id": row_id})
        statement = text(f"SELECT decision_version FROM {table} WHERE id = :id")
    return int(session.execute(statement, {"id": row_id}).scalar_one())


def advance_decision_version(session: Session, table: str, row_id: int, version: int) -> int:
    """Advance a locked row's decision version past `version`; return the new one."""
    session.execute(text(f"UPDATE {table} SET decision_version = :next WHERE id = :id"),
                    {"next": version + 1, "id": row_id})
    return version + 1


def lock_for_decision(session: Session, practice: Practice, *, based_on: int | None = None) -> int:
    """Take the practice's decision lock, check the version the caller decided on, advance it; return the new one.

    Held to the end of the caller's transaction, so decisions on one practice (from any process) run one after
    the other.
    """
    version = take_decision_lock(session, "practice", practice.id or 0)
    if based_on is not None and based_on != version:
        raise Conflict(
            "Another decision on this practice was recorded while you were deciding, so yours was not applied. "
            f"Now in force: {in_force_summary(session, practice)['description']}. Review it and decide again.",
            current=in_force_summary(session, practice) | {"version": version},
        )
    set_committed_value(practice, "decision_version", advance_decision_version(session, "practice",
                                                                               practice.id or 0, version))
    return version + 1


def flush_one_in_force(session: Session, what: str) -> None:
    """Write a new decision; the unique index refuses a second one in force, which is a conflict to report."""
    try:
        session.flush()
    except IntegrityError as exc:  # only a writer that skipped the lock can get here
        raise Conflict(f"Another decision on this {what} is already in force; reload and decide again.") from exc


# -- recording decisions ---------------------------------------------------------------------------


def grant(
    session: Session,
    *,
    practice: Practice,
    scope: Scope,
    network_codes: Sequence[str] = (),
    attribution: Attribution = Attribution.named,
    by: str,
    entered_by: str,
    entered_via: str,
    at: datetime | None = None,
    note: str = "",
    decision: DecisionKind = DecisionKind.grant,
    based_on: int | None = None,
) -> Authorisation:
    """Record a new sharing decision for a practice; the one in force before is superseded, not overwritten."""
    problem = scope_problem(scope, network_codes)
    if problem:
        raise AuthorisationError([Problem("networks", problem, list(network_codes))])
    networks = list(session.exec(select(Network).where(col(Network.code).in_(list(network_codes)))))
    unknown = sorted(set(network_codes) - {n.code for n in networks})
    if unknown:
        raise AuthorisationError([Problem("networks", f"unknown network(s): {', '.join(unknown)}", unknown)])
    lock_for_decision(session, practice, based_on=based_on)
    previous = current_authorisation(session, practice.id or 0)
    before = decision_of(session, previous).summary() if previous is not None else None
    now = utcnow()
    if previous is not None:
        previous.superseded_at = now
        session.add(previous)
    authorisation = Authorisation(
        practice_id=practice.id or 0, decision=decision, scope=scope, attribution=attribution, granted_by=by,
        granted_at=at or now, entered_by=entered_by, entered_via=entered_via, entered_at=now, note=note,
    )
    session.add(authorisation)
    flush_one_in_force(session, "practice")
    for network in networks:
        session.add(AuthorisationNetwork(authorisation_id=authorisation.id or 0, network_id=network.id or 0))
    session.flush()
    audit.record(
        session, actor=entered_by, action=f"authorisation.{'refuse' if decision == DecisionKind.refusal else 'grant'}",
        object_type="practice", object_id=practice.external_id, before=before,
        after=decision_of(session, authorisation).summary(),
    )
    return authorisation


def _not_a_draft(practice: Practice) -> None:
    if practice.status == Status.draft:
        raise AuthorisationError(
            "This entry is still a secretariat draft: the secretariat has not submitted it for your decision yet.",
            field="action", value="authorise",
        )


def authorisation_problems(scope: Scope | None, network_codes: Sequence[str],
                           attribution: Attribution | None) -> list[Problem]:
    """Return what the host still has to choose before a grant can be recorded (nothing is chosen for them)."""
    problems = []
    if scope is None:
        problems.append(Problem("scope", "choose who may see it: host only, chosen networks or public"))
    else:
        networks_problem = scope_problem(scope, network_codes)
        if networks_problem:
            problems.append(Problem("networks", networks_problem, list(network_codes)))
    if attribution is None:
        problems.append(Problem("attribution", "choose whether to name your state or share anonymously"))
    return problems


def authorise(
    session: Session,
    *,
    practice: Practice,
    scope: Scope | None,
    network_codes: Sequence[str] = (),
    attribution: Attribution | None,
    by: str,
    via: str,
    based_on: int | None = None,
) -> Authorisation:
    """Authorise sharing a practice as the host, and publish it if it was waiting for the host."""
    _not_a_draft(practice)
    problems = authorisation_problems(scope, network_codes, attribution)
    if problems:
        raise AuthorisationError(problems)
    assert scope is not None and attribution is not None
    authorisation = grant(session, practice=practice, scope=scope, network_codes=network_codes,
                          attribution=attribution, by=by, entered_by=by, entered_via=via, based_on=based_on)
    if practice.status in (Status.pending, Status.withdrawn):
        practice.status = Status.published
        session.add(practice)
    return authorisation


def refuse(session: Session, *, practice: Practice, by: str, via: str, based_on: int | None = None) -> Authorisation:
    """Record that the host refuses to share a practice beyond itself."""
    _not_a_draft(practice)
    return grant(session, practice=practice, scope=Scope.host_only, by=by, entered_by=by, entered_via=via,
                 decision=DecisionKind.refusal, based_on=based_on)


def withdraw_as_host(session: Session, *, practice: Practice, by: str, via: str,
                     based_on: int | None = None) -> Authorisation:
    """Withdraw as the host, now: the practice's status becomes withdrawn too, so status and sharing agree.

    (A file's stated withdrawal leaves the status to the file, so re-reading the file changes nothing.)
    """
    withdrawn = withdraw(session, practice=practice, by=by, via=via, based_on=based_on)
    if practice.status == Status.published:
        practice.status = Status.withdrawn
        session.add(practice)
    return withdrawn


def withdraw(
    session: Session, *, practice: Practice, by: str, via: str, based_on: int | None = None,
    at: datetime | None = None, authority: str | None = None,
) -> Authorisation:
    """Withdraw the consent in force; the practice stops being shared on the next request."""
    lock_for_decision(session, practice, based_on=based_on)
    current = current_authorisation(session, practice.id or 0)
    if current is None:
        raise AuthorisationError(f"practice {practice.external_id} has no authorisation in force to withdraw",
                                 field="action", value="withdraw")
    before = decision_of(session, current).summary()
    current.withdrawn_at = at or utcnow()
    current.withdrawn_by = authority or by
    current.withdrawal_entered_by = by
    current.withdrawal_entered_via = via
    session.add(current)
    session.flush()
    audit.record(session, actor=by, action="authorisation.withdraw", object_type="practice",
                 object_id=practice.external_id, before=before, after=decision_of(session, current).summary())
    return current


# -- decisions stated in files and records -----------------------------------------------------------


@dataclass(frozen=True)
class StatedDecision:
    """A decision as a file or record states it (kb.records.AuthorisationIn has this shape)."""

    scope: Scope
    networks: Sequence[str]
    attribution: Attribution
    granted_by: str
    granted_at: date | None
    withdrawn_at: date | None


def _same(session: Session, recorded: Authorisation, stated: StatedDecision) -> bool:
    return (
        recorded.decision == DecisionKind.grant
        and recorded.scope == stated.scope
        and recorded.attribution == stated.attribution
        and network_codes_of(session, recorded.id or 0) == sorted(stated.networks)
        and (stated.granted_at is None or recorded.granted_at.date() == stated.granted_at)
    )


def _latest_moment(history: Sequence[Authorisation]) -> datetime | None:
    moments = [m for a in history for m in (a.granted_at, a.withdrawn_at) if m is not None]
    return max(moments) if moments else None


def _who(authorisation: Authorisation, withdrawal: bool = False) -> str:
    if withdrawal:
        return f"{authorisation.withdrawn_by or authorisation.withdrawal_entered_by or 'unknown'}"
    return authorisation.granted_by or authorisation.entered_by or "unknown"


def override_problem(session: Session, practice: Practice, stated: StatedDecision) -> str | None:
    """Return why a stated decision may not be recorded for this practice (it would override the host), or None."""
    history = authorisation_history(session, practice.id or 0)
    if not history or any(_same(session, a, stated) for a in history):
        return _withdrawal_problem(session, history, stated)
    latest = _latest_moment(history)
    if latest is not None and (stated.granted_at is None or stated.granted_at <= latest.date()):
        newest = history[0]
        current = current_authorisation(session, practice.id or 0)
        if current is not None:
            holds = f"in force: {decision_of(session, current).describe()} (granted by {_who(current)})"
        elif newest.withdrawn_at is not None:
            holds = (f"no decision in force: the last one was withdrawn on {newest.withdrawn_at:%-d %b %Y} by "
                     f"{_who(newest, withdrawal=True)}")
        else:
            holds = "no decision in force"
        given = "no granted_at" if stated.granted_at is None else f"granted_at {stated.granted_at.isoformat()}"
        return (f"the record's authorisation ({stated.scope}, {stated.attribution}, {given}) differs "
                f"from the decisions on record and is not later than the last of them ({latest:%Y-%m-%d}); {holds}. "
                "A host's decision is never overridden by a file or record: leave out 'authorisation', or give the "
                f"host's newer decision with a granted_at after {latest:%Y-%m-%d}")
    return None


def _withdrawal_problem(session: Session, history: Sequence[Authorisation], stated: StatedDecision) -> str | None:
    """A stated withdrawal of a recorded grant in force is applied only when it is later than every decision."""
    if stated.withdrawn_at is None:
        return None
    recorded = next((a for a in history if _same(session, a, stated)), None)
    if recorded is None or not recorded.in_force:
        return None
    latest = _latest_moment(history)
    if latest is not None and stated.withdrawn_at <= latest.date():
        return (f"the record withdraws the authorisation on {stated.withdrawn_at.isoformat()}, which is not later "
                f"than the last decision on record ({latest:%Y-%m-%d}); give the date the host withdrew it")
    return None


def apply_recorded(
    session: Session, *, practice: Practice, stated: StatedDecision, actor: str, origin: str
) -> Authorisation | None:
    """Record the decision a file or record states — unless it is on record already; refuse it if it would override.

    Raises `Conflict` when the stated decision differs from the history and is not later than all of it.
    """
    problem = override_problem(session, practice, stated)
    if problem is not None:
        raise Conflict(problem)
    history = authorisation_history(session, practice.id or 0)
    recorded = next((a for a in history if _same(session, a, stated)), None)
    if recorded is None:
        recorded = grant(session, practice=practice, scope=stated.scope, network_codes=stated.networks,
                         attribution=stated.attribution, by=stated.granted_by or actor, entered_by=actor,
                         entered_via=origin, at=as_date(stated.granted_at))
    elif stated.withdrawn_at is None or not recorded.in_force:
        return None
    if stated.withdrawn_at is not None and recorded.in_force:
        withdraw(session, practice=practice, by=actor, via=origin, at=as_date(stated.withdrawn_at),
                 authority=stated.granted_by or actor)
    return recorded


def has_decisions(session: Session, practice: Practice) -> bool:
    """Tell whether the host (or anyone on its authority) has decided anything on this practice."""
    if practice.id is None:
        return False
    return session.exec(select(Authorisation.id).where(Authorisation.practice_id == practice.id)).first() is not None
