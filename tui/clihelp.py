"""``duban --help`` in the reader's language.

Typer builds every command's help from its decorator when tui/cli.py is imported, before any
option is parsed, so the help language is chosen then, from the command line itself
(``--lang X`` / ``--lang=X``), else DUBAN_LANG, else the locale. ``H("help.list")`` reads the
catalog in that language.

Click's own words (``Usage:``, the section headings, ``-h, --help``'s line, ``[required]``,
``[default: …]``, ``[env var: …]``) come from the catalog too, through the formatter every
duban command's context uses; it also wraps by display width, so Chinese lines (two cells a
character) fit the terminal and break between characters.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.cells import cell_len
from typer.core import TyperCommand, TyperGroup

from tui.i18n import Translator, choose_lang


def lang_in_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--lang X`` or ``--lang=X`` on a command line (before ``--``), if any."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def help_lang(argv: Sequence[str]) -> str:
    """The language --help speaks: ``--lang`` on the command line, else DUBAN_LANG, else the
    locale, else English. A language duban does not know falls through to the next (the
    command then refuses it, as set_lang does)."""
    return choose_lang(lang_in_argv(argv))


H = Translator(help_lang(sys.argv[1:]))


# --- layout by display width ----------------------------------------------------------------

# Chinese help may break a line between any two Chinese characters, but not before a closing
# mark nor after an opening one; English help only at spaces.
_NO_LINE_START = frozenset("，。、；：？！）》」』”’】…")
_NO_LINE_END = frozenset("（《「『“‘【")


def _breaks(prev: str, ch: str) -> bool:
    """May a line end between ``prev`` and ``ch`` (no space between them)?"""
    if ch in _NO_LINE_START or prev in _NO_LINE_END:
        return False
    if H.lang == "en":  # a Chinese term in English help is a word: 具体措施, 序号
        return False
    both_chinese = cell_len(prev) > 1 and cell_len(ch) > 1
    return both_chinese or prev in _NO_LINE_START or ch in _NO_LINE_END


def _pieces(text: str) -> list[str]:
    """Runs of spaces, and the unbreakable pieces between them: a Latin word (with the Chinese
    characters it touches: 6次, 二=supervision）), or one Chinese character with the punctuation
    that must stay beside it."""
    pieces: list[str] = []
    for run in re.findall(r"\s+|\S+", text):
        word = run[0]
        for ch in run[1:]:
            if _breaks(word[-1], ch):
                pieces.append(word)
                word = ch
            else:
                word += ch
        pieces.append(word)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells (a piece wider than that has a line of its
    own); each paragraph (a blank line between) starts a line, with a blank line before it."""
    lines: list[str] = []
    for n, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
        if n:
            lines.append("")
        line = ""
        for piece in _pieces(" ".join(paragraph.split("\n"))):
            if piece.isspace():
                line += piece if line else ""
            elif not line or cell_len(line + piece) <= width:
                line += piece
            else:
                lines.append(line.rstrip())
                line = piece
        lines.append(line.rstrip())
    return lines


# What Click and Typer append to a parameter's help, in their words.
_EXTRAS = re.compile(r"(?P<help>.*?)(?P<gap>\s*)\[(?P<extras>[^\[\]]*)\]", re.DOTALL)
_EXTRA_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"required"), lambda m: H("help.required")),
    (re.compile(r"default: (.*)", re.DOTALL), lambda m: H("help.default", value=m[1])),
    (re.compile(r"env var: (.*)", re.DOTALL), lambda m: H("help.env_var", name=m[1])),
]
_HEADINGS = {"Arguments": "help.heading.arguments", "Options": "help.heading.options",
             "Commands": "help.heading.commands"}  # fmt: skip


def split_extras(help: str) -> tuple[str, str, str]:
    """``("…", "  ", "（默认：50；必填）")``: a parameter's help, and what Click and Typer put
    after it (``[default: 50; required]``) in the help language; a bracket with any other word
    in it is left as it is (it may be the help's own text)."""
    match = _EXTRAS.fullmatch(help)
    if match is None:
        return help, "", ""
    said = []
    for part in match["extras"].split("; "):
        for pattern, words in _EXTRA_WORDS:
            if found := pattern.fullmatch(part):
                said.append(words(found))
                break
        else:
            return help, "", ""
    return match["help"], match["gap"], H("help.extras", extras=H("list.sep").join(said))


