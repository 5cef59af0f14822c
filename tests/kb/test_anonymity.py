"""Every state's identifying terms are found however they are spelt, and replaced by one neutral token."""

from __future__ import annotations

import pytest

from kb.anonymity import REDACTED, Matcher, fold, suspects, without_redactions

MATCHER = Matcher({"XA": ["Aldoria", "Aldorian", "Republic of Aldoria", "Port Aldor", "ANRA"],
                   "XB": ["Brevania", "Brevanian"], "XC": ["Cassamar"]}, ["XA", "XB", "XC"])


@pytest.mark.parametrize(("written", "outsiders_read"), [
    ("The Aldorian regulator", "The [state] regulator"),
    ("Aldorria", "[state]"),  # a typo
    ("Aldroia", "[state]"),  # two letters swapped
    ("Aldoriaa station", "[state] station"),  # a doubled letter
    ("Áldória", "[state]"),  # accents
    ("A\u0301ldoria", "[state]"),  # a combining accent
    ("Al\u200bdoria", "[state]"),  # a zero-width space
    ("Al\u00addoria", "[state]"),  # a soft hyphen (browsers show the plain name)
    ("\uff21\uff4c\uff44\uff4f\uff52\uff49\uff41", "[state]"),  # full-width letters (NFKC)
    ("\u0410ldoria", "[state]"),  # a Cyrillic look-alike A
    ("ALDORIA", "[state]"),
    ("Aldoria's plant", "[state]'s plant"),
    ("IPPAS_Aldoria_2016_report.pdf", "IPPAS_[state]_2016_report.pdf"),
    ("Licence XA-2016-07 and mission XA2016", "Licence [state]-2016-07 and mission [state]2016"),
    ("see https://www.nra.xa/guide", "see https://www.nra.[state]/guide"),
    ("Republic of  Aldoria decided", "[state] decided"),  # the longest term wins, spacing aside
    ("Port-Aldor harbour", "[state] harbour"),
    ("learned from Brevania and Cassamar", "learned from [state] and [state]"),  # every state, not only the host
])
def test_a_spelling_of_a_state_term_is_replaced(written: str, outsiders_read: str) -> None:
    assert MATCHER.redact(written).text == outsiders_read


@pytest.mark.parametrize("text", [
    "it is in the area and xa is not a word here",  # a code in lower case is not the code
    "Aldo and Alex met the guards",  # short words are matched exactly only
    "Xavier reviewed the XAB list",  # the code inside a longer word
    "an aldehyde store",
])
def test_ordinary_words_are_left_alone(text: str) -> None:
    assert MATCHER.redact(text).text == text


def test_replacements_say_what_was_replaced_and_whose_term_it_was() -> None:
    redacted = MATCHER.redact("ANRA inspects Brevanian sites")
    assert [(r.original, r.state) for r in redacted.replacements] == [("ANRA", "XA"), ("Brevanian", "XB")]
    assert redacted.text == f"{REDACTED} inspects {REDACTED} sites"


def test_the_neutral_token_is_left_out_of_what_bm25_reads() -> None:
    assert without_redactions("[state]'s regulator and [state]") .split() == ["regulator", "and"]


def test_folding_is_what_makes_spellings_equal() -> None:
    assert fold("Áldória") == fold("ALDORIA") == fold("Al\u00addoria") == "aldoria"


def test_what_looks_identifying_but_is_in_no_list_is_flagged_for_the_host() -> None:
    text = "The operator of the Kestrel Point station holds licence KP-2019-004 (report No. 1177)."
    found = {(s.text, s.reason.split()[0]) for s in suspects(text, MATCHER.redact(text).replacements)}
    assert ("Kestrel Point", "a") in found
    assert ("KP-2019-004", "looks") in found and ("No. 1177", "looks") in found
    assert all(s.text != "The" for s in suspects(text))
