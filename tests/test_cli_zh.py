"""Every CLI command under DUBAN_LANG=zh says what it says in Chinese: its results, its refusals
and the store's errors alike. What may stay in Latin letters is what a person types or reads as
a name: codes, paths, file names, options, commands, field keys, user names, codecs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from store.ledger import EDITABLE, ENTRY_FIELDS
from tui.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()

# Names, not sentences: shown as they are in either language.
ALLOWED = {
    *EDITABLE, *ENTRY_FIELDS, "root", "zhang", "tester", "duban", "wal", "sqlite", "utf",
    "gb18030", "csv", "xlsx", "docx", "json", "txt", "md", "id", "ok", "office", "word",
    "excel", "nul", "admin", "editor", "viewer", "auto", "cron", "sha", "openssh", "ssh",
    "aaaa",
}  # fmt: skip

_NAMES = [
    r"`[^`]*`",  # a command to type
    r"\bduban(?: [a-z][a-z-]*)+",  # duban import --undo 1, duban rm
    r"--?[a-zA-Z][\w-]*(?:=\S*)?",  # options
    r"\w+://\S+",  # URLs
    r"SHA256:\S+",  # a key's fingerprint
    r"\S*[/\\]\S*",  # paths
    r"\S+\.(?:csv|xlsx|xls|ods|md|txt|docx|db|json)\b",  # file names
    r"\b[A-Za-z]+-[\w-]*\d[\w-]*",  # codes: BGS-2024-01, DJ-001, utf-8
    r"\b\w+=\S*",  # FIELD=VALUE
    r"\b[0-9a-f]{8,}\b",  # revisions, hashes
    r"\bscore(?:\.[a-z_]+)?",  # the settings of 结果考评: score, score.late
]
_NAME_RE = re.compile("|".join(_NAMES))


def english_words(text: str, typed: tuple[str, ...] = ()) -> list[str]:
    """The Latin-letter words of ``text`` that are not names, nor what the person ``typed``
    echoed back: each is English a Chinese reader was not meant to see."""
    bare = _NAME_RE.sub(" ", text)
    echoed = {w.lower() for arg in typed for w in re.findall(r"[A-Za-z]+", arg)}
    return [
        w for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", bare) if w.lower() not in ALLOWED | echoed
    ]


def test_the_checker_finds_english() -> None:
    assert english_words("logged +2 on DJ-001 (2023-06-15); now 3") == ["logged", "now"]
    assert english_words("1 items") == ["items"]
    assert english_words("duban：没有 DJ-404 这个编号（duban list 列出全部）") == []
    assert english_words("已写入 3 条事项：/tmp/x/out.csv") == []
    assert english_words("未保存：XN-014 was changed by zhang") == ["was", "changed"]


@pytest.fixture
def zh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``duban --db LEDGER ARGS…`` in Chinese, on the 2024 annual ledger in June; every line
    it prints is checked for English."""
    monkeypatch.chdir(tmp_path)
    shutil.copy(DATA / "annual_2024_ledger.csv", tmp_path / "台账.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "nul.csv").write_bytes(b"a,b\x00\n")
    base = {"DUBAN_LANG": "zh", "DUBAN_TODAY": "2024-06-15", "DUBAN_USER": "root",
            "COLUMNS": "100"}  # fmt: skip
    english: list[str] = []

    def run(*args: str, code: int | None = 0, user: str = "root", db: str = "l.db") -> str:
        env = {**base, "DUBAN_USER": user}
        result = runner.invoke(app, ["--db", str(tmp_path / db), *args], env=env)
        said = result.stdout + result.stderr
        assert "Traceback" not in said, said
        if code is not None:
            assert result.exit_code == code, (args, result.exit_code, said)
        if "--json" not in args:  # JSON's keys are for programs
            english.extend(
                f"duban {' '.join(args)}: {line}"
                for line in said.splitlines()
                if english_words(line, (*args, user))
            )
        return result.stdout

    yield run
    assert not english, "English under DUBAN_LANG=zh:\n" + "\n".join(english)


def test_every_command_speaks_chinese(zh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    zh("import", "台账.csv", "--dry-run")
    zh("import", "台账.csv")
    zh("import", "台账.csv")  # the same file again: nothing done
    zh("import", "missing.csv", code=1)
    zh("import", "empty.csv", code=1)
    zh("import", "nul.csv", code=1)
    zh("import", code=1)
    zh("add", "新任务", "--pane", "党建", "--target", "4次", "--due", "2024-12-31")
    zh("add", "重复", "--pane", "党建", "--code", "BGS-2024-01", code=1)
    zh("log", "BGS-2024-01", "2")
    zh("log", "bgs-2024-01", "1", "--on", "2024-06-01", "--note", "集中学习")
    zh("log", "BGS-2024-01", "abc", code=1)
    zh("log", "BGS-2024-01", "1", "--on", "2025-01-01", code=1)
    zh("log", "XX-999", code=1)
    zh("done", "BGS-2024-02", "--evidence", "会议纪要")
    zh("done", "BGS-2024-02", code=1)
    zh("done", "BGS-2024-05")
    zh("reopen", "BGS-2024-02")
    zh("reopen", "BGS-2024-03", code=1)
    zh("set", "BGS-2024-03", "status=暂缓", "reason=等上级通知", "key=是")
    zh("set", "BGS-2024-03", "bogus=1", "due=明天", code=1)
    zh("set", "BGS-2024-01", "cadence=每月")
    zh("set", "BGS-2024-01", "cadence=每天", code=1)
    zh("feedback", "BGS-2024-01", "已召开专题会议，完成过半")
    zh("feedback", "BGS-2024-01", " ", code=1)
    zh("feedback", "BGS-2024-01", "提前写的", "--on", "2025-01-01", code=1)
    zh("extend", "BGS-2024-01", "--to", "2025-03-31", code=1)  # no reason
    zh("extend", "BGS-2024-01", "--to", "2024-03-31", "--reason", "提前", code=1)
    zh("extend", "BGS-2024-01", "--reason", "没写日期", code=1)
    zh("extend", "BGS-2024-01", "--to", "2025-03-31", "--reason", "等上级批复")
    zh("extend")
    zh("extend", "--approve", code=1)
    zh("extend", "BGS-2024-01", "--approve", code=1)  # nothing awaits approval
    zh("extend", "BGS-2024-01", "--approve", "--reject", code=1)
    zh("rm", "BGS-2024-04")
    zh("undo")
    zh("redo", "--dry-run")
    zh("redo")
    zh("undo", "--dry-run")
    entries = json.loads(zh("show", "BGS-2024-01", "--json"))["entries"]
    first = str(next(e["id"] for e in entries if e["kind"] == "log"))
    said = str(next(e["id"] for e in entries if e["kind"] == "feedback"))
    zh("entry", "set", said, "amount=2", code=1)  # feedback has no amount
    zh("entry", "set", said, "note=已召开专题会议，完成七成")
    zh("entry", "set", first, "amount=3")
    zh("entry", "set", first, "amount=3", code=1)  # nothing to change
    zh("entry", "rm", first)
    zh("entry", "rm", "99999", code=1)
    zh("list")
    zh("list", "--light", "red")
    zh("list", "--pane", "监督", "--status", "已办结")
    zh("list", "--period", "去年", code=1)
    zh("list", "--status", "maybe", code=1)
    zh("show", "BGS-2024-01")
    zh("show", "BGS-2024-03")
    zh("show", "XX-999", code=1)
    zh("history")
    zh("problems")
    zh("remind")
    zh("stats")
    zh("stats", "--by", "owner", "--format", "csv")
    zh("stats", "--by", "weather", code=1)
    zh("remind", "--format", "md", "--by-owner")
    zh("remind", "--format", "bogus", code=1)
    zh("problems", "add", "督办力度不够", "--period", "2024年上半年")
    zh("problems", "add", "督办力度不够", "--period", "2024-H1", code=1)
    zh("problems", "rm", "99", code=1)
    zh("export", "--kind", "problems", "-o", "问题.csv")
    zh("history", "BGS-2024-01")
    zh("history", "--limit", "0", code=1)
    zh("export", "-o", "out.csv")
    zh("export", "-o", "out.csv", code=1)  # exists: --force replaces it
    zh("export", "--kind", "entries", "--format", "json", "-o", "entries.json")
    zh("export", "--format", "xlsx", "-o", "台账.xlsx")
    zh("export", "--kind", "bogus", code=1)
    zh("export", "--format", "xlsx", code=1)
    zh("export", "-o", "l.db", "--force", code=1)  # never the ledger
    zh("report", "--period", "2024-H1", "-o", "总结.md")
    zh("report", "--period", "2024-H1", "--format", "docx", "-o", "总结.docx")
    zh("report", "--format", "docx", code=1)
    zh("report", "--period", "明年", code=1)
    zh("config", "office")
    zh("config", "office", "XX市XX局办公室")
    zh("config", "office")
    zh("config", "bogus", code=1)
    zh("config", "score")
    zh("config", "score.late", "-2")
    zh("config", "score.late")
    zh("config", "score.late", "扣两分", code=1)
    zh("config", "score", "1", code=1)
    zh("stats", "--format", "csv")
    zh("report", "--kind", "bulletin", "--period", "2024-06")
    zh("report", "--kind", "bulletin", "--format", "docx", "-o", "通报.docx")
    zh("report", "--kind", "bulletin", "--format", "docx", code=1)
    zh("report", "--kind", "notice", code=1)
    zh("undo", user="nobody", code=1)  # nothing of theirs to undo
    zh("redo", user="nobody", code=1)
    zh("user", "list")
    zh("user", "add", "zhang", "--role", "viewer", code=1)  # the first user is an admin
    zh("user", "add", "root", "--role", "admin")
    zh("user", "add", "zhang", "--role", "editor", "--dept", "办公室")
    zh("extend", "BGS-2024-02", "--to", "2025-06-30", "--reason", "需与财务科会签", user="zhang")
    zh("extend")
    zh("extend", "BGS-2024-02", "--approve", user="zhang", code=1)  # only an admin
    zh("extend", "BGS-2024-02", "--reject")
    zh("extend", "BGS-2024-02", "--to", "2025-06-30", "--reason", "需与财务科会签", user="zhang")
    zh("extend", "BGS-2024-02", "--approve")
    zh("show", "BGS-2024-02")
    zh("user", "add", "zhang", "--role", "viewer")
    import asyncssh

    key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    zh("user", "key", "list")
    zh("user", "key", "add", "zhang", key)
    zh("user", "key", "add", "zhang", key, code=1)
    zh("user", "key", "add", "zhang", "ssh-rsa 不是公钥", code=1)
    zh("user", "key", "list")
    zh("user", "key", "rm", "SHA256:none", code=1)
    zh("user", "list")
    zh("user", "list", user="zhang")
    zh("log", "BGS-2024-01", user="zhang", code=1)  # a viewer may not
    zh("import", "台账.csv", user="zhang", code=1)
    zh("config", "office", "别的", user="zhang", code=1)
    zh("config", "score.late", "0", user="zhang", code=1)
    zh("user", "rm", "nobody", code=1)
    zh("user", "rm", "zhang")
    zh("serve", code=1)  # zhang's key went with zhang: nobody could sign in
    zh("serve", "--listen", "这里:端口", code=1)
    zh("import", "-", code=1)  # nothing on stdin
    zh("import", "--undo", "1", code=None)
    zh("import", "--undo", "99", code=1)
    zh("demo", "--build-only", db="demo.db")
    zh("demo", "--build-only", db="l.db", code=1)  # never over a real ledger
    zh("db", "path")
    zh("db", "check")
    zh("db", "upgrade")
    zh("db", "backup", str(tmp_path / "copy.db"))
    zh("db", "backup", str(tmp_path / "copy.db"), code=1)


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--lang", "fr", "--db", str(tmp_path / "l.db"), "list"])
    assert result.exit_code == 2
    assert "fr" in result.stderr and "zh" in result.stderr and "Traceback" not in result.output
    env = {"DUBAN_LANG": "fr"}
    assert runner.invoke(app, ["--db", str(tmp_path / "l.db"), "list"], env=env).exit_code == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["extend", "DJ-001", "--bogus"], "没有 --bogus 这个选项"),
        (["list", "--limit", "3"], "没有 --limit 这个选项（可能是：--light、--mine）"),
        (["feedback"], "缺少参数 '编号'。"),
        (["extend", "DJ-001", "--to"], "选项 --to 须跟一个值。"),
        (["history", "--limit", "x"], "'--limit' 的值无效：应为整数。"),
        (["show", "A", "B"], "多余的参数：B"),
        (["bogus"], "没有 bogus 这个命令。"),
        (["lisst"], "没有 lisst 这个命令。是不是 list？"),
        (["user", "kye"], "没有 kye 这个命令。是不是 key？"),
    ],
)
def test_a_refused_command_line_is_refused_in_chinese(
    tmp_path: Path, args: list[str], said: str
) -> None:
    # The usage line is in the help language, chosen when duban starts: a process of its own.
    import os
    import subprocess
    import sys

    env = {**os.environ, "DUBAN_LANG": "zh", "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", "from tui.cli import main; main()", "--db",
         str(tmp_path / "l.db"), *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == f"错误：{said}"
    commands = ("list", "key")  # the names suggested are commands, which stay as typed
    assert not [line for line in lines if english_words(line, (*args, *commands))], done.stderr