_Formatter: Any = typer.Context.formatter_class


class HelpFormatter(_Formatter):
    """Click's plain help layout, measured in cells and worded from the catalog."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = H("help.usage") if prefix is None else prefix
        usage_prefix = f"{prefix}{prog} "
        text_width = self.width - self.current_indent
        if text_width >= cell_len(usage_prefix) + 20:
            lines = wrap(args, text_width - cell_len(usage_prefix)) or [""]
            indent = " " * (self.current_indent + cell_len(usage_prefix))
            self.write(" " * self.current_indent + usage_prefix + lines[0] + "\n")
        else:
            self.write(" " * self.current_indent + usage_prefix + "\n")
            indent = " " * (max(self.current_indent, cell_len(prefix)) + 4)
            lines = ["", *wrap(args, text_width - len(indent))]
        for line in lines[1:]:
            self.write(f"{indent}{line}\n")

    def write_heading(self, heading: str) -> None:
        key = _HEADINGS.get(heading)
        words = H(key) if key else f"{heading}:"
        self.write(f"{'':>{self.current_indent}}{words}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in wrap(text, self.width - self.current_indent):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((cell_len(first) for first, _ in rows), default=0), col_max)
        first_col += col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if cell_len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - cell_len(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            text, gap, extras = split_extras(second)
            lines = wrap(text, text_width) or [""]
            if extras:  # on one line, after the help if it fits there
                if not lines[-1] or cell_len(lines[-1] + gap + extras) <= text_width:
                    lines[-1] = (lines[-1] + gap if lines[-1] else "") + extras
                else:
                    lines.append(extras)
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{'':>{first_col}}{line}\n" if line else "\n")


class HelpContext(typer.Context):
    formatter_class = HelpFormatter


def short_help(text: str, limit: int) -> str:
    """A command's line in its group's list: the first sentence of its help, cut to ``limit``
    cells at a word or a Chinese character."""
    text = " ".join(text.split("\n\n")[0].split())
    if end := re.search(r"[。！？]|\.(?=\s|$)", text):
        text = text[: end.end()]
    if cell_len(text) <= limit:
        return text
    cut = ""
    for piece in _pieces(text):
        if cell_len(cut + piece) > limit - 1:
            break
        cut += piece
    return cut.rstrip() + H("help.cut")


def _short_help(command: Any, limit: int, clicks: str) -> str:
    """Click's short help for help all in Latin letters (as duban has always shown it), else
    short_help's, which measures in cells and can cut Chinese."""
    help = command.help or ""
    return clicks if help.isascii() else short_help(help, limit)


def _help_option(option: Any) -> Any:
    if option is not None:
        option.help = H("help.help_option")
    return option


class HelpCommand(TyperCommand):
    """A command whose help is laid out by HelpFormatter and whose -h says what it does in the
    help language."""

    context_class = HelpContext

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short_help(self, limit, super().get_short_help_str(limit))


class HelpGroup(TyperGroup):
    """HelpCommand's layout and words for a group (duban itself, db, entry, user); as the root,
    it says a refused command line in the reader's language (``show_usage_error``)."""

    context_class = HelpContext

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from typer._click.exceptions import UsageError

        standalone = kwargs.pop("standalone_mode", True)
        kwargs["standalone_mode"] = False
        if not standalone:
            return super().main(*args, **kwargs)
        argv = kwargs.get("args", args[0] if args else None)
        try:
            rv = super().main(*args, **kwargs)
        except UsageError as exc:
            show_usage_error(exc, help_lang(sys.argv[1:] if argv is None else list(argv)))
            sys.exit(exc.exit_code)
        # Not standalone, Click hands back the code an Exit carried instead of exiting.
        sys.exit(rv if isinstance(rv, int) else 0)

    def get_help_option(self, ctx: Any) -> Any:
        return _help_option(super().get_help_option(ctx))

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short_help(self, limit, super().get_short_help_str(limit))


