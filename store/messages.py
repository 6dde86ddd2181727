"""What store says to people, in Chinese and English.

Every error a door shows (the CLI's one line, the dashboard's toast) and every sentence store
builds for a person (import warnings, summaries) has a text in both languages. Doors never
format ``str(exc)`` themselves: they call ``text_of(exc, lang)``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

LANGS = ("zh", "en")


@runtime_checkable
class Said(Protocol):
    """Anything that can say itself in either language."""

    def text(self, lang: str = "en") -> str: ...


def text_of(exc: object, lang: str = "en") -> str:
    """The sentence to show for ``exc`` (an error, or any sentence store built) in ``lang``: its
    own ``text(lang)`` where it has one, else its English message (a plain str as it is)."""
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
    """One sentence per problem: an Invalid's list in ``lang``, else ``[text_of(exc)]``."""
    texts = getattr(exc, "problem_texts", None)
    if callable(texts):
        listed = texts(lang)
        if listed:
            return list(listed)
    problems = getattr(exc, "problems", None)
    if problems:
        return [str(p) for p in problems]
    return [text_of(exc, lang)]
