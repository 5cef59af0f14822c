"""The tag vocabularies as trees, each term counted over what one viewer may see (pages and API share it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from index.search import SearchService
from kb.queries import Filters
from kb.viewer import Viewer
from kb.vocabulary import Term, Vocabulary

TREE_ORDER = ("topic", "sector", "domain")


@dataclass(frozen=True)
class TermCount:
    """A vocabulary term with how many practices the viewer may see under it, and its narrower terms."""

    term: Term
    count: int
    children: tuple[TermCount, ...] = ()


def count_under(session: Session, search: SearchService, viewer: Viewer, vocabulary: str, term_id: str) -> int:
    """Return how many practices the viewer may see under a term (narrower terms included)."""
    return len(search.visible_set(session, viewer, Filters.of_term(vocabulary, term_id)).ids)


def count_visible(session: Session, search: SearchService, viewer: Viewer) -> int:
    """Return how many practices the viewer may see in all."""
    return len(search.visible_set(session, viewer, Filters()).ids)


def term_tree(session: Session, search: SearchService, viewer: Viewer, vocabulary: Vocabulary) -> list[TermCount]:
    """Return a vocabulary's terms as a tree, each counted over what the viewer may see (narrower included)."""
    def counted(term: Term) -> TermCount:
        return TermCount(term, count_under(session, search, viewer, vocabulary.name, term.id),
                         tuple(counted(child) for child in vocabulary.children(term.id)))

    return [counted(root) for root in vocabulary.roots()]


def browse_tree(session: Session, search: SearchService, viewer: Viewer) -> dict[str, list[TermCount]]:
    """Return the trees of every tag vocabulary, topics first."""
    return {name: term_tree(session, search, viewer, search.vocabularies[name]) for name in TREE_ORDER}
