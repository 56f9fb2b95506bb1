"""Per-release features of a digest: what grouping needs of one release (body shingles, specific-term candidates,
the part key of an agency's numbered parts, the encoder's text), computed once, on a Ray worker or in-process.

Split from digest.py (the grouping and the stories); digest re-exports these names.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from arsum.text.arabic import STOPWORDS, light_stem, tokenize
from arsum.text.release import Release

SHINGLE = 5
LEAD_SENTENCES = 2
LEAD_CHARS = 400  # headline + lead as the encoder sees them
MAX_TITLE_KEY_WORDS = 30

_PART_TAIL = re.compile(
    r"[\s(\[/\-–—:،,]*(?:ال)?[اإ]ضاف[ةه]\s+\S+(?:\s+و\s*[اأ]خير[ةه])?[\s)\]/\-–—.]*$"
    r"|[\s(\[/\-–—]*(?:الجزء|جزء)\s+\S+[\s)\]/\-–—.]*$"
    r"|[\s(\[]*\d+\s*/\s*\d+[\s)\]]*$"
)
"""A part label at the end of a headline: `إضافة أولى`, `(إضافة ثانية وأخيرة)`, `الجزء الثاني`, `2/3`."""


def part_key(title: str) -> str | None:
    """The headline with its part label removed, normalised; None when it is too short to identify a release."""
    stripped = _PART_TAIL.sub("", title).strip()
    words = tokenize(stripped)
    if len([w for w in words if w not in STOPWORDS]) < 3:
        return None
    return " ".join(words[:MAX_TITLE_KEY_WORDS])


@dataclass(frozen=True)
class Features:
    """What grouping needs of one release: small, picklable, computed once (on a Ray worker or here)."""

    shingles: frozenset[int]
    terms: frozenset[str]  # content stems of headline and lead
    title_key: str | None
    lead: str  # the headline, as the encoder reads it (a lead too costs ~50x the time and links no better)
    size: int  # body words: the most complete member has most
    headline_terms: frozenset[str] = frozenset()  # content stems of the headline alone
    words: frozenset[str] = frozenset()  # content stems of headline and body: is a name anywhere in the release?


def headline_of(release: Release) -> str:
    """The release's headline, or (when it has none) its first sentence, cut at a word near 200 characters."""
    if release.title:
        return release.title
    first = release.sentences[0].text if release.sentences else ""
    return first if len(first) <= 200 else first[:200].rsplit(" ", 1)[0] + " …"


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def _stems(tokens: Iterable[str]) -> frozenset[str]:
    return frozenset(light_stem(t) for t in tokens if len(t) >= 3 and t not in STOPWORDS and not t.isdigit())


def release_features(release: Release) -> Features:
    """Shingles of the body, specific-term candidates of headline and lead, the part key, the encoder's text."""
    body = " ".join(s.text for s in release.sentences)
    words = tokenize(body)
    shingles = frozenset(_crc(" ".join(words[i:i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))
    lead_sentences = [s.text for s in release.sentences[:LEAD_SENTENCES]]
    title = headline_of(release)
    head = " ".join([title, *([release.subtitle] if release.subtitle else []), *lead_sentences])
    terms = _stems(tokenize(head))
    return Features(shingles=shingles, terms=terms, title_key=part_key(release.title) if release.title else None,
                    lead=title[:LEAD_CHARS], size=len(words), headline_terms=_stems(tokenize(title)),
                    words=_stems(tokenize(title) + words))
