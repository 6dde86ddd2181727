"""``duban --help`` and every command's and sub-command's help speak the reader's language: under
DUBAN_LANG=zh (or --lang zh, or a zh_* locale) not an English sentence, Click's own words
included; under en the English duban has always shown.

Typer builds the help when tui.cli is imported, so each language is read from a fresh Python:
one per language walks the whole command tree and hands back every page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.test_cli_zh import english_words
from tui import clihelp
from tui.clihelp import help_lang, lang_in_argv, short_help, split_extras, wrap
from tui.i18n import CATALOG, Translator

DUBAN = Path(sys.executable).parent / "duban"

# Every page of help, from an interpreter that imported tui.cli under the given environment.
_PAGES = """
import json, typer
from typer.testing import CliRunner
from tui.cli import app

def walk(command, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))

pages = {}
for path in walk(typer.main.get_command(app)):
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="duban")
    assert result.exit_code == 0, (path, result.output)
    pages[" ".join(path)] = result.stdout
print(json.dumps(pages, ensure_ascii=False))
"""

COMMANDS = {"", "add", "log", "feedback", "extend", "done", "reopen", "set", "rm", "undo",
            "redo", "list", "show", "history", "remind", "stats", "problems", "problems add",
            "problems rm", "import",
            "export", "report", "config", "demo", "db",
            "db upgrade", "db check", "db backup", "db path", "entry", "entry set", "entry rm",
            "user", "user add", "user rm", "user list", "user key", "user key add",
            "user key rm", "user key list", "serve"}  # fmt: skip


def help_pages(**env: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _PAGES],
        env={**os.environ, "COLUMNS": "80", **env},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    pages: dict[str, str] = json.loads(done.stdout)
    assert set(pages) == COMMANDS  # the walk found every command, and nothing untested
    return pages


@pytest.fixture(scope="module")
def zh_pages() -> dict[str, str]:
    return help_pages(DUBAN_LANG="zh")


@pytest.fixture(scope="module")
def en_pages() -> dict[str, str]:
    return help_pages(DUBAN_LANG="en")


# In help, besides what english_words takes for names: a parameter's type (<str>, <list[Path]>),
# the values an option takes (party|efficiency|supervision) and its default (默认：update), an
# identifier (progress_note, DUBAN_LANG), and the command names in a group's list.
_HELP_NAMES = re.compile(r"<[^>]*>|\w+(?:\|\w+)+|默认：\w+|\b\w+_\w+\b|^\s+[a-z]+(?=\s\s)")
_PRODUCTS = {"WPS", "SSH", "OpenSSH", "SHA", "ssh", "AAAA", "Xce", "pub"}  # and key text


def english_in_help(line: str) -> list[str]:
    return [w for w in english_words(_HELP_NAMES.sub(" ", line)) if w not in _PRODUCTS]


def test_the_help_checker_finds_english() -> None:
    assert english_in_help("  --json          Print JSON for machines.") == ["Print", "for",
                                                                           "machines"]  # fmt: skip
    assert english_in_help("Usage: duban list [OPTIONS]") == ["Usage", "OPTIONS"]
    assert english_in_help("  -h, --help  Show this message and exit.") != []
    assert english_in_help("  --limit <int>  显示多少条改动。  [default: 50]") == ["default"]
    assert english_in_help("  list     列出事项") == []
    assert english_in_help("  --pane <str>  板块（或 party|efficiency|supervision）。") == []


def test_every_help_page_is_chinese_under_zh(zh_pages: dict[str, str]) -> None:
    english = [
        f"duban {path} --help: {line}"
        for path, page in zh_pages.items()
        for line in page.splitlines()
        if english_in_help(line)
    ]
    assert not english, "English in the help under DUBAN_LANG=zh:\n" + "\n".join(english)
    assert zh_pages["list"].startswith("用法：duban list [选项]")
    assert "选项：" in zh_pages["list"] and "命令：" in zh_pages[""]
    assert "参数：" in zh_pages["log"]
    assert "-h, --help      显示本帮助后退出。" in zh_pages["list"]
    assert "（默认：50）" in zh_pages["history"]
    assert "（必填）" in zh_pages["add"] and "（环境变量：DUBAN_DB）" in zh_pages[""]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_help_sentence_of_the_catalog_is_shown(
    lang: str, zh_pages: dict[str, str], en_pages: dict[str, str]
) -> None:
    """Each command's own sentences are on its page, whole (line breaks aside)."""
    pages = {"zh": zh_pages, "en": en_pages}[lang]
    shown = _squeezed("".join(pages.values()))
    words = CATALOG[lang]
    for key, text in words.items():
        if key.startswith("help.") and "{" not in text and not key.startswith("help.heading"):
            if key.startswith(("help.metavar.", "help.cut", "help.usage", "help.help_option")):
                continue
            if key in ("help.filter", "help.title", "help.key", "help.action", "help.hint"):
                continue  # the dashboard's
            assert _squeezed(text) in shown, (key, text)


