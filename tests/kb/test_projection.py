"""The one projection hides an anonymised host everywhere, free text included, and every state with it."""

from __future__ import annotations

from datetime import UTC, datetime

from kb.identifying import IdentifyingTerms
from kb.models import Kind, Practice, Role
from kb.projection import Projection
from kb.viewer import PUBLIC, Viewer

TERMS = IdentifyingTerms(terms={"XC": ("Cassamar", "Cassamari"), "XB": ("Brevania",)}, codes=("XB", "XC"))
PRACTICE = Practice(
    id=1, public_id="abcdefghjkmn", external_id="GP-1", kind=Kind.good_practice,
    title="How Cassamar fixed its source register",
    summary="The Cassamari regulator audited every licensee, as Brevania had.",
    body="## Context\n\nCassamar (XC) had gaps.",
    host_state_code="XC", source_type="ippas", source_year=2020, source_reference="IPPAS-XC-2020",
    references=["Cassamar national guide 4"], updated_at=datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
)
TAGS = {"domain": ["security"], "sector": ["radioactive_sources"], "topic": ["material_accountancy"]}
OUTSIDER = Projection(PUBLIC, TERMS)
HOST = Projection(Viewer(user_id=3, username="focal.xc", role=Role.focal_point, state_code="XC"), TERMS)


def test_an_anonymised_host_is_named_nowhere_in_the_public_practice() -> None:
    public = OUTSIDER.practice(PRACTICE, TAGS, host_shown=False)
    text = public.model_dump_json()
    assert "Cassam" not in text and "XC" not in text and "GP-1" not in text
    assert public.host_state is None and public.reference is None and public.authorisations is None
    assert public.title == "How [state] fixed its source register"
    assert public.summary == "The [state] regulator audited every licensee, as [state] had."
    assert public.source_reference == "IPPAS-[state]-2020"


def test_an_anonymised_host_is_named_nowhere_in_a_search_result() -> None:
    summary = OUTSIDER.summary(PRACTICE, TAGS, host_shown=False, score=0.5, passage="Cassamar (XC) had gaps.")
    assert "Cassam" not in summary.model_dump_json() and "XC" not in summary.model_dump_json()
    assert summary.passage == "[state] ([state]) had gaps."


def test_a_snippet_is_chosen_only_from_the_redacted_texts() -> None:
    given: dict[str, str] = {}

    def snippet(*, summary: str, body: str, passage: str) -> str:
        given.update(summary=summary, body=body, passage=passage)
        return body

    result = OUTSIDER.summary(PRACTICE, TAGS, host_shown=False, passage="Cassamar (XC) had gaps.", snippet=snippet)
    assert given == {"summary": "The [state] regulator audited every licensee, as [state] had.",
                     "body": "## Context\n\n[state] ([state]) had gaps.", "passage": "[state] ([state]) had gaps."}
    assert result.passage == given["body"]
    assert HOST.summary(PRACTICE, TAGS, host_shown=True, snippet=snippet).passage == PRACTICE.body


def test_a_named_host_is_left_as_written_and_the_reference_goes_to_the_host_only() -> None:
    public = OUTSIDER.practice(PRACTICE, TAGS, host_shown=True)
    assert public.host_state == "XC" and public.reference is None
    assert public.title == PRACTICE.title and public.references == PRACTICE.references
    own = HOST.practice(PRACTICE, TAGS, host_shown=True, decisions=[])
    assert own.reference == "GP-1" and own.authorisations == [] and own.decision_version == 0


def test_ids_are_opaque_and_dates_are_days() -> None:
    summary = OUTSIDER.summary(PRACTICE, TAGS, host_shown=True)
    assert summary.id == "abcdefghjkmn"
    assert summary.updated.isoformat() == "2024-05-06"
    assert "08:09" not in summary.model_dump_json()
