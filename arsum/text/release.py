"""A release as read from its input: title, subtitle, wire furniture and body sentences, verbatim."""

from __future__ import annotations

from dataclasses import dataclass

TITLE_INDEX = -1  # the title where a sentence index is expected (sources, translation pairs)
SUBTITLE_INDEX = -2


def sentence_number(index: int) -> str:
    """How a person is told which sentence: its position from 1; the title and subtitle by name (JSON keeps index)."""
    return {TITLE_INDEX: "title", SUBTITLE_INDEX: "subtitle"}.get(index, str(index + 1))


@dataclass(frozen=True)
class Sentence:
    """One body sentence, verbatim; `index` is its position among the release's body sentences."""

    index: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Release:
    """One news release parsed out of an input (a file may hold several, split by `---`)."""

    id: str
    source: str
    encoding: str | None
    title: str | None  # None: the text has no headline (it opens with its body)
    subtitle: str | None
    desk: str | None
    dateline: str | None
    paragraphs: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    timestamp: str | None = None  # the wire's time stamp (`06:20 ت م`), as written
    end_marker: str | None = None  # the end marker as written (`// انتهى //`, `// إنتهـى //`)
    byline: str | None = None  # a newspaper's byline line (`عين اليوم – جدة`, `فلان- سبق- الباحة`)
    warnings: tuple[str, ...] = ()
    continues: bool = False  # ends with `// يتبع //`: a later part carries on
    parts: tuple[str, ...] = ()  # the ids of the parts joined into this release (arsum.text.releases.join_parts)
    outlet: str | None = None  # who published it, where the input says (a JSON line's `source`)
    time: str | None = None  # when it was published, as the input gives it (a JSON line's `time`)


HEADING_PARAGRAPH = -1  # the paragraph of the title and subtitle in a release's units


def reading_units(release: Release) -> list[tuple[int, int, str]]:
    """(index, paragraph, text) of the title (-1), the subtitle (-2) and every body sentence, in reading order; a
    blank title or subtitle is no unit. The one list that translation, support scores and `check` all work on."""
    units = [(TITLE_INDEX, HEADING_PARAGRAPH, release.title)] if release.title and release.title.strip() else []
    if release.subtitle and release.subtitle.strip():
        units.append((SUBTITLE_INDEX, HEADING_PARAGRAPH, release.subtitle))
    units.extend((s.index, s.paragraph, s.text) for s in release.sentences)
    return units
