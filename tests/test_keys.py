"""Users' SSH public keys (the first part of `duban serve`): added, listed and removed by an
admin only, audited, never taken back by undo; one key is one person's; anything but one
public key line is refused; a removed user's keys go with them. On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import asyncssh
import pytest
from typer.testing import CliRunner

from store.db import open_ledger, read_session
from store.keys import parse_key, user_of_key
from tui.cli import app

runner = CliRunner()


def public(comment: str = "zhang@pc") -> str:
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    return key.export_public_key("openssh").decode().strip()


@pytest.fixture
def duban(db_url: str):  # type: ignore[no-untyped-def]
    def run(*args: str, user: str = "root", code: int = 0, lang: str = "zh") -> str:
        env = {"DUBAN_LANG": lang, "DUBAN_USER": user, "COLUMNS": "200"}
        result = runner.invoke(app, ["--db", db_url, *args], env=env)
        assert "Traceback" not in result.output
        assert result.exit_code == code, (args, result.output)
        return result.stdout if code == 0 else result.stderr

    run("user", "add", "root", "--role", "admin")
    run("user", "add", "zhang", "--role", "editor", "--dept", "办公室")
    return run


def test_an_admin_adds_lists_and_removes_keys(duban, db_url: str) -> None:  # type: ignore[no-untyped-def]
    key = public()
    fingerprint = parse_key(key)[1]
    assert duban("user", "key", "add", "zhang", key).strip() == (
        f"已为 zhang 添加公钥 {fingerprint}"
    )
    listed = json.loads(duban("user", "key", "list", "--json"))
    assert [(k["user"], k["fingerprint"], k["comment"]) for k in listed] == [
        ("zhang", fingerprint, "zhang@pc"),
    ]
    engine = open_ledger(db_url)
    with read_session(engine) as s:
        assert user_of_key(s, key) == "zhang"
        assert user_of_key(s, public()) is None
        assert user_of_key(s, "not a key") is None
    engine.dispose()
    assert "已属于 zhang" in duban("user", "key", "add", "root", key, code=1)
    assert "添加 zhang 的公钥" in duban("history")
    # Undo passes over key changes: root's last change is the user added before.
    duban("user", "key", "rm", fingerprint.removeprefix("SHA256:"))
    assert duban("user", "key", "list").strip() == "还没有公钥（duban user key add 用户 '公钥'）"
    assert "删除 zhang 的公钥" in duban("history")


def test_only_an_admin_and_only_a_public_key(duban) -> None:  # type: ignore[no-untyped-def]
    key = public()
    assert "管理员" in duban("user", "key", "add", "zhang", key, user="zhang", code=1)
    assert "没有用户" in duban("user", "key", "add", "nobody", key, code=1)
    private = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    assert "切勿给出私钥" in duban("user", "key", "add", "zhang", "--", private, code=1)
    assert "OpenSSH" in duban("user", "key", "add", "zhang", "ssh-ed25519 AAAAnotbase64", code=1)
    assert "一个公钥" in duban("user", "key", "add", "zhang", f"{key}\n{public()}", code=1)
    assert "没有公钥" in duban("user", "key", "rm", "SHA256:nothing", code=1)
    said = duban("user", "key", "add", "zhang", "ssh-ed25519 x", code=1, lang="en")
    assert "not a public key" in said


def test_a_removed_user_takes_their_keys(duban) -> None:  # type: ignore[no-untyped-def]
    duban("user", "key", "add", "zhang", public())
    duban("user", "rm", "zhang")
    assert json.loads(duban("user", "key", "list", "--json")) == []
