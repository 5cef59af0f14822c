"""Identifying terms per state: the secretariat's data file beside the vocabularies, plus every state's name and code.

`identifying_terms.yaml` lists for each state its names, former names, demonyms, places and organisations. The
states' names and codes as the database holds them are always added, so a new state is covered at once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from sqlmodel import Session, select

from kb.anonymity import Matcher, Redacted
from kb.models import State
from kb.vocabulary import IDENTIFYING_TERMS_FILE, VocabularyError

KINDS = ("names", "former_names", "demonyms", "places", "organisations")


@dataclass(frozen=True)
class IdentifyingTerms:
    """Every state's identifying terms and codes; the matcher that redacts them is built once."""

    terms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    codes: tuple[str, ...] = ()

    @cached_property
    def digest(self) -> str:
        """Return a digest of the terms: stored passages redacted with other terms are stale."""
        payload = json.dumps({"terms": {k: sorted(v) for k, v in sorted(self.terms.items())},
                              "codes": sorted(self.codes)}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    @cached_property
    def matcher(self) -> Matcher:
        return Matcher(self.terms, self.codes)

    def redact(self, text: str) -> Redacted:
        """Return the text as an outsider reads it when the host is anonymous."""
        return self.matcher.redact(text)

    def redacted(self, text: str) -> str:
        return self.matcher.redact(text).text


def read_terms_file(folder: Path) -> dict[str, list[str]]:
    """Read the data file of a vocabulary folder (an absent file lists nothing); state code → terms."""
    path = folder / IDENTIFYING_TERMS_FILE
    if not path.exists():
        return {}
    return {code: list(terms) for code, terms in _read(path, path.stat().st_mtime_ns).items()}


@lru_cache(maxsize=16)
def _read(path: Path, _mtime_ns: int) -> dict[str, tuple[str, ...]]:
    """Parse the file once per version of it (the modification time is part of the key)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: cannot read identifying terms: {exc}") from exc
    states = data.get("states") if isinstance(data, dict) else None
    if not isinstance(states, dict):
        raise VocabularyError(f"{path}: expected a mapping 'states:' of state codes to their terms")
    found: dict[str, tuple[str, ...]] = {}
    for code, entry in states.items():
        if not isinstance(code, str) or len(code) != 2 or not isinstance(entry, dict):
            raise VocabularyError(f"{path}: state {code!r}: expected a two-letter code with a mapping of "
                                  f"{', '.join(KINDS)}")
        unknown = set(entry) - set(KINDS)
        if unknown:
            raise VocabularyError(f"{path}: state {code}: unknown key(s) {', '.join(sorted(unknown))}; "
                                  f"allowed: {', '.join(KINDS)}")
        terms: list[str] = []
        for kind in KINDS:
            values = entry.get(kind) or []
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise VocabularyError(f"{path}: state {code}, {kind}: expected a list of non-empty texts")
            terms.extend(v.strip() for v in values)
        found[code.upper()] = tuple(terms)
    return found


def identifying_terms(folder: Path, states: Iterable[tuple[str, str]]) -> IdentifyingTerms:
    """Return the identifying terms of the folder's data file with every (code, name) of the database added."""
    listed = read_terms_file(folder)
    terms: dict[str, tuple[str, ...]] = {}
    codes: list[str] = []
    for code, name in states:
        codes.append(code)
        terms[code] = tuple(dict.fromkeys([name, *listed.get(code, [])]))
    for code, extra in listed.items():  # a state in the file but not (yet) in the database is still protected
        if code not in terms:
            terms[code] = tuple(dict.fromkeys(extra))
            codes.append(code)
    return IdentifyingTerms(terms=terms, codes=tuple(sorted(set(codes))))


class TermsSource:
    """The identifying terms as of now: the data file (read again when it changes) and the database's states."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._key: tuple[object, ...] | None = None
        self._terms = IdentifyingTerms()
        self._lock = threading.Lock()

    def current(self, session: Session) -> IdentifyingTerms:
        """Return the terms for the states the database holds now (built again only when something changed)."""
        states = tuple((code, name) for code, name in session.exec(select(State.code, State.name).order_by(State.code)))
        path = self.folder / IDENTIFYING_TERMS_FILE
        key = (states, path.stat().st_mtime_ns if path.exists() else None)
        with self._lock:
            if key != self._key:
                self._terms = identifying_terms(self.folder, states)
                self._key = key
            return self._terms
