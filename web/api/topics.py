"""Browse the vocabularies: every term with how many practices the caller may see under it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from web.deps import SearchDep, SessionDep, ViewerDep
from web.topics import TermCount, browse_tree, count_visible

router = APIRouter(tags=["topics"])


class TermCountPublic(BaseModel):
    """A term, how many practices the caller may see under it (narrower terms included), its narrower terms."""

    id: str
    label: str
    count: int
    children: list[TermCountPublic] = []


class TopicsResponse(BaseModel):
    total: int
    vocabularies: dict[str, list[TermCountPublic]]


def _public(node: TermCount) -> TermCountPublic:
    return TermCountPublic(id=node.term.id, label=node.term.label, count=node.count,
                           children=[_public(child) for child in node.children])


@router.get("/topics", response_model=TopicsResponse)
def list_topics(session: SessionDep, viewer: ViewerDep, search: SearchDep) -> TopicsResponse:
    """Return the topic, sector and domain trees, each term counted over what the caller may see."""
    trees = browse_tree(session, search, viewer)
    return TopicsResponse(total=count_visible(session, search, viewer),
                          vocabularies={name: [_public(n) for n in nodes] for name, nodes in trees.items()})
