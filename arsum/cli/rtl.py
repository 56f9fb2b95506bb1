"""Right-to-left paragraphs for the terminal: wrapped first, then (with --bidi) shaped and reordered line by line.

Terminals without bidi support (tmux, VS Code, Windows Terminal, xterm) print characters left to right in the order
they arrive. Reordering a whole paragraph and letting Rich wrap it afterwards puts the end of a sentence on its first
row; so the paragraph is wrapped in logical order here, and each visual row is reordered on its own, with the
paragraph's base direction, after Arabic letters are given their joined forms (arabic-reshaper).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.cells import cell_len
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style, StyleType

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions

# Arabic harakat and Quranic marks: after reordering they precede their letter and must be moved back after it.
_MARKS_BEFORE_BASE = re.compile(r"([\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]+)(.)")


def base_direction(text: str) -> str:
    """'R' or 'L' from the paragraph's first strong character (Unicode rules P2/P3), 'L' when there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "L"


_LAM_ALEF = frozenset(
    f"ARABIC LIGATURE LAM WITH ALEF{form}" for form in ("", " WITH HAMZA ABOVE", " WITH HAMZA BELOW", " WITH MADDA ABOVE")
)


@lru_cache(maxsize=1)
def _reshaper():
    """Joined letter forms and lam-alef (which every Arabic font draws), none of the other presentation-form
    ligatures: `الله` as U+FDF2, `صلى الله عليه وسلم` as U+FDFA are one cell that many terminal fonts draw tiny or
    as a box, and they hide the letters from search and copy."""
    import arabic_reshaper
    from arabic_reshaper.ligatures import LIGATURES

    ligatures = {name: name in _LAM_ALEF for name, _replacement in LIGATURES}
    return arabic_reshaper.ArabicReshaper(
        configuration={"delete_harakat": False, "support_ligatures": True, **ligatures}
    )


def visual_order(line: str, base: str) -> str:
    """One already-wrapped row in display order: shaped, reordered with the paragraph's base direction."""
    from bidi.algorithm import (
        get_display,  # python-bidi's pure-Python one: its Rust get_display skips mirroring (L4)
    )

    shaped = _reshaper().reshape(line)
    return _MARKS_BEFORE_BASE.sub(r"\2\1", get_display(shaped, base_dir=base))


def _fold(word: str, width: int) -> list[str]:
    """A word wider than the row, cut into row-wide pieces."""
    pieces, current = [], ""
    for char in word:
        if current and cell_len(current + char) > width:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current]


def wrap_words(text: str, width: int) -> list[str]:
    """Greedy word wrap in logical order; whitespace (hard-wrap newlines too) becomes one space."""
    width = max(1, width)
    rows: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if cell_len(candidate) <= width:
            current = candidate
            continue
        if current:
            rows.append(current)
        *full, current = _fold(word, width)
        rows.extend(full)
    if current or not rows:
        rows.append(current)
    return rows


def layout(text: str, width: int, *, label: str = "", reorder: bool = False) -> list[str]:
    """Rows of `text` at most `width` cells wide, `label` (e.g. "3. ") before the first, a hanging indent after.

    Rows are in logical order unless `reorder`; the label stays at the start of the reading direction.
    """
    indent = cell_len(label)
    rows = wrap_words(text, width - indent)
    logical = [(label if i == 0 else " " * indent) + row for i, row in enumerate(rows)]
    if not reorder:
        return logical
    base = base_direction(text)
    return [visual_order(row, base) for row in logical]


class Paragraph:
    """A Rich renderable: a paragraph laid out by `layout`, aligned to the side its direction starts from."""

    def __init__(self, text: str, *, style: StyleType = "", label: str = "", reorder: bool = False) -> None:
        self.text = text  # already escaped by the renderer (render.shown): written as Segments, not through Text
        self.style = style
        self.label = label
        self.reorder = reorder
        self.rtl = base_direction(text) == "R"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        style = console.get_style(self.style) if self.style else Style()
        width = options.max_width
        for row in layout(self.text, width, label=self.label, reorder=self.reorder):
            pad = " " * max(0, width - cell_len(row))
            if self.rtl:
                yield Segment(pad)
            yield Segment(row, style)
            if not self.rtl:
                yield Segment(pad)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        words = self.text.split() or [""]
        label = cell_len(self.label)
        longest = max(cell_len(w) for w in words) + label
        return Measurement(min(longest, options.max_width), min(cell_len(" ".join(words)) + label, options.max_width))


