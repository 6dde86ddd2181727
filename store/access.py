"""Who may do what. With no users, roles are off: everyone may do everything (one person, no
set-up). `duban user add NAME --role admin|editor|viewer [--dept D]` turns them on: viewers
read; editors change items of their own dept (every item when they have none); admins do
everything, users and imports included. Once roles are on, an unknown user is a viewer.

An item's 责任科室 may name several depts (``办公室、财务科``): the first leads (牵头) and only
its editors change the item; every dept it names, and every one of its 配合科室, may log work
on it (``can_log``), correct and take back those entries, and give feedback.

With SQLite the file's permissions are the real boundary; roles guard against mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

from sqlmodel import Session, col, select

from store.errors import LedgerError
from store.messages import LANGS
from store.models import Item, User
from store.values import names_of

ROLES = ("admin", "editor", "viewer")


class InDept(Protocol):
    """Anything that belongs to a dept: an Item, a dashboard row."""

    @property
    def code(self) -> str: ...

    @property
    def dept(self) -> str: ...

    @property
    def assist(self) -> str: ...


# Refusals in either language: the CLI prints the English (``str``), the dashboard asks for its
# own with ``text(lang)``.
REFUSAL_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "viewer": "{name} is a viewer and may not change the ledger",
        "dept": "{name} edits items of {dept} only; {code} belongs to {other}",
        "lead": "{name} may log work on {code}, but only {lead} (the lead dept) may change it",
        "log": "{name} logs work on items of {dept} only; {code} belongs to {other}",
        "admin": "only an admin may {what} ({name} is {role})",
        "undo": "cannot undo: {reason}",
        "redo": "cannot redo: {reason}",
        "extend": "{name} may not put {code}'s due later: ask for an extension (duban extend "
        "{code} --to DATE --reason WHY), which an admin approves",
        "move": "{name} may not hand {code} to {other}: which dept leads it (the first in "
        "责任科室) is changed by an admin, or an editor with no dept",
    },
    "zh": {
        "viewer": "{name} 是只读用户，不能修改台账",
        "dept": "{name} 只能修改{dept}的事项；{code} 属于{other}",
        "lead": "{name} 可以登记{code}的工作，但只有牵头科室{lead}可以修改它",
        "log": "{name} 只能为{dept}承办或配合的事项登记工作；{code} 属于{other}",
        "admin": "只有管理员可以{what}（{name} 是{role}）",
        "undo": "不能撤销：{reason}",
        "redo": "不能重做：{reason}",
        "extend": "{name} 不能直接推迟 {code} 的完成时限：请提交延期申请（duban extend {code} "
        "--to 日期 --reason 原因），由管理员审批",
        "move": "{name} 不能把 {code} 改由{other}牵头：牵头科室（责任科室的第一个）由管理员或"
        "不限科室的编辑更改",
    },
}
_ZH_WORDS: Final = {
    "admin": "管理员",
    "editor": "编辑",
    "viewer": "只读用户",
    "manage users": "管理用户",
    "import files": "导入文件",
    "undo an import": "撤销导入",
    "change settings": "修改设置",
    "approve an extension": "审批延期申请",
    "another dept": "其他部门",
    "no dept": "无科室",
}


class Forbidden(LedgerError):
    """The acting user's role does not allow this; ``text(lang)`` says why in zh or en."""

    def __init__(self, kind: str, **words: object) -> None:
        self.kind, self.words = kind, words
        super().__init__(self.text(), zh=self.text("zh"))

    def text(self, lang: str = "en") -> str:
        def word(value: object) -> str:
            if isinstance(value, Forbidden):
                return value.text(lang)
            text = str(value)
            return _ZH_WORDS.get(text, text) if lang == "zh" else text

        table = REFUSAL_TEXT.get(lang, REFUSAL_TEXT["en"])
        return table[self.kind].format(**{k: word(v) for k, v in self.words.items()})


@dataclass(frozen=True)
class Access:
    name: str
    role: str
    dept: str
    roles_on: bool

    def can_edit(self, item: InDept | None = None) -> bool:
        """May change ``item`` (its fields, its status, delete it), or add one when None: an
        editor of its lead dept, the first named in 责任科室."""
        if self.role == "admin":
            return True
        if self.role != "editor":
            return False
        if item is None or not self.dept:
            return True
        return item.dept == self.dept or names_of(item.dept)[:1] == [self.dept]

    def can_log(self, item: InDept | None = None) -> bool:
        """May log work on ``item``, correct or remove its entries, give feedback on it: an
        editor of any dept it names, in 责任科室 or 配合科室."""
        if self.can_edit(item):
            return True
        if self.role != "editor" or item is None:
            return False
        return self.dept in (*names_of(item.dept), *names_of(item.assist))

    def refusal(self, item: InDept | None = None) -> Forbidden | None:
        """Why this user may not change ``item`` (or add one, when None); None if they may.
        The one wording of a refusal, for the CLI and the dashboard alike."""
        if self.can_edit(item):
            return None
        if self.role != "editor":
            return Forbidden("viewer", name=self.name)
        assert item is not None  # an editor may add items
        lead = names_of(item.dept)[:1]
        if lead and self.can_log(item):
            return Forbidden("lead", name=self.name, code=item.code, lead=lead[0])
        return self._not_theirs("dept", item)

    def log_refusal(self, item: InDept | None = None) -> Forbidden | None:
        """Why this user may not log work on ``item``; None if they may."""
        if self.can_log(item):
            return None
        if self.role != "editor":
            return Forbidden("viewer", name=self.name)
        assert item is not None
        return self._not_theirs("log", item)

    def _not_theirs(self, kind: str, item: InDept) -> Forbidden:
        other = item.dept or "another dept"
        return Forbidden(kind, name=self.name, dept=self.dept, code=item.code, other=other)


