"""What store says to people, in Chinese and English.

Every error a door shows (the CLI's one line, the dashboard's toast) and every sentence store
builds for a person (import warnings, summaries, `duban db check` findings) has a text in both
languages. Doors never format ``str(exc)`` themselves: they call ``text_of(exc, lang)`` (and
``problems_of(exc, lang)`` for the list an ``Invalid`` carries).

Sentences that are not errors (an import report's notes, warnings and problems, `db check`
findings, the ledger's permission warning) are ``Sentence`` objects: a ``str`` that is the
English, as before, carrying its Chinese in ``zh``; ``text_of(sentence, lang)`` reads either,
and a plain ``str`` reads as itself.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

LANGS = ("zh", "en")


@runtime_checkable
class Said(Protocol):
    """Anything that can say itself in either language."""

    def text(self, lang: str = "en") -> str: ...


class Sentence(str):
    """A sentence for a person: the ``str`` is its English, ``zh`` its Chinese (the English
    again where none was given). Lists of sentences stay lists of ``str`` for JSON and for
    callers that only know English."""

    zh: str

    def __new__(cls, en: str, zh: str = "") -> Sentence:
        said = super().__new__(cls, en)
        said.zh = zh or getattr(en, "zh", "") or str.__str__(said)
        return said

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (str.__str__(self), self.zh)

    def text(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else str.__str__(self)


def zh_of(value: object) -> str:
    """The Chinese of a ``Sentence`` or an error (``text("zh")``), else ``str(value)``: for
    building one bilingual sentence out of another."""
    return text_of(value, "zh") if isinstance(value, BaseException | Said) else str(value)


def text_of(exc: object, lang: str = "en") -> str:
    """The sentence to show for ``exc`` in ``lang``: its own ``text(lang)`` where it has one,
    else its English message."""
    text = getattr(exc, "text", None)
    if callable(text):
        try:
            said = text(lang)
        except TypeError:
            said = None
        if isinstance(said, str) and said:
            return said
    return str(exc)


def problems_of(exc: BaseException, lang: str = "en") -> list[str]:
    """The lines to list under an error: each problem of an ``Invalid`` (one per bad cell or
    field) in ``lang``; for any other error, its one sentence."""
    from store.errors import Invalid

    if isinstance(exc, Invalid) and exc.problems:
        return exc.problem_texts(lang)
    return [text_of(exc, lang)]