class Duban(typer.Typer):
    """A Typer whose commands and sub-apps use HelpCommand and HelpGroup, and whose usage lines
    say [OPTIONS] and COMMAND in the help language."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", HelpGroup)
        kwargs.setdefault("options_metavar", H("help.metavar.options"))
        kwargs.setdefault("subcommand_metavar", H("help.metavar.command"))
        super().__init__(**kwargs)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return super().command(name, cls=cls or HelpCommand, **kwargs)


# --- usage errors in the reader's language ---------------------------------------------------
#
# A command line Click refuses (an unknown option, a missing argument, an option without its
# value, a value of the wrong type) is said by Click in English. In Chinese the sentence comes
# from the catalog instead, from what the exception carries (the option, the parameter, the
# command); English keeps Click's own words.

_NOT_A = re.compile(r"'?(?P<value>.*?)'? is not a valid (?P<type>integer|float)(?: range)?\.?")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)")
_WANT = re.compile(r"Input should be a valid (?P<type>integer|number)\b.*")
_NO_COMMAND = re.compile(r"No such command '(?P<name>.*?)'\.")
_MAYBE = re.compile(r"Did you mean (?:one of )?(?P<names>.*)\?")


def usage_words(t: Translator, exc: Any) -> str:
    """What is wrong with the command line, in ``t``'s language (a UsageError of Click's)."""
    from typer._click import exceptions as ce

    if t.lang != "zh":
        return str(exc.format_message())
    if isinstance(exc, ce.NoSuchOption):
        said = t("cli.usage.no_option", option=exc.option_name)
        if exc.possibilities:
            said += t("cli.usage.maybe", options="、".join(sorted(exc.possibilities)))
        return said
    if isinstance(exc, ce.MissingParameter):
        param = exc.param
        kind = exc.param_type or (param.param_type_name if param is not None else "parameter")
        hint = exc.param_hint or (param.get_error_hint() if param is not None else "")
        hint = hint if isinstance(hint, str) else " / ".join(hint)
        return t(f"cli.usage.missing_{'option' if kind == 'option' else 'argument'}", name=hint)
    if isinstance(exc, ce.BadOptionUsage) and "requires" in exc.message:
        return t("cli.usage.needs_value", option=exc.option_name)
    if isinstance(exc, ce.BadParameter):
        param = exc.param
        hint = exc.param_hint or (param.get_error_hint() if param is not None else "")
        hint = hint if isinstance(hint, str) else " / ".join(hint)
        message = str(exc.message)
        if found := _NOT_A.fullmatch(message):
            message = t(f"cli.usage.not_{found['type']}", value=found["value"])
        elif found := _WANT.fullmatch(message):
            message = t(f"cli.usage.want_{found['type']}")
        return t("cli.usage.bad_value", name=hint, message=message) if hint else message
    if found := _NO_COMMAND.match(str(exc.message)):
        said = t("cli.usage.no_command", name=found["name"])
        rest = str(exc.message)[found.end() :].strip()
        if maybe := _MAYBE.fullmatch(rest):  # No such command 'lisst'. Did you mean 'list'?
            names = re.findall(r"'([^']*)'", maybe["names"])
            said += t("cli.usage.maybe_command", names="、".join(names))
        return said
    if found := _EXTRA.fullmatch(str(exc.message)):
        return t("cli.usage.extra", **found.groupdict())
    return str(exc.format_message())


def show_usage_error(exc: Any, lang: str) -> None:
    """Click's UsageError.show, its words from the catalog: the usage line (already in the
    help language), where to find help, and what is wrong."""
    t = Translator(lang)
    out = sys.stderr
    ctx = exc.ctx
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = t("cli.usage.try", command=f"{ctx.command_path} {ctx.help_option_names[0]}")
        out.write(f"{ctx.get_usage()}\n{hint}\n\n" if hint else f"{ctx.get_usage()}\n\n")
    out.write(t("cli.usage.error", message=usage_words(t, exc)) + "\n")
    out.flush()
