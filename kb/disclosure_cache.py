"""Remember disclosure decisions across requests, per audience and rule, for as long as the facts behind them hold.

A decision depends only on the facts of the set's own practices (kb.disclosure), so a remembered one stays right
while none of those facts changes: every request compares its facts with the remembered ones and starts afresh
for that audience when one differs (an edit, a consent decision, a host newly shown or hidden).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from kb.disclosure import Fact

AUDIENCES = 16  # remembered audiences (the public, each state's users, each set of networks)
DECISIONS = 400_000  # remembered sets in all (a set of 3,000 practices takes about 0.5 kB): memory stays bounded


@dataclass
class _Memory:
    facts: dict[int, Fact] = field(default_factory=dict)
    decided: dict[int, bool] = field(default_factory=dict)


_memories: OrderedDict[Hashable, _Memory] = OrderedDict()
_lock = threading.Lock()


def remembered_decisions(audience: Hashable, facts: Sequence[Fact]) -> dict[int, bool]:
    """Return the decisions remembered for this audience, emptied first if any of these facts has changed."""
    with _lock:
        memory = _memories.pop(audience, None)
        if memory is None or len(memory.decided) > DECISIONS or any(
                memory.facts.get(fact.id, fact) != fact for fact in facts):
            memory = _Memory()
        memory.facts.update((fact.id, fact) for fact in facts)
        _memories[audience] = memory
        while len(_memories) > 1 and (len(_memories) > AUDIENCES
                                      or sum(len(m.decided) for m in _memories.values()) > DECISIONS):
            _memories.popitem(last=False)  # the audience asked least recently
        return memory.decided


def forget_decisions() -> None:
    """Forget every remembered decision."""
    with _lock:
        _memories.clear()
