"""Downloads of a search and of a practice: the viewer's projection, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from kb.schemas import PracticeSummaryPublic
from web.api.exports import SUMMARY_FIELDS
from web.exports import cell, to_csv


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    assert [cell(v) for v in ("=HYPERLINK(1)", "+1", "-2", "@x", "plain", None, ["a", "b"], 3)] == [
        "'=HYPERLINK(1)", "'+1", "'-2", "'@x", "plain", "", "a; b", "3"]


def test_csv_has_one_column_per_field_of_the_projection() -> None:
    row = PracticeSummaryPublic(id="abc", title="T, with comma", summary="S", kind="good_practice", domain=["safety"],
                                sector=[], topic=["a", "b"], host_state=None, source_type="ippas", source_year=2020,
                                updated="2026-01-01", score=0.5)
    [parsed] = list(csv.DictReader(io.StringIO(to_csv([row], SUMMARY_FIELDS))))
    assert list(parsed) == list(SUMMARY_FIELDS)
    assert parsed["title"] == "T, with comma" and parsed["topic"] == "a; b" and parsed["host_state"] == ""


def test_public_downloads_never_name_an_anonymous_host_and_leave_out_what_is_hidden(
    client: TestClient, public_ids: dict[str, str]
) -> None:
    anonymous, hidden = public_ids["CP-NUC-001"], public_ids["GP-RAD-001"]  # public anonymous (Aldoria); RSSN only
    for query in ({}, {"q": "nuclear power plant security culture"}):
        text = client.get("/api/v1/search.csv", params=query).text
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
        assert hidden not in text and "GP-RAD-001" not in text
        as_json = client.get("/api/v1/search.json", params=query).json()
        assert list(rows) == [r["id"] for r in as_json["results"]]
        if anonymous in rows:
            assert rows[anonymous]["host_state"] == "" and "Aldoria" not in rows[anonymous]["title"]
    assert anonymous in {r["id"] for r in csv.DictReader(io.StringIO(client.get("/api/v1/search.csv").text))}
    one = client.get(f"/api/v1/practices/{anonymous}.csv")
    assert one.status_code == 200 and "attachment" in one.headers["content-disposition"]
    assert "Aldoria" not in one.text and "CP-NUC-001" not in one.text
    assert client.get(f"/api/v1/practices/{anonymous}.json").json()["host_state"] is None
    gone = client.get(f"/api/v1/practices/{hidden}.csv")
    missing = client.get("/api/v1/practices/no-such-id.csv")
    assert gone.status_code == missing.status_code == 404
    assert gone.json()["detail"] == missing.json()["detail"]


def test_search_download_takes_the_search_parameters(client: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/search.csv", params={
        "kind": "country_practice", "sort": "oldest"}).text)))
    assert rows and {r["kind"] for r in rows} == {"country_practice"}
    years = [int(r["source_year"]) for r in rows]
    assert years == sorted(years)
    bad = client.get("/api/v1/search.csv", params={"topic": "insider threats"})
    assert bad.status_code == 422 and "insider threats" in bad.text
