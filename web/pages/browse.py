"""Browse by topic: the vocabularies as a tree with what this viewer may see, and a page per term."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from index.search import SearchService
from kb.queries import Filters
from kb.viewer import Viewer
from kb.vocabulary import TAG_VOCABULARIES, Term, Vocabulary
from web.deps import SearchDep
from web.pages.forms import SearchFormDep
from web.pages.listing import results_context
from web.rendering import PageDep

router = APIRouter(tags=["pages"])


@dataclass(frozen=True)
class TermCount:
    """A vocabulary term with how many practices the viewer may see under it, and its narrower terms."""

    term: Term
    count: int
    children: tuple[TermCount, ...] = ()


def term_tree(session: Session, search: SearchService, viewer: Viewer, vocabulary: Vocabulary) -> list[TermCount]:
    """Return a vocabulary's terms as a tree, each counted over what the viewer may see (narrower included)."""
    def counted(term: Term) -> TermCount:
        ids = search.visible_set(session, viewer, Filters(**{vocabulary.name: (term.id,)})).ids
        return TermCount(term, len(ids), tuple(counted(child) for child in vocabulary.children(term.id)))

    return [counted(root) for root in vocabulary.roots()]


def browse_tree(session: Session, search: SearchService, viewer: Viewer) -> dict[str, list[TermCount]]:
    """Return the trees of every tag vocabulary, topics first."""
    order = ("topic", "sector", "domain")
    return {name: term_tree(session, search, viewer, search.vocabularies[name]) for name in order}


@router.get("/browse", response_class=HTMLResponse, include_in_schema=False)
def browse_page(page: PageDep, search: SearchDep) -> HTMLResponse:
    """Show the topics, sectors and domains with how many practices the viewer may see in each."""
    total = len(search.visible_set(page.session, page.viewer, Filters()).ids)
    trees = browse_tree(page.session, search, page.viewer)
    return page.render("browse.html", {"trees": trees, "total": total})


@router.get("/browse/{vocabulary}/{term_id}", response_class=HTMLResponse, include_in_schema=False)
def term_page(vocabulary: str, term_id: str, page: PageDep, search: SearchDep, form: SearchFormDep) -> HTMLResponse:
    """List the practices under one term, with the same search box and filters as the home page."""
    if vocabulary not in TAG_VOCABULARIES or term_id not in search.vocabularies[vocabulary].terms:
        raise HTTPException(status_code=404, detail="No such topic.")
    words = search.vocabularies[vocabulary]
    form = replace(form, **{vocabulary: (term_id,)}, fixed={vocabulary: term_id})
    action = f"/browse/{vocabulary}/{term_id}"
    context = results_context(page, search, form, action=action)
    term = words.terms[term_id]
    parent = words.terms.get(term.parent) if term.parent else None
    narrower = [
        TermCount(child, len(search.visible_set(page.session, page.viewer, Filters(**{vocabulary: (child.id,)})).ids))
        for child in words.children(term_id)
    ]
    return page.render("term.html", {**context, "term": term, "vocabulary": words, "parent": parent,
                                     "narrower": narrower}, partial="_results.html")
