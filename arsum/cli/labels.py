"""The words every human output format shares (text, markdown, Rich, HTML): how input text is shown on a
terminal, what a support score is called, how a digest's desks and times are named.

Below render.py, html.py and digest_render.py (which re-export these names), so imports among the renderers
point one way: digest_render -> render -> html -> labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

from arsum.errors import escape_controls
from arsum.text.release import sentence_number

if TYPE_CHECKING:
    from arsum.tasks.digest import Story

NO_DESK = "أخبار"  # the heading of stories whose releases name no desk (newspapers)


def shown(text: str) -> str:
    """Input text as a human-facing renderer may print it: control characters (ESC, CR, C1, …) escaped so a
    release cannot drive the terminal; line breaks and tabs kept. Rich output also wraps it in Text (no markup)."""
    return escape_controls(text, keep="\n\t")


def score_text(value: float) -> str:
    """Two decimals, never `-0.00`."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _is_low(flags: tuple[str, ...]) -> bool:
    return any(f.startswith("low-support") for f in flags)


SUPPORT_LEGEND = (
    "Scores are closeness of meaning to the Arabic (0 to 1), not a fact check: a wrong city, name or airline "
    "can still score high; only numbers are checked against the Arabic."
)
"""What a support score is, said once where scores are listed for an editor (`arsum check`)."""


def support_word(flags: tuple[str, ...]) -> str:
    """The label beside a score: what it measures (closeness of meaning), never a verdict such as "supported"."""
    return "not close in meaning" if _is_low(flags) else "close in meaning"


def flag_text(flag: str) -> str:
    """A flag as a reader says it (`number-not-in-source:12` -> `number 12 not in the Arabic`)."""
    kind, _, value = flag.partition(":")
    if kind == "number-not-in-source":
        return f"number {value} not in the Arabic"
    return flag


def support_note(support: float, flags: tuple[str, ...], sources: tuple[int, ...] = ()) -> str:
    """`close in meaning 0.71, from 1, 3` / `not close in meaning 0.12, from title; number 12 not in the Arabic`."""
    cited = f", from {', '.join(map(sentence_number, sources))}" if sources else ""
    extra = [flag_text(f) for f in flags if not f.startswith("low-support")]
    return f"{support_word(flags)} {score_text(support)}{cited}{'; ' + '; '.join(extra) if extra else ''}"


_PAIR_FLAGS = {
    "missing-translation": "no English for this Arabic line",
    "no-source": "no Arabic behind this English line",
}


def pair_status(support: float | None, flags: tuple[str, ...]) -> str:
    """An aligned pair for a person, beside its score: `close in meaning`, `not close in meaning; number 35 not
    in the Arabic`, `no English for this Arabic line`, `blank` (both lines empty)."""
    words = [support_word(flags)] if support is not None else []
    words += [_PAIR_FLAGS.get(f) or flag_text(f) for f in flags if not f.startswith("low-support")]
    return "; ".join(words) or "blank"


def desk_name(desk: str | None) -> str:
    return desk or NO_DESK


def desks(stories: Sequence[Story]) -> Iterator[tuple[str | None, list[Story]]]:
    """Stories by desk, in the order they come (build_stories sorts by desk first)."""
    for desk, group in groupby(stories, key=lambda s: s.desk):
        yield desk, list(group)


def story_when(story: Story) -> str | None:
    """`first – last` (or the one time) where the inputs give times."""
    if story.first and story.last and story.first != story.last:
        return f"{story.first} – {story.last}"
    return story.first or story.last
