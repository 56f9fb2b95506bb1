"""Multi-part wire releases (`// يتبع //`, `إضافة أولى` …) joined into one release, in part order."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

from arsum.text.arabic import normalize
from arsum.text.release import Release, Sentence

T = TypeVar("T")
_ORDINALS = {  # normalised (arsum.text.arabic.normalize) ordinal of an addition -> its part number
    "اولي": 2, "ثانيه": 3, "ثالثه": 4, "رابعه": 5, "خامسه": 6, "سادسه": 7, "سابعه": 8, "ثامنه": 9, "تاسعه": 10,
    "عاشره": 11,
}
_PART_IN_TITLE = re.compile(
    r"(?:^|[\s/\-–—(\[|]+)اضافه\s+(?P<n>" + "|".join(_ORDINALS) + r")(?P<last>\s+و\s*اخيره)?[\s)\]/\-–—|.]*$"
)
_STEM_NOISE = re.compile(r"[\W_]+")
PART_MISSING = "part {n} of a multi-part release; the other parts are not in this run"


@dataclass(frozen=True)
class PartInfo:
    """Where a release stands in a multi-part story: its stem (the headline without the part label), its number
    (1 for the first part, 2 for `إضافة أولى`, …) and whether it is the last."""

    stem: str
    number: int
    last: bool


def part_info(release: Release) -> PartInfo | None:
    """The part a release is, by its headline's `إضافة …` label and its `// يتبع //` marker; None for a whole release."""
    if release.title is None:
        return None
    title = normalize(release.title)
    m = _PART_IN_TITLE.search(title)
    if m:
        stem = _STEM_NOISE.sub(" ", title[: m.start()]).strip()
        return PartInfo(stem, _ORDINALS[m.group("n")], bool(m.group("last")) or not release.continues) if stem else None
    if release.continues:
        return PartInfo(_STEM_NOISE.sub(" ", title).strip(), 1, False)
    return None


def _joined(parts: list[Release], complete: bool) -> Release:
    """One release made of its parts, in order: the first part's header, every part's body, the last part's end."""
    first, last = parts[0], parts[-1]
    paragraphs: list[str] = []
    sentences: list[Sentence] = []
    for part in parts:
        offset = len(paragraphs)
        paragraphs.extend(part.paragraphs)
        sentences.extend(replace(s, index=len(sentences) + k, paragraph=s.paragraph + offset)
                         for k, s in enumerate(part.sentences))
    continuing = "release continues in a later part (// يتبع //)"
    warnings = [w for part in parts for w in part.warnings if w != continuing and not w.startswith("part ")]
    if not complete:
        have = ", ".join(str(n) for n in sorted(info.number for info in map(part_info, parts) if info))
        warnings.append(f"parts {have} of a multi-part release joined; the other parts are not in this run")
    title = first.title
    info = part_info(first)
    if title is not None and info is not None and info.number > 1:
        title = None if not info.stem else title
    return replace(
        first, title=title, paragraphs=tuple(paragraphs), sentences=tuple(sentences),
        timestamp=last.timestamp, end_marker=last.end_marker, continues=last.continues,
        byline=next((p.byline for p in parts if p.byline), None),
        dateline=next((p.dateline for p in parts if p.dateline), None),
        warnings=tuple(dict.fromkeys(warnings)), parts=tuple(p.id for p in parts),
    )


_PART_WINDOW = 500
"""How many releases a story whose next part has not come yet holds back the ones after it (order is kept)."""


class _Story:
    """The parts of one multi-part story seen so far, waiting in the output queue at its first part's place."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.parts: dict[int, Release] = {}
        self.seen = 0  # when its last part arrived, counted in releases read
        self.done = False

    def complete(self) -> bool:
        numbers = sorted(self.parts)
        info = part_info(self.parts[numbers[-1]])
        return numbers == list(range(1, len(numbers) + 1)) and info is not None and info.last

    def releases(self) -> Iterator[Release]:
        if self.complete():
            yield _joined([self.parts[n] for n in sorted(self.parts)], complete=True)
        else:
            yield from _flush(self.parts)


def join_parts(items: Iterable[T]) -> Iterator[T | Release]:
    """Multi-part releases (`// يتبع //` at the end of a part, `إضافة أولى` … `إضافة ثالثة وأخيرة` in the next parts'
    headlines, the same headline stem) joined into one release listing its parts' ids in `parts`, in part order.

    Order is kept: a story takes its first part's place, and what follows waits until its last part arrives
    (at most _PART_WINDOW releases later, else it goes out as it is). A story some of whose parts are missing
    is joined from each run of consecutive parts present, and says so; a lone part comes back as it was read,
    with a warning naming its part number. Anything else (whole releases, input errors) passes through."""
    queue: deque[_Story | T] = deque()
    stories: dict[str, _Story] = {}
    for count, item in enumerate(items, 1):
        info = part_info(item) if isinstance(item, Release) else None
        if info is None:
            queue.append(item)
        else:
            story = stories.get(info.stem)
            if story is None or info.number in story.parts:  # the same part again: the earlier story is over
                if story is not None:
                    story.done = True
                story = stories[info.stem] = _Story(info.stem)
                queue.append(story)
            story.parts[info.number] = item  # type: ignore[assignment]
            story.seen = count
            if story.complete():
                story.done = True
                del stories[info.stem]
        for stem, story in list(stories.items()):
            if count - story.seen > _PART_WINDOW:
                story.done = True
                del stories[stem]
        while queue and (not isinstance(queue[0], _Story) or queue[0].done):
            head = queue.popleft()
            if isinstance(head, _Story):
                yield from head.releases()
            else:
                yield head
    for head in queue:
        if isinstance(head, _Story):
            yield from head.releases()
        else:
            yield head


def _flush(story: dict[int, Release]) -> Iterator[Release]:
    """An unfinished story: each run of consecutive parts joined, a lone part as it was read (saying so)."""
    runs: list[list[Release]] = []
    previous = None
    for n in sorted(story):
        if previous is None or n != previous + 1:
            runs.append([])
        runs[-1].append(story[n])
        previous = n
    for parts in runs:
        if len(parts) > 1:
            yield _joined(parts, complete=False)
            continue
        (part,) = parts
        info = part_info(part)
        if info is not None and info.number > 1:
            yield replace(part, warnings=(*part.warnings, PART_MISSING.format(n=info.number)))
        else:
            yield part
