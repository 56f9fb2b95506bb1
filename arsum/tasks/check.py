"""Check any English text against its Arabic source: support, numbers and, for a translation, omissions.

The same checks arsum runs on its own output, for text made elsewhere (a colleague, a vendor, an online
service). Two shapes: a document (an English summary or translation of an Arabic release, sentences matched
by meaning) and aligned lines (line i of the English translates line i of the Arabic).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from arsum.errors import InputError, ModelUnavailable, UsageError, one_line
from arsum.tasks.results import TranslationPair
from arsum.tasks.support import (
    DEFAULT_ENCODER,
    DEFAULT_MIN_SUPPORT,
    CachedEncoder,
    SentenceEncoder,
    annotate_translation,
    assess_sentences,
    get_encoder,
    score_support,
)
from arsum.text.arabic import arabic_ratio, has_arabic
from arsum.text.english import split_english_sentences
from arsum.text.inputs import DEFAULT_MAX_BYTES, STDIN_SOURCE, read_input
from arsum.text.release import Release, reading_units
from arsum.text.releases import NO_HEADLINE, parse_release

__all__ = ["AlignedCheck", "CheckedPair", "CheckedSentence", "DocumentCheck", "Omission", "check_aligned",
           "check_document", "check_files"]

SUMMARY = "summary"
TRANSLATION = "translation"
MISSING_TRANSLATION = "missing-translation"
"""--aligned: the Arabic line has text, the English line is blank (or holds no letter or digit)."""
NO_SOURCE = "no-source"
"""--aligned: the English line has text, the Arabic line behind it is blank."""
EMPTY_ENGLISH = "the English text is empty"


@dataclass(frozen=True)
class CheckedSentence:
    """One English sentence: its support, the Arabic sentences behind it (-1 title, -2 subtitle), its flags."""

    index: int
    text: str
    support: float
    sources: tuple[int, ...]
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"sources": list(self.sources), "flags": list(self.flags)}


@dataclass(frozen=True)
class Omission:
    """An Arabic sentence no English sentence supports; `support` is the best any of them reaches."""

    index: int
    text: str
    support: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class DocumentCheck:
    """An English text checked against an Arabic release; `expect` says whether omissions count as problems."""

    id: str
    expect: str
    sentences: tuple[CheckedSentence, ...]
    omissions: tuple[Omission, ...]
    encoder: str
    min_support: float
    warnings: tuple[str, ...] = ()
    input_warnings: tuple[str, ...] = ()
    """The part of `warnings` about reading the Arabic (the CLI says these on stderr; the rest are in the output)."""

    @property
    def flagged(self) -> bool:
        """Something an editor should look at: a flagged sentence, an English text with no sentence at all,
        or an omission in a translation."""
        return (
            not self.sentences
            or any(s.flags for s in self.sentences)
            or (self.expect == TRANSLATION and bool(self.omissions))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "mode": "document",
            "expect": self.expect,
            "flagged": self.flagged,
            "sentences": [s.to_dict() for s in self.sentences],
            "omissions": [o.to_dict() for o in self.omissions],
            "support": {"encoder": self.encoder, "min_support": self.min_support},
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class CheckedPair:
    """Line `index` (0-based) of the Arabic and of the English; support None when either line is empty, and then
    flagged `missing-translation` or `no-source` unless both are."""

    index: int
    source: str
    translation: str
    support: float | None
    flags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"flags": list(self.flags)}


@dataclass(frozen=True)
class AlignedCheck:
    """Aligned line pairs, each scored on its own."""

    pairs: tuple[CheckedPair, ...]
    encoder: str
    min_support: float
    warnings: tuple[str, ...] = ()
    input_warnings: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return any(p.flags for p in self.pairs)

    def to_dict(self) -> dict[str, Any]:
        """The whole check as one object (the CLI writes `pairs` one record each)."""
        return {
            "mode": "aligned",
            "flagged": self.flagged,
            "pairs": [p.to_dict() for p in self.pairs],
            "support": {"encoder": self.encoder, "min_support": self.min_support},
            "warnings": list(self.warnings),
        }


def _encoder(encoder: SentenceEncoder | str | None, revision: str | None = None) -> SentenceEncoder:
    """The encoder given, or the one named loaded and tried on two short texts now: a folder that loads but is
    no sentence encoder (a seq2seq model's) is one ModelUnavailable line, as `translate` says it, not a crash
    half-way. Without scores a check has nothing to say about meaning or omissions, so it stops here."""
    if isinstance(encoder, SentenceEncoder):
        return encoder
    name = encoder or DEFAULT_ENCODER
    try:
        loaded = get_encoder(encoder, revision)
        getattr(loaded, "load", lambda: None)()
        loaded.encode(["نص", "text"])
    except ModelUnavailable as error:
        raise ModelUnavailable(name, f"support scores unavailable: {error.problem}", error.hint) from None
    except Exception as error:  # noqa: BLE001 - loads but cannot encode: one line, never an internal error
        raise ModelUnavailable(
            name, f"support scores unavailable: not a sentence encoder ({one_line(error)})",
            "give --encoder a folder or hub id of a sentence encoder (e.g. LaBSE), or leave it out for the default",
        ) from None
    return loaded


def check_document(
    source: Release | str,
    translation: str,
    *,
    translation_expected: bool = False,
    encoder: SentenceEncoder | str | None = None,
    min_support: float = DEFAULT_MIN_SUPPORT,
    source_name: str = "source",
) -> DocumentCheck:
    """Support, sources and number flags for each English sentence; Arabic sentences left unsupported.

    `source`: a parsed release, or the text of one (headline first). `translation_expected`: the English is
    meant to render all of it, so each omission is a problem; otherwise (a summary) omissions are listed only.
    """
    release = source if isinstance(source, Release) else parse_release(source, id=source_name, source=source_name)
    # a passage under check rarely has a headline: saying so each time would be noise, not a finding
    reading = tuple(w for w in release.warnings if w != NO_HEADLINE)
    enc = CachedEncoder(_encoder(encoder))  # both directions score the same texts: encode each once
    english = split_english_sentences(translation)  # as the English summaries are split: the same sentences
    sentences: list[CheckedSentence] = []
    warnings: list[str] = []
    findings = assess_sentences(english, release, enc, min_support=min_support)
    for n, (text, found) in enumerate(zip(english, findings, strict=True)):
        # messages number sentences from 1, as people do; `index` stays 0-based (the JSON contract)
        if found.low:
            warnings.append(f"english sentence {n + 1}: support {found.support:.2f} below {min_support:.2f}")
        warnings += [f"english sentence {n + 1}: number {number} not in the Arabic source" for number in found.missing]
        sentences.append(CheckedSentence(n, text, found.support, found.sources, found.flags))
    if not english:
        warnings.append(EMPTY_ENGLISH)

    arabic = _arabic_sentences(release)
    reverse = score_support([text for _, text in arabic], english, enc) if english else [(0.0, ())] * len(arabic)
    omissions = tuple(
        Omission(index, text, support)
        for (index, text), (support, _) in zip(arabic, reverse, strict=True)
        if support < min_support
    )
    return DocumentCheck(
        id=release.id,
        expect=TRANSLATION if translation_expected else SUMMARY,
        sentences=tuple(sentences),
        omissions=omissions,
        encoder=enc.name,
        min_support=min_support,
        warnings=reading + tuple(warnings),
        input_warnings=reading,
    )


def _arabic_sentences(release: Release) -> list[tuple[int, str]]:
    return [(index, text) for index, _, text in reading_units(release)]  # the units summaries are scored against


def check_aligned(
    source_lines: Sequence[str],
    translation_lines: Sequence[str],
    *,
    encoder: SentenceEncoder | str | None = None,
    min_support: float = DEFAULT_MIN_SUPPORT,
) -> AlignedCheck:
    """Line i of the English against line i of the Arabic: support (cosine of the pair) and number flags; a
    blank English line behind Arabic text is flagged `missing-translation`, English text behind a blank Arabic
    line `no-source` (a line with no letter or digit counts as blank; two blank lines are a pair of separators).

    Raises UsageError when the two sides do not have the same number of lines.
    """
    if len(source_lines) != len(translation_lines):
        raise UsageError(
            f"--aligned needs as many lines in the translation as in the source: "
            f"{len(source_lines)} Arabic lines, {len(translation_lines)} English lines"
        )
    enc = _encoder(encoder)
    pairs = [
        TranslationPair(i, 0, a if _has_text(a) else "", e if _has_text(e) else "")
        for i, (a, e) in enumerate(zip(source_lines, translation_lines, strict=True))
    ]
    scored, warnings = annotate_translation(pairs, enc, min_support=min_support)
    checked = []
    for original_source, original_translation, pair in zip(source_lines, translation_lines, scored, strict=True):
        flags = pair.flags
        if pair.source and not pair.translation:
            flags += (MISSING_TRANSLATION,)
            warnings.append(f"line {pair.index + 1}: no English for the Arabic line")
        elif pair.translation and not pair.source:
            flags += (NO_SOURCE,)
            warnings.append(f"line {pair.index + 1}: no Arabic behind the English line")
        checked.append(CheckedPair(pair.index, original_source, original_translation, pair.support, flags))
    return AlignedCheck(pairs=tuple(checked), encoder=enc.name, min_support=min_support, warnings=tuple(warnings))


def _has_text(line: str) -> bool:
    """A letter or digit in any script: a line of spaces, dashes or invisible marks translates nothing."""
    return any(char.isalnum() for char in line)


def check_files(
    source: str,
    translation: str,
    *,
    aligned: bool = False,
    translation_expected: bool = False,
    encoder: SentenceEncoder | str | None = None,
    min_support: float | None = None,
    max_bytes: int | None = None,
    stdin: BinaryIO | None = None,
    revision: str | None = None,
) -> DocumentCheck | AlignedCheck:
    """`arsum check`: read SOURCE and TRANSLATION (a path, or `-` for stdin, not both) and check them.

    `encoder`, `revision` and `min_support` come resolved (arsum.tasks.settings.resolve_support)."""
    if source == "-" and translation == "-":
        raise UsageError("only one of SOURCE and TRANSLATION can be - (stdin)")
    limit = max_bytes or DEFAULT_MAX_BYTES
    arabic, encoding = read_input(source, stdin=stdin, max_bytes=limit)
    english, _ = read_input(translation, stdin=stdin, max_bytes=limit)
    # Swapped or wrong files would be checked against themselves and pass: refused before any scoring
    if not has_arabic(arabic):
        raise InputError(STDIN_SOURCE if source == "-" else source,
                         "has no Arabic letters: SOURCE is the Arabic, TRANSLATION the English (swapped?)")
    if arabic_ratio(english) > 0.5:
        raise InputError(STDIN_SOURCE if translation == "-" else translation,
                         "is mostly Arabic: TRANSLATION is the English to check, SOURCE the Arabic (swapped?)")
    threshold = DEFAULT_MIN_SUPPORT if min_support is None else min_support
    if isinstance(encoder, str) or encoder is None:
        encoder = _encoder(encoder, revision)
    if aligned:
        arabic_lines, english_lines = _lines(arabic), _lines(english)
        return check_aligned(_fit(arabic_lines, len(english_lines)), _fit(english_lines, len(arabic_lines)),
                             encoder=encoder, min_support=threshold)
    name = "<stdin>" if source == "-" else source
    release = parse_release(arabic, id=name, source=name, encoding=encoding)
    return check_document(release, english, translation_expected=translation_expected, encoder=encoder,
                          min_support=threshold)


def _lines(text: str) -> list[str]:
    """Lines split on newlines only (str.splitlines also splits on U+2028 and \\x1c, which would shift pairs);
    a final newline does not make an extra empty line."""
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _fit(lines: list[str], other: int) -> list[str]:
    """Blank lines at the end beyond the other side's count dropped (an editor's trailing empty lines), so they
    neither break the pairing nor hide a missing line: blank lines inside stay, and are flagged."""
    end = len(lines)
    while end > other and not lines[end - 1].strip():
        end -= 1
    return lines[:end]
