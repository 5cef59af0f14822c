"""The statistics page without JavaScript: the form, the table as shown, its CSV, the secretariat's view."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.conftest import soup


def table_of(html: str) -> dict[str, str]:
    """Return the table's cells as a person reads them, by test id."""
    page = soup(html)
    return {td["data-testid"]: td.get_text(" ", strip=True) for td in page.select("[data-testid^=cell-]")}


def test_the_form_works_without_javascript_and_the_table_matches_the_api(client: TestClient) -> None:
    page = client.get("/statistics", params={"rows": "kind", "columns": "year"})
    assert page.status_code == 200
    form = soup(page.text).select_one("form.stat-form")
    assert form["action"] == "/statistics" and form["method"] == "get"
    assert {s["name"] for s in form.select("select")} >= {"rows", "columns", "kind", "domain", "sector", "topic"}
    api = client.get("/api/v1/statistics", params={"rows": "kind", "columns": "year"}).json()
    cells = table_of(page.text)
    assert len(cells) == len(api["cells"])
    for cell in api["cells"]:
        shown = cells[f"cell-{cell['row']}-{cell['column']}"]
        assert shown == ("hidden" if cell["suppressed"] else str(cell["count"]))
    data = json.loads(soup(page.text).select_one("script#stat-data[type='application/json']").string)
    assert data["cells"] == api["cells"], "the chart draws exactly the table"
    assert soup(page.text).select_one("[data-testid=total]").get_text(strip=True) == str(api["total"])


def test_csv_holds_exactly_what_the_page_shows(client: TestClient) -> None:
    params = {"rows": "topic"}
    cells = table_of(client.get("/statistics", params=params).text)
    download = client.get("/statistics.csv", params=params)
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    api = client.get("/api/v1/statistics", params=params).json()
    assert [r[0] for r in rows[1:-1]] == [r["label"] for r in api["rows"]]
    assert [r[1] for r in rows[1:-1]] == [cells[f"cell-{r['id']}"] for r in api["rows"]]
    assert rows[-1] == ["total of shown", str(api["total"]), str(api["total"])]


def test_secretariat_sees_states_per_cell_and_previews_what_others_see(signed_in: Callable[[str], TestClient]
                                                                       ) -> None:
    client = signed_in("curator")
    exact = client.get("/statistics", params={"rows": "kind"})
    assert "hidden" not in table_of(exact.text).values()
    assert all("state" in text for text in table_of(exact.text).values())
    switch = soup(exact.text).select_one("[data-testid=preview-switch] a")
    assert switch.get_text(strip=True) == "What others see"
    preview = client.get(switch["href"])
    client.cookies.clear()
    assert table_of(preview.text) == table_of(client.get("/statistics", params={"rows": "kind"}).text)


def test_a_bad_dimension_says_which_are_allowed(client: TestClient) -> None:
    page = client.get("/statistics", params={"rows": "host_state"})
    assert page.status_code == 422
    assert "allowed: topic_group, topic, sector, domain, kind, source_type, year, functional_area" in page.text


def test_a_table_whose_every_year_is_hidden_says_so_rather_than_that_nothing_is_there(client: TestClient) -> None:
    api = client.get("/api/v1/statistics", params={"rows": "year"}).json()
    assert api["rows"] == [], "the demo's public has no year that passes the rules"
    text = soup(client.get("/statistics", params={"rows": "year"}).text).select_one("tbody").get_text(" ", strip=True)
    assert "No year has a count that can be shown to you" in text and "Nothing here yet" not in text
