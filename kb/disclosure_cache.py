"""Remember each audience's atomic populations across requests, for as long as the facts behind them hold.

The groups depend only on the facts of the audience's whole collection (kb.disclosure), so remembered ones stay
right while none of those facts changes: every request compares its facts with the remembered ones and cuts afresh
for that audience when one differs (an edit, a consent decision, a host newly shown or hidden).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from kb.disclosure import Disclosure, Fact

AUDIENCES = 16  # remembered audiences (the public, each state's users, each set of networks)

_memories: OrderedDict[Hashable, tuple[list[Fact], Disclosure]] = OrderedDict()
_lock = threading.Lock()


def remembered_disclosure(audience: Hashable, facts: Sequence[Fact], cut: Callable[[], Disclosure]) -> Disclosure:
    """Return the audience's remembered groups if its facts are unchanged, else cut them afresh and remember them."""
    ordered = sorted(facts, key=lambda fact: fact.id)
    with _lock:
        memory = _memories.pop(audience, None)
    if memory is None or memory[0] != ordered:
        memory = (ordered, cut())
    with _lock:
        _memories[audience] = memory
        while len(_memories) > AUDIENCES:
            _memories.popitem(last=False)  # the audience asked least recently
    return memory[1]


def forget_disclosures() -> None:
    """Forget every remembered audience."""
    with _lock:
        _memories.clear()
