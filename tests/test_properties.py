"""Property-based tests of the text pipeline: whatever Unicode arrives, parsing and summarising hold their promises.

The strategy mixes what real inputs contain (Arabic words, wire-agency furniture, separators) with what hostile
ones do (bidi and zero-width marks, control characters, emoji, unpunctuated runs far above MAX_SENTENCE_CHARS).
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsum.errors import InputError
from arsum.tasks.extractive import ExtractiveSummarizer, default_count
from arsum.text.arabic import (
    MAX_SENTENCE_CHARS,
    normalize,
    sentence_spans,
    split_sentences,
)
from arsum.text.releases import parse_releases

ARABIC_WORDS = (
    "الرياض", "وزير", "الخارجية", "أكد", "المملكة", "العربية", "السعودية", "إلى", "مؤتمر", "التعاون",
    "الاقتصادي", "ى", "ة", "آل", "ﻻ", "هـ", "م", "د", "ج.م.ع", "٣٫٥", "١٤٣٦", "۱۲",
)
LATIN_WORDS = ("NATO", "Mr", "U.S", "Dr", "www.spa.gov.sa", "3.5", "1.000.000", "e-mail", "ß", "İ", "ﬁ")
MARKS = (
    "\u064b", "\u064e", "\u0650", "\u0651", "\u0652", "\u0670", "\u0640",  # diacritics, superscript alef, tatweel
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff",  # zero-width, LRM/RLM, ALM, BOM
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",  # bidi controls
)
EMOJI = ("😀", "🇸🇦", "👍🏽", "❤️", "🧑‍🤝‍🧑")
CONTROLS = tuple(chr(c) for c in (*range(0x00, 0x20), 0x7F, 0x85, 0xA0, 0x2028, 0x2029))
PUNCTUATION = (".", "!", "?", "؟", "؛", "…", "،", ",", ":", '"', "«", "»", "(", ")", ". .", "..", "?!")
SEPARATORS = (" ", " ", " ", "\n", "\n\n", "\r\n", "\t", "\n---\n", "\n  ---  \n", "\u2028", "\x0b")
FURNITURE = (
    "سياسي / ",
    "الرياض 12 رجب 1436 هـ الموافق 01 مايو 2015 م واس",
    "// انتهى //",
    "// يتبع //",
    "12:34 ت م",
    "20:05 GMT",
)

pieces = st.one_of(
    st.sampled_from(ARABIC_WORDS),
    st.sampled_from(LATIN_WORDS),
    st.sampled_from(MARKS),
    st.sampled_from(EMOJI),
    st.sampled_from(CONTROLS),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(FURNITURE),
    st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), min_size=1, max_size=12),
    st.integers(min_value=0, max_value=10**9).map(str),
    st.text(max_size=20),  # any Unicode, surrogates excluded by hypothesis' default
)
long_runs = st.builds(
    lambda word, n, sep: sep.join([word] * n),
    st.sampled_from(("كلمة", "x", "٣", "ـ", "\u200f", "وزير\u0651")),
    st.integers(min_value=MAX_SENTENCE_CHARS // 4, max_value=3 * MAX_SENTENCE_CHARS),
    st.sampled_from(("", " ", "،", "\u200b")),
)


@st.composite
def texts(draw: st.DrawFn) -> str:
    """A document: pieces joined by separators, sometimes with a very long unpunctuated run."""
    parts = draw(st.lists(st.one_of(pieces, pieces, pieces, long_runs), max_size=60))
    out: list[str] = []
    for part in parts:
        out.append(part)
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


# ARSUM_HYPOTHESIS_EXAMPLES=5000 for a deeper hunt; the default keeps this file at about 10 s.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("ARSUM_HYPOTHESIS_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
SUMMARIZER = ExtractiveSummarizer()


def _non_space(text: str) -> str:
    """The visible content: whitespace and format marks (LRM, ZWJ, …) may go with a blank line, nothing else."""
    return "".join(ch for ch in text if not (ch.isspace() or unicodedata.category(ch) == "Cf"))


def _lost_between(text: str, spans: list[tuple[int, int]]) -> str:
    """Visible content outside every span, but for the one comma a clause cut may drop between two pieces."""
    bounds = [0, *(x for span in spans for x in span), len(text)]
    lost = (_non_space(text[a:b]) for a, b in zip(bounds[::2], bounds[1::2]))
    return "".join(g for g in lost if g not in ("،", ","))


@PROPERTY_SETTINGS
@given(texts(), st.booleans())
def test_sentence_spans_lose_nothing_and_stay_bounded(text: str, line_breaks: bool) -> None:
    spans = sentence_spans(text, line_breaks=line_breaks)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)  # in order, non-overlapping, non-empty
        assert end - start <= MAX_SENTENCE_CHARS
        piece = text[start:end]
        assert piece == piece.strip()
        previous_end = end
    assert _lost_between(text, spans) == ""
    assert split_sentences(text, line_breaks=line_breaks) == [text[s:e] for s, e in spans]


@PROPERTY_SETTINGS
@given(texts(), st.integers(min_value=1, max_value=80))
def test_small_limits_still_bound_every_sentence(text: str, limit: int) -> None:
    spans = sentence_spans(text, limit)
    assert all(e - s <= limit for s, e in spans)
    assert _lost_between(text, spans) == ""


@PROPERTY_SETTINGS
@given(texts())
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def _flat(text: str) -> str:
    return " ".join(text.split())


def check_summaries(text: str, releases: list, count: int | None, ratio: float | None) -> None:
    """The promises of parsing plus extractive summarising, for the releases parsed out of `text`."""
    assert releases, "parse_releases returned nothing without raising InputError"
    # Verbatim up to whitespace: hard-wrapped lines are reflowed (#21), so a sentence that ran over a line
    # break holds one space where the file had the break and the spaces around it.
    flat = _flat(text)
    for release in releases:
        assert release.title is None or 0 < len(release.title) <= MAX_SENTENCE_CHARS  # null: no line reads as a headline
        body = release.sentences
        assert [s.index for s in body] == list(range(len(body)))
        for sentence in body:
            assert 0 < len(sentence.text) <= MAX_SENTENCE_CHARS
            assert sentence.text in text or _flat(sentence.text) in flat
        summary = SUMMARIZER.summarize(release, count=count, ratio=ratio)
        picked = summary.sentences
        indices = [s.index for s in picked]
        assert indices == sorted(set(indices))  # document order, no repeats
        for chosen in picked:
            assert chosen.text == body[chosen.index].text
        requested = count if count is not None else (len(body) if ratio is not None else default_count(len(body)))
        assert len(picked) <= min(requested, len(body))
        assert len(picked) >= (1 if body else 0)


@PROPERTY_SETTINGS
@given(
    texts(),
    st.booleans(),
    st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
    st.one_of(st.none(), st.floats(min_value=0.01, max_value=1.0)),
)
def test_parse_and_summarise_keep_their_promises(
    text: str, require_arabic: bool, count: int | None, ratio: float | None
) -> None:
    if count is not None and ratio is not None:
        ratio = None
    try:
        releases = parse_releases(text, source="doc", name="doc", encoding="utf-8", require_arabic=require_arabic)
    except InputError as error:  # the only exception allowed out
        assert error.source == "doc"
        assert "\n" not in str(error)
        return
    check_summaries(text, releases, count, ratio)


EDGE_DOCUMENTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "controls": "\x00\x01\x02",
    "only-bidi-marks": "\u200f\u200e\u202b",
    "emoji-line": "😀" * 5000,
    "tatweel-run": "ـ" * 20000,
    "only-separators": "---\n---\n---",
    "only-end-marker": "// انتهى //",
    "title-then-20k-run": "عنوان\n" + "ك" * 20000,
    "20k-run-no-title": "ك" * 20000,
    "20k-words-one-sentence": " ".join(["كلمة"] * 4000),
    "title-and-timestamp": "عنوان\n12:34 ت م",
    "crlf-hard-wrapped": "عنوان\r\n" + "\r\n".join(["جملة تستمر"] * 6) + ".\r\n",
}


@pytest.mark.parametrize("name", list(EDGE_DOCUMENTS))
def test_edge_documents(name: str) -> None:
    """Fixed cases hypothesis might take long to reach: same promises as above."""
    text = EDGE_DOCUMENTS[name]
    try:
        releases = parse_releases(text, source="doc", name="doc", encoding=None, require_arabic=False)
    except InputError:
        assert not any(ch.isalnum() for ch in text) or not text.strip()
        return
    check_summaries(text, releases, None, None)
