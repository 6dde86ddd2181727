"""The audit trail as a person reads it: "编辑 状态：已办结 → 暂缓", not
``status  "done"  "paused"``. The audit rows keep field keys and JSON values (scripts read them
with ``duban history --json``); this turns one row into words of the catalog.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from store.values import CADENCE_ZH, PANE_ZH, RECUR_ZH, STATUS_ZH, clean_text, fmt_num
from tui.i18n import Translator


class AuditRow(Protocol):
    @property
    def action(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def old(self) -> str | None: ...
    @property
    def new(self) -> str | None: ...
    @property
    def undone(self) -> bool: ...


def _load(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def action_word(t: Translator, action: str) -> str:
    return t(f"action.{action}") if f"action.{action}" in t.words else action


def field_word(t: Translator, field: str) -> str:
    return t(f"field.{field}") if f"field.{field}" in t.words else field


def value_word(t: Translator, field: str, value: Any) -> str:
    """One field's value as the dashboard would show it."""
    if value is None or value == "":
        return t("form.empty")
    if isinstance(value, bool):
        return t("detail.yes" if value else "detail.no")
    if field == "status" and value in STATUS_ZH:
        return t(f"status.{value}")
    if field in ("pane", "problem_pane") and value in PANE_ZH:
        return t(f"pane.{value}")
    if field == "cadence" and value in CADENCE_ZH:
        return t(f"cadence.{value}")
    if field == "recur" and value in RECUR_ZH:
        return t(f"recur.{value}")
    if isinstance(value, int | float):
        return fmt_num(float(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return clean_text(str(value))


def _entry_words(t: Translator, data: Any) -> str:
    if not isinstance(data, dict):
        return value_word(t, "entry", data)
    amount = float(data.get("amount") or 0)
    sign = "+" if amount > 0 else ""
    note = clean_text(str(data.get("note") or ""))
    return t(
        "history.entry_value", id=data.get("id", "?"), amount=f"{sign}{fmt_num(amount)}",
        day=data.get("day", ""), note=f" {note}" if note else "",
    )  # fmt: skip


def change_words(t: Translator, row: AuditRow) -> str:
    """What the row changed, in words: "状态：已办结 → 暂缓", "删除", "登记 #265"."""
    old, new = _load(row.old), _load(row.new)
    field = row.field
    if field in ("undoes", "redoes"):
        # The marker of an undo or a redo: old is the action it took back; new is its txn id,
        # which nobody reads.
        return t(f"history.{field}", action=action_word(t, str(old or "")))
    if field == "deleted_at":
        return t("history.deleted" if new is not None else "history.restored")
    if field == "*":
        return t("history.added", title=clean_text(str(new or "")))
    if field == "problem_row":
        data = new if isinstance(new, dict) else old
        text = clean_text(str(data.get("text", ""))) if isinstance(data, dict) else ""
        return t("history.problem_added" if new is not None else "history.problem_removed",
                 text=text)  # fmt: skip
    if field == "user_key":
        data = new if isinstance(new, dict) else old if isinstance(old, dict) else {}
        key = "history.key_added" if isinstance(new, dict) else "history.key_removed"
        return t(key, user=clean_text(str(data.get("user", ""))),
                 fingerprint=clean_text(str(data.get("fingerprint", ""))))  # fmt: skip
    if field == "ssh_session":
        data = new if isinstance(new, dict) else {}
        peer = clean_text(str(data.get("peer", "")))
        said = t(
            "history.ssh.exec" if data.get("kind") == "exec" else "history.ssh.dashboard",
            command=clean_text(str(data.get("command", ""))),
            fingerprint=clean_text(str(data.get("fingerprint", ""))),
            peer=f" · {peer}" if peer else "",
        )  # fmt: skip
        return said + (t("history.ssh.code", code=data["code"]) if "code" in data else "")
    if field == "entry":
        if isinstance(old, dict):  # an undo of a log: the entry it took away
            return t("history.entry_removed", entry=_entry_words(t, old))
        return t("history.entry", id=new if new is not None else old)
    if field == "entry_fixed":
        return t("history.entry_fixed", old=_entry_words(t, old), new=_entry_words(t, new))
    if field == "entry_removed":
        data = old if old is not None else new
        key = "history.entry_removed" if new is None else "history.entry_restored"
        return t(key, entry=_entry_words(t, data))
    return t(
        "history.change", field=field_word(t, field), old=value_word(t, field, old),
        new=value_word(t, field, new),
    )  # fmt: skip


def what_words(t: Translator, row: AuditRow) -> str:
    """The action, with a mark when it was undone since."""
    word = action_word(t, row.action)
    if not row.undone:
        return word
    # An undo that was taken back was redone: "undone" would read as if the undo was.
    return t("history.was_redone" if row.action == "undo" else "history.was_undone", action=word)
