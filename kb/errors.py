"""Domain errors: what the services refuse and why, in one shape that the web layer turns into HTTP in one place.

`InvalidInput` carries one `Problem` per field (HTTP 422), `Conflict` says what now holds instead (409),
`NotFound` is also what an invisible object is (404: existence is never confirmed), `NotAllowed` is for a
visible object the caller may not change (403).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted field path, empty for the whole), the value, and the fix."""

    field: str
    message: str
    value: object = None

    def __str__(self) -> str:
        shown = repr(self.value) if self.value is not None else "(missing)"
        where = f"field {self.field}: " if self.field else ""
        return f"{where}value {shown}: {self.message}" if self.value is not None else f"{where}{self.message}"


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status the web layer answers with."""

    status: ClassVar[int] = 400

    def __init__(self, message: str, *, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems) or [Problem("", message)]


class InvalidInput(DomainError):
    """The input cannot be accepted as given; each problem names its field and the fix."""

    status = 422

    def __init__(self, problems: Sequence[Problem] | str, *, field: str = "", value: object = None) -> None:
        found = [Problem(field, problems, value)] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(p.message if not p.field else f"{p.field}: {p.message}" for p in found),
                         problems=found)


class Conflict(DomainError):
    """Something else happened first (a concurrent decision, an existing id): `current` says what holds now."""

    status = 409

    def __init__(self, message: str, *, current: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.current = current


class NotFound(DomainError):
    """No such object — or none the caller may see, which must look exactly the same."""

    status = 404


class NotAllowed(DomainError):
    """The caller may see the object but not do this to it."""

    status = 403
