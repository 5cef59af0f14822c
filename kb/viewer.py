"""Who is asking: the facts about a user that the visibility rule needs, read fresh per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select, union_all

from kb.models import SECRETARIAT_ROLES, ProviderUser, Role, StateNetwork, User, UserNetwork


@dataclass(frozen=True)
class Viewer:
    """A user (or the public) as the visibility rule sees them."""

    user_id: int | None = None
    username: str | None = None
    role: Role | None = None
    state_code: str | None = None
    network_ids: frozenset[int] = field(default_factory=frozenset)
    provider_ids: frozenset[int] = field(default_factory=frozenset)
    """The assistance providers the user works for (kb.visibility: plans shared with them)."""
    requester: str | None = field(default=None, compare=False)
    """Who is asking, for per-requester caches only (a user, or a visitor's session); never for visibility."""

    @property
    def is_public(self) -> bool:
        return self.user_id is None

    @property
    def is_secretariat(self) -> bool:
        return self.role in SECRETARIAT_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_focal_point(self) -> bool:
        return self.role == Role.focal_point and self.state_code is not None

    @property
    def cache_key(self) -> tuple[object, ...]:
        """Two viewers with the same key see exactly the same practices and hosts."""
        return (self.is_secretariat, self.state_code, tuple(sorted(self.network_ids)))


PUBLIC = Viewer()


def viewer_for(session: Session, user: User | None, *, requester: str | None = None) -> Viewer:
    """Build the viewer for a user from the database as it is now (public when there is no user).

    `requester` names a public visitor's session for per-requester caches; a user is their own requester.
    """
    if user is None or not user.is_active or user.id is None:
        return Viewer(requester=requester) if requester else PUBLIC
    direct = select(UserNetwork.network_id).where(UserNetwork.user_id == user.id)
    through_state = select(StateNetwork.network_id).where(StateNetwork.state_code == user.state_code)
    networks = session.scalars(union_all(direct, through_state) if user.state_code else direct).all()
    return Viewer(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        state_code=user.state_code,
        network_ids=frozenset(int(n) for n in networks),
        provider_ids=frozenset(int(p) for p in session.scalars(
            select(ProviderUser.provider_id).where(ProviderUser.user_id == user.id))),
        requester=f"user:{user.id}",
    )
