"""Controlled vocabularies (domain, sector, topic, source type), each a YAML file the secretariat extends."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from kb.errors import Problem

TAG_VOCABULARIES = ("domain", "sector", "topic")
IDENTIFYING_TERMS_FILE = "identifying_terms.yaml"  # beside the vocabularies, but not one (kb.identifying)


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    description: str = ""
    synonyms: tuple[str, ...] = ()
    parent: str | None = None


@dataclass
class Vocabulary:
    """One vocabulary: its terms in file order, looked up by id, label or synonym."""

    name: str
    label: str
    terms: dict[str, Term] = field(default_factory=dict)

    def resolve(self, value: str) -> str | None:
        """Return the term id for an id or label written in any case, or None."""
        wanted = value.strip().casefold()
        for term in self.terms.values():
            if wanted in (term.id.casefold(), term.label.casefold()):
                return term.id
        return None

    def closest(self, value: str) -> str | None:
        """Return the id of the term that best resembles `value` (by id, label or synonym)."""
        names: dict[str, str] = {}
        for term in self.terms.values():
            for name in (term.id, term.label, *term.synonyms):
                names.setdefault(name.casefold(), term.id)
        match = difflib.get_close_matches(value.strip().casefold(), list(names), n=1, cutoff=0.5)
        return names[match[0]] if match else None

    def unknown_term(self, field: str, value: str) -> Problem:
        """Return the problem of a value that is no term here: what is allowed, and the closest term."""
        hint = self.closest(value)
        suggestion = f" (did you mean '{hint}'?)" if hint else ""
        return Problem(field, f"unknown value{suggestion}; allowed: {', '.join(self.terms)}", value)

    def children(self, term_id: str) -> list[Term]:
        return [t for t in self.terms.values() if t.parent == term_id]

    def roots(self) -> list[Term]:
        return [t for t in self.terms.values() if t.parent is None]

    def with_descendants(self, term_id: str) -> list[str]:
        """Return the term and every term below it."""
        found = [term_id]
        for child in self.children(term_id):
            found.extend(self.with_descendants(child.id))
        return found

    def label_of(self, term_id: str) -> str:
        term = self.terms.get(term_id)
        return term.label if term else term_id


class VocabularyError(ValueError):
    """A vocabulary file is malformed."""


def load_vocabulary(path: Path) -> Vocabulary:
    """Read one vocabulary file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: cannot read vocabulary: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise VocabularyError(f"{path}: a vocabulary is a mapping with 'name', 'label' and a 'terms' list")
    vocabulary = Vocabulary(name=str(data.get("name") or path.stem), label=str(data.get("label") or path.stem))
    for number, raw in enumerate(data["terms"], start=1):
        if not isinstance(raw, dict) or not raw.get("id") or not raw.get("label"):
            raise VocabularyError(f"{path}: term {number} needs an 'id' and a 'label'")
        term = Term(
            id=str(raw["id"]),
            label=str(raw["label"]),
            description=str(raw.get("description") or ""),
            synonyms=tuple(str(s) for s in raw.get("synonyms") or ()),
            parent=raw.get("parent"),
        )
        if term.id in vocabulary.terms:
            raise VocabularyError(f"{path}: term {number}: id '{term.id}' appears twice")
        vocabulary.terms[term.id] = term
    for term in vocabulary.terms.values():
        if term.parent is not None and term.parent not in vocabulary.terms:
            raise VocabularyError(f"{path}: term '{term.id}' names unknown parent '{term.parent}'")
    return vocabulary


@lru_cache(maxsize=8)
def load_vocabularies(folder: Path) -> dict[str, Vocabulary]:
    """Read every vocabulary file of a folder, keyed by vocabulary name."""
    found = {}
    for path in sorted(folder.glob("*.y*ml")):
        if path.name == IDENTIFYING_TERMS_FILE:
            continue
        vocabulary = load_vocabulary(path)
        found[vocabulary.name] = vocabulary
    missing = {*TAG_VOCABULARIES, "source_type"} - set(found)
    if missing:
        raise VocabularyError(f"{folder}: missing vocabulary files for {', '.join(sorted(missing))}")
    return found
