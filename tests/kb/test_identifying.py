"""Identifying terms come from the secretariat's data file and from the database's own states."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kb.config import PACKAGE_VOCABULARY_DIR
from kb.directory import upsert_state
from kb.identifying import TermsSource, identifying_terms, read_terms_file
from kb.vocabulary import VocabularyError, load_vocabularies


def test_the_packaged_file_covers_every_demo_state_and_is_no_vocabulary() -> None:
    listed = read_terms_file(PACKAGE_VOCABULARY_DIR)
    assert len(listed) == 18 and all(terms for terms in listed.values())
    assert "identifying_terms" not in load_vocabularies(PACKAGE_VOCABULARY_DIR)


def test_a_state_not_in_the_file_is_still_covered_by_its_name_and_code(tmp_path: Path) -> None:
    terms = identifying_terms(tmp_path, [("XZ", "Zembla")])
    assert terms.redacted("Zemblan ports and the XZ-9 permit") == "[state] ports and the [state]-9 permit"


@pytest.mark.parametrize(("content", "message"), [
    ("states: [XA]", "expected a mapping 'states:'"),
    ("states: {XA: {names: [Aldoria], capitals: [Mirenza]}}", "unknown key(s) capitals"),
    ("states: {XA: {names: Aldoria}}", "expected a list of non-empty texts"),
    ("states: {XAB: {names: [Aldoria]}}", "expected a two-letter code"),
])
def test_a_malformed_file_is_refused_naming_the_file_and_the_fix(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "identifying_terms.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"identifying_terms\.yaml") as error:
        read_terms_file(tmp_path)
    assert message in str(error.value)


def test_the_terms_follow_the_database_and_the_file(directory_engine: Engine, tmp_path: Path) -> None:
    source = TermsSource(tmp_path)
    with Session(directory_engine) as session:
        first = source.current(session)
        assert source.current(session) is first  # nothing changed: the same terms, the same matcher
    with Session(directory_engine) as session, session.begin():
        upsert_state(session, code="XZ", name="Zembla", actor="test")
    with Session(directory_engine) as session:
        renamed = source.current(session)
    assert renamed.digest != first.digest and renamed.redacted("Zembla") == "[state]"
    (tmp_path / "identifying_terms.yaml").write_text("states: {XZ: {places: [Onyx Bay]}}", encoding="utf-8")
    with Session(directory_engine) as session:
        assert source.current(session).redacted("the Onyx Bay site") == "the [state] site"
