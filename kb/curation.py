"""Secretariat curation: check and save a practice record, and the queues of entries awaiting work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from kb.errors import InvalidInput
from kb.models import Network, Practice, State, Status
from kb.practices import Outcome, upsert_practice
from kb.records import KnownNames, PracticeRecord, check_record
from kb.viewer import Viewer
from kb.visibility import visible_to
from kb.vocabulary import TAG_VOCABULARIES, Vocabulary


class CurationError(InvalidInput):
    """A record that cannot be saved as given; `problems` says what to fix."""


def known_names(session: Session, vocabularies: dict[str, Vocabulary]) -> KnownNames:
    """Return what a record may refer to, as the database holds it now."""
    return KnownNames(
        vocabularies=vocabularies,
        states=frozenset(session.exec(select(State.code)).all()),
        networks=frozenset(session.exec(select(Network.code)).all()),
    )


def save_practice(
    session: Session, *, record: PracticeRecord, vocabularies: dict[str, Vocabulary], actor: str, via: str
) -> tuple[Outcome, Practice]:
    """Check a record against the vocabularies and directory, then insert or update its practice."""
    normalised, problems = check_record(record, known_names(session, vocabularies))
    if problems:
        raise CurationError(problems)
    return upsert_practice(session, record=normalised, actor=actor, origin=via)


@dataclass(frozen=True)
class Queues:
    """Entries the secretariat still has to act on, or is waiting on a host for."""

    drafts: list[Practice]
    pending: list[Practice]


def queues(session: Session, *, viewer: Viewer) -> Queues:
    """Return the drafts and the entries awaiting host authorisation that the viewer may see."""
    def with_status(status: Status) -> list[Practice]:
        statement = (
            select(Practice).where(Practice.status == status, visible_to(viewer))
            .order_by(col(Practice.updated_at).desc(), col(Practice.public_id))
        )
        return list(session.exec(statement))

    return Queues(drafts=with_status(Status.draft), pending=with_status(Status.pending))


def record_of(practice: Practice, tags: dict[str, list[str]]) -> PracticeRecord:
    """Return the editable record of a stored practice (authorisation is the host's, so it is left out)."""
    return PracticeRecord.model_validate({
        "id": practice.external_id, "kind": practice.kind, "title": practice.title, "summary": practice.summary,
        "body": practice.body, "host_state": practice.host_state_code,
        "source": {"type": practice.source_type, "year": practice.source_year,
                   "reference": practice.source_reference},
        "language": practice.language, **{name: tags.get(name, []) for name in TAG_VOCABULARIES},
        "references": list(practice.references), "status": practice.status,
    })