def test_english_help_is_as_it_was(en_pages: dict[str, str]) -> None:
    page = en_pages["list"]
    assert page.startswith("Usage: duban list [OPTIONS]\n")
    assert "--owner <str>   责任人 (a part of it will do)." in page
    assert "-h, --help      Show this message and exit." in page
    assert "Options:" in page and "Commands:" in en_pages[""] and "Arguments:" in en_pages["log"]
    assert "Usage: duban [OPTIONS] COMMAND [ARGS]..." in en_pages[""]
    assert "[default: 50]" in en_pages["history"] and "[env var: DUBAN_DB]" in en_pages[""]
    assert re.search(r"^  log +Log work done on an item: \+1, or an amount", en_pages[""], re.M)
    assert "Usage: duban entry set [OPTIONS] {ID} {assignments}..." in en_pages["entry set"]
    assert not any(re.search(r"[\u4e00-\u9fff]{6}", line) for line in page.splitlines())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_help_fits_80_columns(
    lang: str, zh_pages: dict[str, str], en_pages: dict[str, str]
) -> None:
    """A Chinese character is two cells: lines are measured in cells, not characters."""
    pages = {"zh": zh_pages, "en": en_pages}[lang]
    wide = [
        f"{path}: {line}" for path, page in pages.items() for line in page.splitlines()
        if cell_len(line) > 80  # CliRunner lays help out 80 wide
    ]  # fmt: skip
    assert not wide, "\n".join(wide)


# --- the language, from the command line ----------------------------------------------------


def test_lang_on_the_command_line() -> None:
    assert lang_in_argv(["--lang", "zh", "list", "--help"]) == "zh"
    assert lang_in_argv(["list", "--help", "--lang=en"]) == "en"
    assert lang_in_argv(["add", "x", "--", "--lang", "zh"]) is None
    assert lang_in_argv(["list", "--lang"]) is None
    assert lang_in_argv(["list", "--help"]) is None


def test_help_lang_argv_then_duban_lang_then_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DUBAN_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert help_lang(["list", "--help"]) == "zh"
    monkeypatch.setenv("DUBAN_LANG", "en")
    assert help_lang(["list", "--help"]) == "en"
    assert help_lang(["--lang", "zh_CN", "list", "--help"]) == "zh"
    assert help_lang(["--lang=fr", "list"]) == "en"  # not known: DUBAN_LANG's (fr is refused)
    monkeypatch.setenv("DUBAN_LANG", "zh")
    assert help_lang(["--lang", "en", "--help"]) == "en"


def _console(*args: str, **env: str) -> str:
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    done = subprocess.run(
        [str(DUBAN), *args], env={**os.environ, "COLUMNS": "80", **env},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout


def test_the_console_script_takes_lang_from_the_command_line() -> None:
    zh = _console("--lang", "zh", "list", "--help", DUBAN_LANG="en")
    assert zh.startswith("用法：duban list [选项]") and "责任人（写其中一部分即可）。" in zh
    en = _console("--lang=en", "list", "--help", DUBAN_LANG="zh")
    assert en.startswith("Usage: duban list [OPTIONS]") and "--owner" in en
    assert "Show this message and exit." in en


def test_the_console_script_takes_lang_from_a_chinese_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("DUBAN_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    assert _console("--help", LANG="zh_CN.UTF-8").startswith("用法：duban [选项] 命令")
    assert _console("db", "--help", LANG="en_US.UTF-8").startswith("Usage: duban db [OPTIONS]")


# --- layout ---------------------------------------------------------------------------------


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clihelp, "H", Translator("zh"))


@pytest.fixture
def en(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clihelp, "H", Translator("en"))


def test_chinese_wraps_between_characters_within_the_width(zh: None) -> None:
    text = "在整个时间跨度的完成量旁另列哪个期间的完成量（默认：本半年）。" * 3
    lines = wrap(text, 20)
    assert all(cell_len(line) <= 20 for line in lines), lines
    assert "".join(lines) == text
    # Neither a closing mark at the start of a line nor an opening one at its end.
    assert not any(line[0] in "，。）：" or line[-1] == "（" for line in lines), lines
    # A Latin word and the characters it touches stay whole.
    assert "（--pane" in " ".join(wrap("指定板块（--pane 二=supervision）；台账", 12))
    assert "二=supervision）；" in wrap("指定板块（--pane 二=supervision）；台账", 12)


def test_english_wraps_only_at_spaces(en: None) -> None:
    lines = wrap("Text to find in code, title, 具体措施, 备注, dept or owner.", 34)
    assert lines == ["Text to find in code, title,", "具体措施, 备注, dept or owner."]
    assert wrap("one\n\ntwo", 10) == ["one", "", "two"]


def test_clicks_extras_in_chinese(zh: None) -> None:
    assert split_extras("显示多少条。  [default: 50]") == ("显示多少条。", "  ", "（默认：50）")
    assert split_extras("x  [env var: DUBAN_DB; required]") == (
        "x", "  ", "（环境变量：DUBAN_DB；必填）"
    )  # fmt: skip
    # A bracket of the help's own is the help's.
    assert split_extras("格式 [md]") == ("格式 [md]", "", "")


def test_short_help_cuts_chinese_in_cells(zh: None) -> None:
    text = "查看一个事项：全部字段、对照序时进度的完成情况。另一句。"
    assert short_help(text, 60) == "查看一个事项：全部字段、对照序时进度的完成情况。"
    cut = short_help(text, 20)
    assert cell_len(cut) <= 20 and cut.endswith("…") and cut.startswith("查看一个事项")
