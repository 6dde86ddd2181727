"""临近提醒 / 到期催办: what each responsible dept (or person) has to act on — overdue, due
within N days, behind pace, feedback missed, an extension awaiting approval — as a message to
paste into a work group or mail from cron.

One store function (``reminders``) for every door; the words are the doors' (the CLI's
catalog), the reasons the store's (``store.progress.describe``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlmodel import Session

from store.ledger import list_items
from store.periods import today
from store.progress import Progress, progress
from store.values import names_of

By = Literal["dept", "owner"]


@dataclass(frozen=True)
class Reminder:
    code: str
    title: str
    owner: str
    dept: str
    due: date | None
    progress: Progress
    extend_to: date | None = None
    """A later due asked for and awaiting an admin's approval."""


@dataclass
class Group:
    """One dept's (or person's) items to act on, most urgent first (red, then yellow)."""

    name: str
    items: list[Reminder] = field(default_factory=list)


def reminders(
    session: Session,
    *,
    by: By = "dept",
    dept: str | None = None,
    owner: str | None = None,
    days: int = 7,
    on: date | None = None,
) -> list[Group]:
    """Open items that are red or yellow with ``days`` as the due-soon window, or that have an
    extension awaiting approval, grouped by each
    dept named in 责任科室 (or by 责任人); ``dept``/``owner`` keep the groups whose name holds
    them. Groups in name order; an item without a dept (owner) is under ""."""
    on = on or today()
    groups: dict[str, Group] = {}
    for view in list_items(session, on=on):
        item = view.item
        if item.status in ("done", "paused"):
            continue
        p = progress(item, view.progress.actual, on, warn_days=days,
                     last_feedback=view.last_feedback, entries=view.days)  # fmt: skip
        if p.light == "green" and item.extend_to is None:
            continue
        for name in names_of(item.dept if by == "dept" else item.owner) or [""]:
            if dept and dept not in (name if by == "dept" else item.dept):
                continue
            if owner and owner not in item.owner:
                continue
            reminder = Reminder(item.code, item.title, item.owner, item.dept, item.due, p,
                                item.extend_to)  # fmt: skip
            groups.setdefault(name, Group(name)).items.append(reminder)
    for g in groups.values():
        order = {"red": 0, "yellow": 1, "green": 2}
        g.items.sort(key=lambda r: (order[r.progress.light], r.due or date.max, r.code))
    return [groups[k] for k in sorted(groups)]


def to_json(groups: list[Group], lang: str = "zh") -> list[dict[str, Any]]:
    from store.progress import describe

    def item(r: Reminder) -> dict[str, Any]:
        return {
            "code": r.code, "title": r.title, "owner": r.owner, "dept": r.dept,
            "due": r.due.isoformat() if r.due else None, "light": r.progress.light,
            "reason": describe(r.progress.reasons, lang),
            "awaiting_approval": r.extend_to.isoformat() if r.extend_to else None,
        }  # fmt: skip

    return [{"name": g.name, "items": [item(r) for r in g.items]} for g in groups]