# -f text with --bidi: each line that holds right-to-left text is wrapped at the terminal's width and every row put
# in display order, right-aligned, exactly as a panel's paragraphs are; other lines pass unchanged.

_RTL_CHAR = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LINE_LABEL = re.compile(r"\s*(?:(?:\d+\.|[-*\u2022])\s+)?")  # an indent, a list number or bullet: kept first


def output_width(env: Mapping[str, str] = os.environ) -> int:
    """The columns rows are wrapped at: $COLUMNS, else the terminal of stdout or (behind `| less`) stderr, else 80."""
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(20, min(int(columns), 1000))
    for fd in (1, 2):
        try:
            return max(20, os.get_terminal_size(fd).columns)
        except (OSError, ValueError):
            continue
    return 80


def visual_rows(line: str, width: int) -> list[str]:
    """One line of text output as a terminal without bidi must be given it: unchanged without RTL letters."""
    if not _RTL_CHAR.search(line):
        return [line]
    label = _LINE_LABEL.match(line).group()  # type: ignore[union-attr] - the pattern matches the empty string
    rows = layout(line[len(label):], width, label=label, reorder=True)
    if base_direction(line) == "R":
        rows = [" " * max(0, width - cell_len(row)) + row for row in rows]
    return rows


class VisualLines:
    """A text stream whose complete lines are written in display order (`visual_rows`): --bidi for -f text."""

    def __init__(self, stream: TextIO, width: int) -> None:
        self.stream = stream
        self.width = width
        self._pending = ""

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self.stream.write("".join(row + "\n" for row in visual_rows(line, self.width)))
        return len(text)

    def flush(self) -> None:
        if self._pending:  # a last line without its newline
            self.stream.write("\n".join(visual_rows(self._pending, self.width)))
            self._pending = ""
        self.stream.flush()


# The hint: terminals that never do bidi are known by their own variables. tmux draws cells left to right even
# inside a terminal that does bidi; VS Code's terminal and Windows Terminal have no bidi.


_NO_BIDI_TERMINALS = {"tmux": "tmux", "vscode": "VS Code's terminal", "windows-terminal": "Windows Terminal"}


def bidi_terminal(env: Mapping[str, str] = os.environ) -> str | None:
    """The terminal (known by its own environment variables) that shows Arabic reversed without --bidi, or None."""
    if env.get("TMUX"):
        return "tmux"
    if env.get("TERM_PROGRAM") == "vscode":
        return "vscode"
    if env.get("WT_SESSION"):
        return "windows-terminal"
    return None


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_STATE_HOME/arsum, else ~/.local/state/arsum: what arsum remembers between runs (hints shown)."""
    base = Path(env["XDG_STATE_HOME"]).expanduser() if env.get("XDG_STATE_HOME") else Path.home() / ".local" / "state"
    return base / "arsum"


def bidi_hint(env: Mapping[str, str] = os.environ) -> str | None:
    """The hint to use --bidi, the first time arsum writes Arabic to this kind of terminal (None afterwards).

    Once per terminal kind, remembered in the state dir: a hint repeated on every run becomes noise people learn to
    skip, and the choice is the user's to make once (`ARSUM_BIDI=1` or `=0` in the profile). Where nothing can be
    remembered (a read-only home), the hint is given on every run rather than never.
    """
    terminal = bidi_terminal(env)
    if terminal is None:
        return None
    key = f"bidi-hint:{terminal}"
    record = state_dir(env) / "hints"
    try:
        if record.is_file() and key in record.read_text(encoding="utf-8", errors="replace")[:65536].splitlines():
            return None
        record.parent.mkdir(parents=True, exist_ok=True)
        with record.open("a", encoding="utf-8") as shown:
            shown.write(key + "\n")
    except OSError:
        pass
    return (f"{_NO_BIDI_TERMINALS[terminal]} shows Arabic reversed: add --bidi (export ARSUM_BIDI=1 makes it the default; "
            "ARSUM_BIDI=0 keeps the terminal's own rendering and silences this hint)")
