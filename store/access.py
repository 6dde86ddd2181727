"""Who may do what. With no users, roles are off: everyone may do everything (one person, no
set-up). `duban user add NAME --role admin|editor|viewer [--dept D]` turns them on: viewers
read; editors change items of their own dept (every item when they have none); admins do
everything, users and imports included. Once roles are on, an unknown user is a viewer.

With SQLite the file's permissions are the real boundary; roles guard against mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session, col, select

from store.errors import LedgerError
from store.models import Item, User

ROLES = ("admin", "editor", "viewer")


class InDept(Protocol):
    """Anything that belongs to a dept: an Item, a dashboard row."""

    @property
    def code(self) -> str: ...

    @property
    def dept(self) -> str: ...


class Forbidden(LedgerError):
    """The acting user's role does not allow this."""


@dataclass(frozen=True)
class Access:
    name: str
    role: str
    dept: str
    roles_on: bool

    def can_edit(self, item: InDept | None = None) -> bool:
        if self.role == "admin":
            return True
        if self.role != "editor":
            return False
        return item is None or not self.dept or item.dept == self.dept

    def refusal(self, item: InDept | None = None) -> str | None:
        """Why this user may not change ``item`` (or add one, when None); None if they may.
        The one wording of a refusal, for the CLI and the dashboard alike."""
        if self.can_edit(item):
            return None
        if self.role != "editor":
            return f"{self.name} is a viewer and may not change the ledger"
        dept = item.dept if item is not None and item.dept else "another dept"
        code = item.code if item is not None else "this"
        return f"{self.name} edits items of {self.dept} only; {code} belongs to {dept}"


def access_of(session: Session, actor: str) -> Access:
    if session.exec(select(User.name).limit(1)).first() is None:
        return Access(actor, "admin", "", roles_on=False)
    user = session.get(User, actor)
    if user is None:
        return Access(actor, "viewer", "", roles_on=True)
    return Access(actor, user.role, user.dept, roles_on=True)


def require_edit(session: Session, actor: str, item: Item | None = None) -> None:
    """Refuse a change to ``item`` (or a new item, when None) the actor may not make."""
    reason = access_of(session, actor).refusal(item)
    if reason is not None:
        raise Forbidden(reason)


def require_admin(session: Session, actor: str, what: str) -> None:
    who = access_of(session, actor)
    if who.role != "admin":
        raise Forbidden(f"only an admin may {what} ({actor} is {who.role})")


def add_user(session: Session, name: str, role: str, dept: str = "", *, actor: str) -> User:
    """Add or change a user. The first user turns roles on and must be an admin, so that
    someone can still manage users afterwards."""
    if role not in ROLES:
        raise LedgerError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise LedgerError("a user needs a name")
    first = session.exec(select(User.name).limit(1)).first() is None
    if first and role != "admin":
        raise LedgerError("the first user turns roles on and must be an admin "
                          f"(duban user add {name} --role admin)")  # fmt: skip
    if not first:
        require_admin(session, actor, "manage users")
    user = session.get(User, name) or User(name=name, role=role, dept=dept)
    user.role, user.dept = role, dept.strip()
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, name: str, *, actor: str) -> None:
    require_admin(session, actor, "manage users")
    user = session.get(User, name)
    if user is None:
        raise LedgerError(f"no user {name!r}")
    admins = session.exec(select(User.name).where(col(User.role) == "admin")).all()
    if (
        user.role == "admin"
        and len(admins) == 1
        and session.exec(select(User.name).where(col(User.name) != name).limit(1)).first()
        is not None
    ):
        raise LedgerError("cannot remove the last admin while other users remain")
    session.delete(user)
    session.flush()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))))
