"""The public models hide an anonymised host everywhere, free text included."""

from __future__ import annotations

from kb.models import Kind, Practice
from kb.schemas import practice_public, practice_summary

PRACTICE = Practice(
    id=1, external_id="GP-1", kind=Kind.good_practice, title="How Cassamar fixed its source register",
    summary="The Cassamari regulator audited every licensee.", body="## Context\n\nCassamar (XC) had gaps.",
    host_state_code="XC", source_type="ippas", source_year=2020, source_reference="IPPAS-XC-2020",
    references=["Cassamar national guide 4"],
)
TAGS = {"domain": ["security"], "sector": ["radioactive_sources"], "topic": ["material_accountancy"]}


def test_an_anonymised_host_is_named_nowhere_in_the_public_practice() -> None:
    public = practice_public(PRACTICE, TAGS, host_shown=False, host_name="Cassamar")
    text = public.model_dump_json()
    assert "Cassam" not in text and "XC" not in text
    assert public.host_state is None
    assert public.title == "How [host state] fixed its source register"
    assert public.summary.startswith("The [host state] regulator")


def test_an_anonymised_host_is_named_nowhere_in_a_search_result() -> None:
    summary = practice_summary(PRACTICE, TAGS, host_shown=False, host_name="Cassamar", score=0.5,
                               passage="Cassamar (XC) had gaps.")
    assert "Cassam" not in summary.model_dump_json() and "XC" not in summary.model_dump_json()


def test_a_named_host_is_left_as_written() -> None:
    public = practice_public(PRACTICE, TAGS, host_shown=True, host_name="Cassamar")
    assert public.host_state == "XC"
    assert public.title == PRACTICE.title and public.references == PRACTICE.references
