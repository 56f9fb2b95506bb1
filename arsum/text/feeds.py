"""Cut one input into the texts of its releases: at `---` lines and at the wire's own boundaries."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Literal

from arsum.text.furniture import (
    _DESK,
    _MAX_TITLE_WORDS,
    _SEPARATOR,
    _end_line,
    _furniture_only,
    _is_terminal,
    _split_dateline,
)

SplitMode = Literal["auto", "separator", "never"]
SPLIT_MODES: tuple[str, ...] = ("auto", "separator", "never")
"""How one input is cut into releases: `auto` at `---` lines and at the wire's own boundaries (an end marker with
its time stamp or NNNN ends a release; a desk-labelled headline or a dateline after body text starts one),
`separator` at `---` lines only, `never` not at all (the whole input is one release)."""


def _dateline_line(line: str) -> bool:
    """A line that is a wire dateline and nothing else (`جدة 12 صفر 1437 هـ الموافق 24 نوفمبر 2015 م واس`)."""
    dateline, rest = _split_dateline(line)
    return dateline is not None and not rest.strip() and any(ch.isdigit() for ch in dateline)


def _header_start(lines: list[str], k: int) -> int:
    """Where the release whose dateline is line k starts: its headline (and subtitle) lines above, if any."""
    start = k
    seen = 0
    m = k - 1
    while m >= 0 and seen < 2:
        ln = lines[m].strip()
        if not ln:
            m -= 1
            continue
        if _is_terminal(ln) or len(ln.split()) > _MAX_TITLE_WORDS or _end_line(ln) is not None:
            break
        start = m
        seen += 1
        if _DESK.match(ln):
            break
        m -= 1
    return start


def _wire_cuts(lines: list[str]) -> list[int]:
    """Line numbers where a new release starts inside one `---` chunk of a wire feed."""
    cuts: list[int] = []
    after_end = False
    body = False  # the current release has body text
    for k, ln in enumerate(lines):
        text = ln.strip()
        if not text:
            continue
        if after_end:
            if _furniture_only(text):
                continue
            cuts.append(k)
            after_end, body = False, False
        elif body and (_dateline_line(text) or (_DESK.match(text) and not _is_terminal(text))):
            start = k if _DESK.match(text) else _header_start(lines, k)
            if not cuts or start > cuts[-1]:
                cuts.append(start)
                body = False
        if _end_line(text) is not None:
            after_end = True
            continue
        if _is_terminal(text) or len(text.split()) > 15:
            body = True
    return cuts


def release_texts(text: str, split: SplitMode = "auto") -> Iterator[str]:
    """The text of each release in one input, cut by `split` (SPLIT_MODES); blank pieces are left out."""
    if split == "never":
        yield _SEPARATOR.sub("", text)
        return
    start = 0
    for separator in itertools.chain(_SEPARATOR.finditer(text), [None]):
        end = separator.start() if separator else len(text)
        chunk = text[start:end]
        start = separator.end() if separator else end
        if not chunk.strip():
            continue
        if split == "separator":
            yield chunk
            continue
        lines = chunk.split("\n")
        bounds = [0, *_wire_cuts(lines), len(lines)]
        for a, b in itertools.pairwise(bounds):
            piece = "\n".join(lines[a:b])
            if piece.strip():
                yield piece
