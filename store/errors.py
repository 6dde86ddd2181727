"""Errors the user can act on. Every door (CLI, dashboard) shows ``str(err)`` as one line and
exits 1; anything else escaping store/ is a bug."""


class LedgerError(Exception):
    """The user's input or the ledger's state does not allow what was asked."""


class NotFound(LedgerError):
    pass


class Conflict(LedgerError):
    """Someone else changed the item since it was read (optimistic locking)."""


class LedgerBusy(LedgerError):
    """Another process held the write lock for longer than we are willing to wait."""


class Invalid(LedgerError):
    """A value was refused; ``problems`` lists each one (for imports, one per bad cell)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
