"""Build what the results partial shows: the page of results, facet options with counts, pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from index.search import SearchService
from index.snippets import SNIPPETS
from kb.models import State
from web.pages.forms import PAGE_SIZE, SearchForm
from web.rendering import KIND_LABELS, Page
from web.searching import search_response

FACET_TITLES = {"kind": "Kind", "domain": "Domain", "sector": "Sector", "topic": "Topic", "host_state": "Host state"}
SHOWN_OPTIONS = 8
SORT_LABELS = {"relevance": "Relevance", "newest": "Newest first", "oldest": "Oldest first"}


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    checked: bool


def state_names(page: Page) -> dict[str, str]:
    """Return every state's name by code."""
    return {s.code: s.name for s in page.session.exec(select(State))}


def facet_options(page: Page, form: SearchForm, facets: dict[str, dict[str, int]],
                  states: dict[str, str]) -> dict[str, list[FacetOption]]:
    """Return each facet's options, most frequent first, keeping chosen values even when they count none."""
    options: dict[str, list[FacetOption]] = {}
    for name in FACET_TITLES:
        if name in form.fixed:
            continue
        counts = dict(facets.get(name, {}))
        chosen = getattr(form, name)
        for value in chosen:
            counts.setdefault(value, 0)
        if name in page.vocabularies:
            labels = {v: page.vocabularies[name].label_of(v) for v in counts}
        elif name == "kind":
            labels = {v: KIND_LABELS.get(v, v) for v in counts}
        else:
            labels = {v: states.get(v, v) for v in counts}
        ordered = sorted(counts.items(), key=lambda item: (-item[1], labels[item[0]]))
        options[name] = [FacetOption(v, labels[v], c, v in chosen) for v, c in ordered]
    return options


def results_context(page: Page, search: SearchService, form: SearchForm, *, action: str) -> dict[str, Any]:
    """Search for the viewer and return the context of the results partial."""
    reading = SNIPPETS.reading(form.q)  # one reading of the description: the snippets and their marks
    response = search_response(page.session, search, page.viewer, form.q, form.filters(),
                               limit=PAGE_SIZE, offset=form.offset, sort=form.sort, reading=reading)
    states = state_names(page)
    pages = max(1, -(-response.total // PAGE_SIZE))
    return {
        "form": form, "action": action, "response": response, "reading": reading, "states": states,
        "facets": facet_options(page, form, response.facets, states), "facet_titles": FACET_TITLES,
        "shown_options": SHOWN_OPTIONS, "pages": pages, "years": sorted(response.facets.get("year", {})),
        "sort_labels": SORT_LABELS, "chosen_filters": form.chosen_count(),
        "export_params": form.export_params(),
    }