def access_of(session: Session, actor: str) -> Access:
    if session.exec(select(User.name).limit(1)).first() is None:
        return Access(actor, "admin", "", roles_on=False)
    user = session.get(User, actor)
    if user is None:
        return Access(actor, "viewer", "", roles_on=True)
    return Access(actor, user.role, user.dept, roles_on=True)


def require_edit(session: Session, actor: str, item: Item | None = None) -> None:
    """Refuse a change to ``item`` (or a new item, when None) the actor may not make."""
    refused = access_of(session, actor).refusal(item)
    if refused is not None:
        raise refused


def require_log(session: Session, actor: str, item: Item | None) -> None:
    """Refuse logging work on ``item`` (an entry, its correction or removal, feedback) unless
    the actor's dept is one the item names (``Access.can_log``); None: may the actor log at
    all."""
    refused = access_of(session, actor).log_refusal(item)
    if refused is not None:
        raise refused


def require_admin(session: Session, actor: str, what: str) -> None:
    who = access_of(session, actor)
    if who.role != "admin":
        raise Forbidden("admin", what=what, name=actor, role=who.role)


def add_user(
    session: Session, name: str, role: str, dept: str = "", *, actor: str, lang: str | None = None
) -> User:
    """Add or change a user. The first user turns roles on and must be an admin, so that
    someone can still manage users afterwards. ``lang`` (zh | en, ``auto`` for none) is the
    language of their sessions over SSH; None leaves it as it was."""
    if role not in ROLES:
        raise LedgerError(
            f"unknown role {role!r}; roles: {', '.join(ROLES)}",
            zh=f"没有 {role!r} 这种角色；角色有："
            + "、".join(f"{r}（{_ZH_WORDS[r]}）" for r in ROLES),
        )  # fmt: skip
    name = name.strip()
    if not name:
        raise LedgerError("a user needs a name", zh="用户须有名字")
    first = session.exec(select(User.name).limit(1)).first() is None
    if first and role != "admin":
        raise LedgerError("the first user turns roles on and must be an admin "
                          f"(duban user add {name} --role admin)",
                          zh="第一个用户会启用角色，必须是管理员"
                          f"（duban user add {name} --role admin）")  # fmt: skip
    if not first:
        require_admin(session, actor, "manage users")
    user = session.get(User, name) or User(name=name, role=role, dept=dept)
    user.role, user.dept = role, dept.strip()
    session.add(user)
    if lang is not None:
        user.lang = parse_lang(lang)
    session.flush()
    return user


def parse_lang(text: str) -> str:
    """A user's language: zh or en, or ``auto`` for none, then the client's (a blank is
    refused: a mistyped ``--lang ''`` must not take a setting away)."""
    word = text.strip().lower()
    if word == "auto":
        return ""
    if word not in LANGS:
        raise LedgerError(
            f"unknown language {text!r}; languages: {', '.join(LANGS)}, or auto",
            zh=f"没有 {text!r} 这种语言；可选：{'、'.join(LANGS)}，或 auto（不设）",
        )
    return word


def lang_of_user(session: Session, name: str) -> str:
    """The language a user asked for (zh | en), or "" if none (or no such user)."""
    user = session.get(User, name)
    return user.lang if user is not None else ""


def remove_user(session: Session, name: str, *, actor: str) -> None:
    require_admin(session, actor, "manage users")
    user = session.get(User, name)
    if user is None:
        raise LedgerError(f"no user {name!r}", zh=f"没有用户 {name!r}")
    admins = session.exec(select(User.name).where(col(User.role) == "admin")).all()
    if (
        user.role == "admin"
        and len(admins) == 1
        and session.exec(select(User.name).where(col(User.name) != name).limit(1)).first()
        is not None
    ):
        raise LedgerError(
            "cannot remove the last admin while other users remain",
            zh="还有其他用户时，不能删除最后一个管理员",
        )
    from sqlalchemy import delete

    from store.models import UserKey

    session.exec(delete(UserKey).where(col(UserKey.user) == name))
    session.delete(user)  # a removed user signs in no more
    session.flush()


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))))
