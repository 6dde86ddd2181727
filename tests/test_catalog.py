"""The catalogs: every key in both languages, with the same placeholders, and every key the code
asks for present (a typo in ``t("msg.savd")`` would show the key itself to the user)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from tui.i18n import CATALOG, LANGS, Translator, choose_lang

ROOT = Path(__file__).resolve().parent.parent


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_is_in_both_languages() -> None:
    zh, en = set(CATALOG["zh"]), set(CATALOG["en"])
    assert zh - en == set(), "missing in en"
    assert en - zh == set(), "missing in zh"


@pytest.mark.parametrize("key", sorted(CATALOG["en"]))
def test_both_languages_fill_the_same_placeholders(key: str) -> None:
    assert fields(CATALOG["zh"][key]) == fields(CATALOG["en"][key]), key


def test_chinese_is_chinese() -> None:
    """A zh entry copied from en by mistake: every zh sentence with letters has Chinese too,
    except the few that are symbols or codes in both."""
    same = {k for k in CATALOG["en"] if CATALOG["zh"][k] == CATALOG["en"][k]}
    assert all(not re.search(r"[a-z]{3}", CATALOG["zh"][k]) for k in same), sorted(same)
    for key, text in CATALOG["zh"].items():
        words = re.sub(r"\{[^}]*\}|duban [a-z -]+|--?[a-z-]+|[A-Z]+[a-z]*|\w+\.\w+", "", text)
        if re.search(r"[a-z]{3,}\s+[a-z]{3,}", words):
            pytest.fail(f"{key}: English in the Chinese catalog: {text!r}")


def _keys_asked_for() -> set[str]:
    """Literal keys passed to a translator (t(…), self.t(…), T(…)) anywhere in tui/."""
    asked: set[str] = set()
    for path in (ROOT / "tui").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            value = first.value if isinstance(first, ast.Constant) else None
            if name in ("t", "T", "H") and isinstance(value, str) and "." in value:
                asked.add(value)
    return asked


def test_every_key_the_code_asks_for_exists() -> None:
    asked = _keys_asked_for()
    assert len(asked) > 100  # the walk found the calls
    assert asked - set(CATALOG["en"]) == set()


def test_unknown_language_is_refused_not_ignored() -> None:
    with pytest.raises(ValueError):
        Translator("fr")
    assert set(LANGS) == set(CATALOG)
    assert choose_lang("zh_CN.UTF-8") == "zh"
