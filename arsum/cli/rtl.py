"""Right-to-left paragraphs for the terminal: wrapped first, then (with --bidi) shaped and reordered line by line.

Terminals without bidi support (tmux, VS Code, Windows Terminal, xterm) print characters left to right in the order
they arrive. Reordering a whole paragraph and letting Rich wrap it afterwards puts the end of a sentence on its first
row; so the paragraph is wrapped in logical order here, and each visual row is reordered on its own, with the
paragraph's base direction, after Arabic letters are given their joined forms (arabic-reshaper).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

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


@lru_cache(maxsize=1)
def _reshaper():  # noqa: ANN202 - arabic_reshaper is imported only with --bidi
    import arabic_reshaper

    return arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


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
