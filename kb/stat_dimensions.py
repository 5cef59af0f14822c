"""The dimensions statistics count by: one registry entry each (a later capability adds its own with one line)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kb.errors import Problem
from kb.vocabulary import Vocabulary

KIND_LABELS = {"good_practice": "Good practice", "country_practice": "Country practice"}


@dataclass(frozen=True)
class PracticeFacts:
    """What statistics read of one visible practice; `host` is None where the viewer may not see it."""

    id: int
    host: str | None
    kind: str
    source_type: str
    year: int
    tags: Mapping[str, list[str]]
    functional_area: str | None = None  # of the mission finding the practice was drawn from, if any


@dataclass(frozen=True)
class Category:
    """One row or column of a table: a value of a dimension and its label."""

    id: str
    label: str


@dataclass(frozen=True)
class Dimension:
    """A way to classify practices: the values one practice has, and the categories to list in order."""

    name: str
    label: str
    values_of: Callable[[PracticeFacts], frozenset[str]]
    categories: Callable[[Iterable[PracticeFacts]], list[Category]]
    ordered: bool = False  # years: ranges (year_from, year_to) are cells too


Vocabularies = Mapping[str, Vocabulary]
DimensionFactory = Callable[[Vocabularies], Dimension]


def _depth(vocabulary: Vocabulary, term_id: str) -> int:
    term = vocabulary.terms.get(term_id)
    return 1 if term is None or term.parent is None else 1 + _depth(vocabulary, term.parent)


def _ancestor_at(vocabulary: Vocabulary, term_id: str, level: int) -> str | None:
    """Return the term's ancestor at a level of the tree (1 is the top), itself if it is there, None if above."""
    depth = _depth(vocabulary, term_id)
    while depth > level:
        term_id = vocabulary.terms[term_id].parent or term_id
        depth -= 1
    return term_id if depth == level else None


def tag_level(vocabulary_name: str, level: int, name: str, label: str) -> DimensionFactory:
    """Return a dimension over one level of a tag vocabulary's tree (narrower terms count under broader ones)."""
    def build(vocabularies: Vocabularies) -> Dimension:
        vocabulary = vocabularies[vocabulary_name]

        def values_of(facts: PracticeFacts) -> frozenset[str]:
            found = (_ancestor_at(vocabulary, t, level) for t in facts.tags.get(vocabulary_name, ()))
            return frozenset(t for t in found if t is not None)

        terms = [Category(t.id, t.label) for t in vocabulary.terms.values() if _depth(vocabulary, t.id) == level]
        return Dimension(name, label, values_of, lambda _facts: terms)
    return build


def _kind(_vocabularies: Vocabularies) -> Dimension:
    kinds = [Category(kind, label) for kind, label in KIND_LABELS.items()]
    return Dimension("kind", "Kind", lambda f: frozenset({f.kind}), lambda _facts: kinds)


def _source_type(vocabularies: Vocabularies) -> Dimension:
    sources = [Category(t.id, t.label) for t in vocabularies["source_type"].terms.values()]
    return Dimension("source_type", "Source", lambda f: frozenset({f.source_type}), lambda _facts: sources)


def _year(_vocabularies: Vocabularies) -> Dimension:
    def years(facts: Iterable[PracticeFacts]) -> list[Category]:
        return [Category(str(y), str(y)) for y in sorted({f.year for f in facts})]
    return Dimension("year", "Year", lambda f: frozenset({str(f.year)}), years, ordered=True)


def _functional_area(vocabularies: Vocabularies) -> Dimension:
    areas = [Category(t.id, t.label) for t in vocabularies["functional_area"].terms.values()]
    return Dimension("functional_area", "Functional area",
                     lambda f: frozenset({f.functional_area}) if f.functional_area else frozenset(),
                     lambda _facts: areas)


DIMENSIONS: dict[str, DimensionFactory] = {
    "topic_group": tag_level("topic", 1, "topic_group", "Topic group"),
    "topic": tag_level("topic", 2, "topic", "Topic"),
    "sector": tag_level("sector", 1, "sector", "Sector"),
    "domain": tag_level("domain", 1, "domain", "Safety or security"),
    "kind": _kind,
    "source_type": _source_type,
    "year": _year,
    # Practices drawn from mission findings count by the finding's functional area. Finding kind is not a
    # dimension: only good-practice findings become practices; recommendations and suggestions never leave the host.
    "functional_area": _functional_area,
}


def dimensions(vocabularies: Vocabularies) -> dict[str, Dimension]:
    """Return every registered dimension, built on these vocabularies."""
    return {name: factory(vocabularies) for name, factory in DIMENSIONS.items()}


def dimension_problems(rows: str, columns: str | None) -> list[Problem]:
    """Return a problem for an unknown dimension, or the same one twice, naming the allowed ones."""
    allowed = ", ".join(DIMENSIONS)
    problems = [Problem(field, f"unknown dimension; allowed: {allowed}", value)
                for field, value in (("rows", rows), ("columns", columns))
                if value is not None and value not in DIMENSIONS]
    if not problems and columns == rows:
        problems.append(Problem("columns", "must differ from rows (or be left out for one dimension)", columns))
    return problems
