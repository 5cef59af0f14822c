"""The search form as query parameters: the same for the home page, topic pages and links between them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from fastapi import Depends, Query

from kb.queries import SORTS, Filters, Sort
from kb.vocabulary import TAG_VOCABULARIES

PAGE_SIZE = 10
LIST_FIELDS = ("kind", *TAG_VOCABULARIES, "host_state")


@dataclass(frozen=True)
class SearchForm:
    """What a person asked: the problem in words, the filters, the page."""

    q: str = ""
    kind: tuple[str, ...] = ()
    domain: tuple[str, ...] = ()
    sector: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    host_state: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    sort: Sort = "relevance"
    fixed: dict[str, str] = field(default_factory=dict, compare=False)

    def within_term(self, vocabulary: str, term: str) -> SearchForm:
        """Return the form narrowed to one term of a tag vocabulary, which its page fixes."""
        fixed = Filters.of_term(vocabulary, term)
        return replace(self, domain=fixed.domain or self.domain, sector=fixed.sector or self.sector,
                       topic=fixed.topic or self.topic, fixed={vocabulary: term})

    def filters(self) -> Filters:
        return Filters(kind=self.kind, domain=self.domain, sector=self.sector, topic=self.topic,
                       host_state=self.host_state, year_from=self.year_from, year_to=self.year_to)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    @property
    def has_filters(self) -> bool:
        return not self.filters().is_empty()

    def params(self, *, page: int | None = None, without: tuple[str, str] | None = None,
               keep_filters: bool = True, q: str | None = None) -> list[tuple[str, Any]]:
        """Return the query parameters that reproduce this search (optionally changed)."""
        params: list[tuple[str, Any]] = [("q", self.q if q is None else q)]
        if keep_filters:
            for name in LIST_FIELDS:
                if name in self.fixed:
                    continue
                params.extend((name, v) for v in getattr(self, name) if (name, v) != without)
            params += [("year_from", self.year_from), ("year_to", self.year_to)]
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if page and page > 1:
            params.append(("page", page))
        return params


    def chosen_count(self) -> int:
        """Return how many filter values the person chose (the values a page fixes left out)."""
        years = (self.year_from is not None) + (self.year_to is not None)
        return years + sum(len(getattr(self, name)) for name in LIST_FIELDS if name not in self.fixed)

    def export_params(self) -> list[tuple[str, Any]]:
        """Return the query parameters of the API's search (and exports) for every match of this search."""
        return [*self.fixed.items(), *self.params()]


def _clean(values: list[str], *, upper: bool = False) -> tuple[str, ...]:
    found = [v.strip().upper() if upper else v.strip() for v in values if v and v.strip()]
    return tuple(dict.fromkeys(found))


def _year(value: str | None) -> int | None:
    if value and value.strip().isdigit() and 1950 <= int(value) <= 2100:
        return int(value)
    return None


def _sort(value: str) -> Sort:
    return next((known for known in SORTS if known == value), "relevance")


def search_form(
    q: Annotated[str, Query(max_length=1000)] = "",
    kind: Annotated[list[str], Query()] = [],
    domain: Annotated[list[str], Query()] = [],
    sector: Annotated[list[str], Query()] = [],
    topic: Annotated[list[str], Query()] = [],
    host_state: Annotated[list[str], Query()] = [],
    year_from: Annotated[str | None, Query()] = None,
    year_to: Annotated[str | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    sort: Annotated[str, Query(max_length=20)] = "relevance",
) -> SearchForm:
    """Read the search form from the query string, ignoring empty or malformed fields."""
    return SearchForm(q=q.strip(), kind=_clean(kind), domain=_clean(domain), sector=_clean(sector),
                      topic=_clean(topic), host_state=_clean(host_state, upper=True),
                      year_from=_year(year_from), year_to=_year(year_to), page=page, sort=_sort(sort))


SearchFormDep = Annotated[SearchForm, Depends(search_form)]
