"""Errors the user can act on. Every door (CLI, dashboard) shows one line and exits 1; anything
else escaping store/ is a bug.

Each error says itself in English (``str(err)``, what the CLI has always printed) and in
Chinese (``zh``): a door shows ``store.messages.text_of(err, lang)``, which is
``err.text(lang)``. A message may be given as a ``store.messages.Sentence`` (a str that carries
its Chinese), whose ``zh`` is then taken when no ``zh`` is given."""

from __future__ import annotations


class LedgerError(Exception):
    """The user's input or the ledger's state does not allow what was asked."""

    def __init__(self, message: str = "", *, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or getattr(message, "zh", "")

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("zh" or "en"): English where no Chinese was given."""
        return self.zh if lang == "zh" and self.zh else str(self)


class NotFound(LedgerError):
    pass


class Conflict(LedgerError):
    """Someone else changed the item since it was read (optimistic locking)."""


class LedgerBusy(LedgerError):
    """Another process held the write lock for longer than we are willing to wait."""


class Invalid(LedgerError):
    """A value was refused; ``problems`` lists each one (for imports, one per bad cell), and
    ``problems_zh`` the same in Chinese (``problem_texts(lang)`` reads either)."""

    def __init__(
        self,
        message: str,
        problems: list[str] | None = None,
        *,
        zh: str = "",
        problems_zh: list[str] | None = None,
    ) -> None:
        super().__init__(message, zh=zh)
        self.problems = problems or []
        self.problems_zh = problems_zh or []

    def problem_texts(self, lang: str = "en") -> list[str]:
        """Each problem in ``lang``; one without a Chinese text stays English (a problem that
        is a ``Sentence`` says itself)."""
        from store.messages import text_of

        texts = []
        for n, problem in enumerate(self.problems):
            zh = self.problems_zh[n] if n < len(self.problems_zh) else ""
            texts.append(zh if lang == "zh" and zh else text_of(problem, lang))
        return texts
