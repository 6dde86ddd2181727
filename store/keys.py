"""Users' public keys, for signing in over SSH (``duban serve``): added, listed and removed by
an admin, each change audited. Only public keys: a key is read with asyncssh (OpenSSH's
``ssh-ed25519 AAAA… comment`` line), known by its SHA256 fingerprint, and one key belongs to
one user.
"""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from store.access import require_admin
from store.errors import LedgerError, NotFound
from store.ledger import _audit, new_txn
from store.models import User, UserKey
from store.values import BadValue, clean_text

KEY_ACTIONS = ("key-add", "key-rm")
"""Audit actions of key changes: in the history, not taken back by ``undo`` (an admin removes
a key, or adds it again)."""


def parse_key(text: str) -> tuple[str, str, str]:
    """(the key as OpenSSH writes it, its SHA256 fingerprint, its comment) of one public key
    line; BadValue for anything else (a private key, two keys, a truncated paste)."""
    import asyncssh

    line = text.strip()
    if not line or "PRIVATE KEY" in line or len(line.splitlines()) != 1:
        raise BadValue(
            "give one public key, as one line (ssh-ed25519 AAAA… comment), never a private key",
            "请给出一个公钥，写成一行（ssh-ed25519 AAAA… 备注），切勿给出私钥",
        )
    try:
        key = asyncssh.import_public_key(line)
    except (ValueError, asyncssh.KeyImportError) as exc:
        raise BadValue(
            f"not a public key OpenSSH writes: {exc}",
            "不是 OpenSSH 格式的公钥（应如 ssh-ed25519 AAAA… 备注）",
        ) from exc
    comment = key.get_comment() or ""
    openssh = key.export_public_key("openssh").decode("ascii").split()
    return " ".join(openssh[:2]), key.get_fingerprint("sha256"), clean_text(comment)


def add_key(session: Session, name: str, text: str, *, actor: str) -> UserKey:
    """Let ``name`` sign in with the public key ``text``. Admin only; the user must exist; a
    key already someone's is refused (one key, one person)."""
    require_admin(session, actor, "manage users")
    if session.get(User, name) is None:
        raise NotFound(f"no user {name!r}", zh=f"没有用户 {name!r}")
    key, fingerprint, comment = parse_key(text)
    taken = session.exec(select(UserKey).where(col(UserKey.fingerprint) == fingerprint)).first()
    if taken is not None:
        raise LedgerError(
            f"that key ({fingerprint}) is already {taken.user}'s",
            zh=f"这个公钥（{fingerprint}）已属于 {taken.user}",
        )
    row = UserKey(user=name, key=key, fingerprint=fingerprint, comment=comment,
                  added_at=datetime.now(UTC))  # fmt: skip
    session.add(row)
    _audit(session, txn=new_txn(), actor=actor, action="key-add", item=None, field="user_key",
           new={"user": name, "fingerprint": fingerprint})  # fmt: skip
    session.flush()
    return row


def remove_key(session: Session, fingerprint: str, *, actor: str) -> UserKey:
    """Take a key away, by its fingerprint (``SHA256:…``, as ``list_keys`` shows it)."""
    require_admin(session, actor, "manage users")
    wanted = fingerprint.strip()
    if not wanted.startswith("SHA256:"):
        wanted = f"SHA256:{wanted}"
    row = session.exec(select(UserKey).where(col(UserKey.fingerprint) == wanted)).first()
    if row is None:
        raise NotFound(f"no key {fingerprint.strip()!r}", zh=f"没有公钥 {fingerprint.strip()!r}")
    _audit(session, txn=new_txn(), actor=actor, action="key-rm", item=None, field="user_key",
           old={"user": row.user, "fingerprint": wanted})  # fmt: skip
    session.delete(row)
    session.flush()
    return row


def list_keys(session: Session, name: str | None = None) -> list[UserKey]:
    """Every key (or one user's), by user then when added."""
    q = select(UserKey).order_by(col(UserKey.user), col(UserKey.id))
    if name is not None:
        q = q.where(col(UserKey.user) == name)
    return list(session.exec(q))


def user_of_key(session: Session, key_text: str) -> str | None:
    """Whose key this is (the user's name), or None."""
    try:
        fingerprint = parse_key(key_text)[1]
    except BadValue:
        return None
    return user_of_fingerprint(session, fingerprint)


def user_of_fingerprint(session: Session, fingerprint: str) -> str | None:
    """Whose key has this SHA256 fingerprint, or None: what the SSH server asks of each key a
    client offers. A key whose user is gone is nobody's (removing a user removes the keys)."""
    row = session.exec(select(UserKey).where(col(UserKey.fingerprint) == fingerprint)).first()
    if row is None or session.get(User, row.user) is None:
        return None
    return row.user


SESSION_ACTIONS = ("ssh-start", "ssh-end")
"""Audit actions of SSH sessions (``duban serve``): who came in, with which key, to do what;
in the history, never taken back by ``undo``."""


def record_session(
    session: Session,
    *,
    user: str,
    fingerprint: str,
    action: str,
    kind: str,
    command: str = "",
    peer: str = "",
    code: int | None = None,
) -> None:
    """Write the start (``ssh-start``) or the end (``ssh-end``, with the exit code) of one SSH
    session into the audit trail: the door (ssh), the key's fingerprint, the kind (dashboard
    or exec), the command an exec ran and the client's address."""
    if action not in SESSION_ACTIONS:
        raise ValueError(f"not a session action: {action!r}")
    data: dict[str, object] = {"door": "ssh", "fingerprint": fingerprint, "kind": kind}
    if command:
        data["command"] = clean_text(command)[:500]
    if peer:
        data["peer"] = peer
    if code is not None:
        data["code"] = code
    _audit(session, txn=new_txn(), actor=user, action=action, item=None, field="ssh_session",
           new=data)  # fmt: skip
    session.flush()


HOST_KEY_NAME = "ssh_host_ed25519_key"


class HostKeyError(LedgerError):
    """The server's host key cannot be used: unreadable, not a private key, or readable by
    others (as OpenSSH, duban will not serve with a key anyone on the machine can copy)."""


def host_key(path: Path) -> tuple[Any, str, bool]:
    """(the host key, its SHA256 fingerprint, whether it was made now) at ``path``: read it, or
    make a new ed25519 key there (0600, in a 0700 directory when duban makes that too)."""
    import asyncssh

    from store.files import write_atomically

    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="duban serve")
        write_atomically(path, lambda tmp: key.write_private_key(str(tmp)), mode=0o600)
        return key, key.get_fingerprint("sha256"), True
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        key = asyncssh.read_private_key(str(path))
    except (OSError, ValueError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(
            f"the host key {path} cannot be read: {exc}",
            zh=f"无法读取主机密钥 {path}：{exc}",
        ) from exc
    if mode & 0o077:
        raise HostKeyError(
            f"the host key {path} is readable by others (mode {mode:o}): chmod 600 {path}",
            zh=f"主机密钥 {path} 他人可读（权限 {mode:o}）：请执行 chmod 600 {path}",
        )
    return key, key.get_fingerprint("sha256"), False
