"""Line breaking for Chinese text by display width, with the rules of Chinese typesetting
(kinsoku, 避头尾): a line never starts with closing punctuation (，。、；：？！）》」』”’%…),
never ends with opening punctuation (（《「『“‘…), and never breaks inside a run of ASCII
digits, letters and the punctuation inside numbers and codes (1.5, 12/20, 50%, 2023-06-15,
DJ-001).

Rich and Textual wrap at spaces, and fold a spaceless run (which a Chinese sentence is) cell by
cell, wherever the width runs out: ``（目标1`` / ``2次）``, or a line that starts with ``，``.
Here a Chinese character is a place to break, a number is not, and punctuation sticks to the
character it belongs to, so a line that would start with ``，`` takes the character before it
along instead (the "push out" way of 避头尾).

``wrap`` works on plain text and returns the lines; joined they give the text back. ``Wrapped``
is a Rich renderable that wraps to whatever width it is drawn at, so a resized screen rewraps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

__all__ = ["CLOSING", "OPENING", "Wrapped", "units", "wrap"]

CLOSING = frozenset("，。、；：？！）》」』”’%‰】〕〉］｝…,.;:?!)]}")
"""Punctuation that closes what came before: never the first thing on a line."""
OPENING = frozenset("（《「『“‘【〔〈［｛([{")
"""Punctuation that opens what comes after: never the last thing on a line."""

# One unbreakable piece: a run of ASCII (or full-width) digits and letters with the
# punctuation that sits inside numbers and codes (1.5, 1,200, 12/20, 9:30, 2023-06-15,
# DJ-001) and a sign or percent around it; a run of spaces; or any other single character.
_UNIT = re.compile(
    r"[+\-]?[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+(?:[.,:/\-_][0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+)*[%‰]?"
    r"| +"
    r"|.",
    re.DOTALL,
)


def units(text: str) -> list[str]:
    """``text`` cut into the pieces no line break may go inside."""
    return _UNIT.findall(text)


def _groups(text: str) -> Iterator[str]:
    """Pieces with the punctuation that must not be parted from them: opening punctuation
    joins the piece after it, closing punctuation and spaces the piece before it."""
    group = ""
    opening = ""
    for unit in units(text):
        if unit in OPENING:
            opening += unit
        elif (unit[0] in CLOSING or unit[0] == " ") and group and not opening:
            group += unit
        else:
            if group:
                yield group
            group, opening = opening + unit, ""
    group += opening  # opening punctuation at the very end stays with the last piece
    if group:
        yield group


def _fold(group: str, width: int) -> list[str]:
    """A piece wider than a whole line, cut by characters: the only place a rule gives way."""
    pieces: list[str] = []
    piece = ""
    for char in group:
        if piece and cell_len(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    pieces.append(piece)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines at most ``width`` cells wide, by the rules above; a newline
    in ``text`` ends a line (and is not kept). ``"".join(wrap(t, w)) == t`` for text without
    newlines. A piece wider than ``width`` (a long code at a tiny width) is cut where it must
    be; a double-width character is never cut, so at a width of 1 its line is 2 wide."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for group in _groups(paragraph):
            size = cell_len(group)
            if used + size <= width:
                line, used = line + group, used + size
                continue
            if line:
                lines.append(line)
            if size <= width:
                line, used = group, size
                continue
            *full, line = _fold(group, width)
            lines.extend(full)
            used = cell_len(line)
        lines.append(line)
    return lines


@dataclass
class Wrapped:
    """A paragraph that Rich draws wrapped by ``wrap`` at the width it is given."""

    text: str
    style: str = ""
    justify: Literal["left", "center"] = "left"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in wrap(self.text, options.max_width):
            # Each line already fits: nothing for Rich to wrap again.
            yield Text(line, style=self.style, justify=self.justify, no_wrap=True)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max((cell_len(group) for group in _groups(self.text)), default=0)
        return Measurement(min(widest, options.max_width), cell_len(self.text))
