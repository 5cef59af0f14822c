"""Browse by topic: the vocabularies as a tree with what this viewer may see, and a page per term."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from kb.alerts import feed_token
from kb.models import AlertProfile, User
from kb.vocabulary import TAG_VOCABULARIES
from web.deps import SearchDep, SettingsDep
from web.pages.forms import SearchFormDep
from web.pages.listing import results_context
from web.rendering import PageDep
from web.topics import TermCount, browse_tree, count_under, count_visible

router = APIRouter(tags=["pages"])


@router.get("/browse", response_class=HTMLResponse, include_in_schema=False)
def browse_page(page: PageDep, search: SearchDep) -> HTMLResponse:
    """Show the topics, sectors and domains with how many practices the viewer may see in each."""
    total = count_visible(page.session, search, page.viewer)
    trees = browse_tree(page.session, search, page.viewer)
    return page.render("browse.html", {"trees": trees, "total": total})


@router.get("/browse/{vocabulary}/{term_id}", response_class=HTMLResponse, include_in_schema=False)
def term_page(vocabulary: str, term_id: str, page: PageDep, search: SearchDep, form: SearchFormDep,
              settings: SettingsDep) -> HTMLResponse:
    """List the practices under one term, with the same search box and filters as the home page."""
    if vocabulary not in TAG_VOCABULARIES or term_id not in search.vocabularies[vocabulary].terms:
        raise HTTPException(status_code=404, detail="No such topic.")
    words = search.vocabularies[vocabulary]
    form = form.within_term(vocabulary, term_id)
    action = f"/browse/{vocabulary}/{term_id}"
    context = results_context(page, search, form, action=action)
    term = words.terms[term_id]
    parent = words.terms.get(term.parent) if term.parent else None
    narrower = [
        TermCount(child, count_under(page.session, search, page.viewer, vocabulary, child.id))
        for child in words.children(term_id)
    ]
    return page.render("term.html", {**context, "term": term, "vocabulary": words, "parent": parent,
                                     "narrower": narrower, "feed": _topic_feed(page.session, page.user, term_id,
                                                                               settings.session_key())
                                     if vocabulary == "topic" else None}, partial="_results.html")


def _topic_feed(session: Session, user: User | None, topic: str, secret: str) -> str:
    """Return the topic's feed for this reader: their own token feed if they have one, else the public feed."""
    profile = session.get(AlertProfile, user.id) if user is not None else None
    token = feed_token(profile, secret) if profile is not None else None
    return f"/feeds/{token}/topics/{topic}" if token else f"/feeds/topics/{topic}"
