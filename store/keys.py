"""Users' public keys, for signing in over SSH (``duban serve``): added, listed and removed by
an admin, each change audited. Only public keys: a key is read with asyncssh (OpenSSH's
``ssh-ed25519 AAAA… comment`` line), known by its SHA256 fingerprint, and one key belongs to
one user.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    """Whose key this is (the user's name), or None: what the SSH server asks."""
    try:
        fingerprint = parse_key(key_text)[1]
    except BadValue:
        return None
    row = session.exec(select(UserKey).where(col(UserKey.fingerprint) == fingerprint)).first()
    return row.user if row is not None else None
