"""Turn decoded text into Release objects, following wire-agency layout.

A release is headline (optionally with a desk label such as `سياسي / `), an optional
subtitle, then body lines. Agency furniture (dateline, `// انتهى //`, time stamp) is
kept apart from the body so it is never summarised or translated as content.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from arsum.errors import InputError
from arsum.text.arabic import MAX_SENTENCE_CHARS, has_arabic, sentence_spans
from arsum.text.release import Release, Sentence

_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)
_DESK = re.compile(r"^\s*(?P<desk>[^\W\d_]+(?:[ \t]+[^\W\d_]+){0,2})[ \t]*/[ \t]+(?P<title>\S.*)$")
_TERMINAL = tuple(".!?؟؛…")
_CLOSERS = "\"'”’»›)]} \t"

_AGENCIES = (
    "واس", "وام", "قنا", "بنا", "كونا", "سبأ", "واج", "سانا", "وفا", "بترا", "العمانية", "الأناضول",
    "أ ف ب", "أ.ف.ب", "ا ف ب", "د ب أ", "أ ش أ", "رويترز", "يو بي آي",
)
# `مواس` occurs when `م` (the Gregorian era mark) is glued to the SPA tag.
_AGENCY_TAG = re.compile(
    r"(?:(?<=[\s\d(\-–—])|^)(?:م(?=واس))?\(?(?:"
    + "|".join(re.escape(a) for a in sorted(_AGENCIES, key=len, reverse=True))
    + r")\)?(?=$|[\s:.\-–—،,)])"
)
_AGREEING = re.compile(r"(?<![^\W\d_])الموافق(?![^\W\d_])")
_DATELINE_MAX = 140
_END_MARKER = re.compile(r"//\s*انتهى\s*//")
_CONTINUED = re.compile(r"//\s*يتبع\s*//")
_TIMESTAMP = re.compile(r"(?<!\d)(?P<ts>\d{1,2}:\d{2}(?:\s*(?:ت\s*[مغ]|GMT|UTC))?)\s*$")
_MAX_SUBTITLE_WORDS = 25
_MAX_TITLE_WORDS = 40


def _is_terminal(line: str) -> bool:
    return line.rstrip(_CLOSERS).endswith(_TERMINAL)


def _split_dateline(line: str) -> tuple[str | None, str]:
    """(dateline, rest of the line) when `line` opens with a dateline, else (None, line)."""
    stripped = line.strip()
    head = stripped[:_DATELINE_MAX]
    tag = _AGENCY_TAG.search(head)
    agreeing = _AGREEING.search(head)
    if tag and (agreeing or any(ch.isdigit() for ch in head[: tag.start()])):
        if agreeing and agreeing.start() > tag.start():
            return None, line
        dateline = stripped[: tag.end()].strip()
        rest = stripped[tag.end():].lstrip(" \t-–—:،,")
        return dateline, rest
    if agreeing and len(stripped) <= 100 and not _is_terminal(stripped):
        return stripped, ""
    return None, line


def _strip_furniture(lines: list[str]) -> tuple[list[str], str | None, bool, bool]:
    """Remove trailing end marker / continuation marker / time stamp lines."""
    timestamp: str | None = None
    end_marker = False
    continued = False
    while lines:
        last = lines[-1].rstrip()
        if not last.strip():
            lines.pop()
            continue
        changed = False
        ts = _TIMESTAMP.search(last)
        if ts and timestamp is None:
            before = last[: ts.start()].rstrip()
            if not before or _END_MARKER.search(before) or _CONTINUED.search(before) or "ت" in ts.group("ts"):
                timestamp = ts.group("ts").strip()
                last = before
                changed = True
        for pattern in (_END_MARKER, _CONTINUED):
            m = None
            for m in pattern.finditer(last):
                pass
            if m and not last[m.end():].strip():
                if pattern is _END_MARKER:
                    end_marker = True
                else:
                    continued = True
                last = last[: m.start()].rstrip()
                changed = True
        if not changed:
            break
        if last.strip():
            lines[-1] = last
            break
        lines.pop()
    return lines, timestamp, end_marker, continued


def _paragraphs(lines: list[str]) -> list[str]:
    """Body paragraphs verbatim: one per line, or per block when the text is hard-wrapped."""
    nonblank = [ln.strip() for ln in lines if ln.strip()]
    if len(nonblank) >= 3:
        open_lines = sum(1 for ln in nonblank[:-1] if not _is_terminal(ln))
        longest = max(len(ln) for ln in nonblank)
        if open_lines >= 0.6 * (len(nonblank) - 1) and longest <= 120:
            return _wrapped_blocks(lines)
    return nonblank


def _wrapped_blocks(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines; a block ends at a blank line or a line ending a sentence."""
    blocks: list[str] = []
    current: list[str] = []
    for ln in lines:
        if not ln.strip():
            if current:
                blocks.append("\n".join(current).strip())
                current = []
            continue
        current.append(ln.rstrip())
        if _is_terminal(ln):
            blocks.append("\n".join(current).strip())
            current = []
    if current:
        blocks.append("\n".join(current).strip())
    return [b for b in blocks if b]


def _sentences(paragraphs: list[str]) -> list[Sentence]:
    out: list[Sentence] = []
    for p_index, paragraph in enumerate(paragraphs):
        for s, e in sentence_spans(paragraph, line_breaks="\n" not in paragraph):
            out.append(Sentence(index=len(out), text=paragraph[s:e], paragraph=p_index))
    return out


def _body(
    lines: list[str], *, id: str, source: str, encoding: str | None, title: str,
    subtitle: str | None, desk: str | None, warnings: list[str],
) -> Release:
    lines, timestamp, end_marker, continued = _strip_furniture(list(lines))
    dateline: str | None = None
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is not None:
        dateline, rest = _split_dateline(lines[first])
        if dateline is not None:
            lines = lines[:first] + ([rest] if rest.strip() else []) + lines[first + 1:]
    paragraphs = _paragraphs(lines)
    sentences = _sentences(paragraphs)
    if continued:
        warnings.append("release continues in a later part (// يتبع //)")
    if not sentences:
        warnings.append("no body text after the title")
    return Release(
        id=id, source=source, encoding=encoding, title=title, subtitle=subtitle, desk=desk,
        dateline=dateline, paragraphs=tuple(paragraphs), sentences=tuple(sentences),
        timestamp=timestamp, end_marker=end_marker, warnings=tuple(warnings),
    )


def _check_text(text: str, source: str, require_arabic: bool) -> None:
    if not text.strip():
        raise InputError(source, "empty file")
    if not _SEPARATOR.sub("", text).strip():
        raise InputError(source, "no release text (only --- separators)")
    if require_arabic and not has_arabic(text):
        raise InputError(source, "no Arabic text (use --lang to summarise anyway)")


def _parse_one(chunk: str, *, id: str, source: str, encoding: str | None) -> Release:
    lines = chunk.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.strip())
    title = lines[i].strip()
    warnings: list[str] = []
    desk: str | None = None
    m = _DESK.match(title)
    if m:
        desk, title = m.group("desk").strip(), m.group("title").strip()
    rest = lines[i + 1:]
    if len(title.split()) > _MAX_TITLE_WORDS or len(title) > MAX_SENTENCE_CHARS:
        # No headline: the first line is body text; its first sentence stands in as title.
        spans = sentence_spans(title)
        s, e = spans[0]
        rest = [title] + rest
        title = title[s:e]
        warnings.append("no headline line: title taken from the first sentence")
    subtitle: str | None = None
    if rest and rest[0].strip() and any(ln.strip() for ln in rest[1:]):
        candidate = rest[0].strip()
        if (
            len(candidate.split()) <= _MAX_SUBTITLE_WORDS
            and len(candidate) <= MAX_SENTENCE_CHARS
            and not _is_terminal(candidate)
            and _split_dateline(candidate)[0] is None
        ):
            subtitle = candidate
            rest = rest[1:]
    return _body(rest, id=id, source=source, encoding=encoding, title=title,
                 subtitle=subtitle, desk=desk, warnings=warnings)


def iter_releases(
    text: str, *, source: str, name: str, encoding: str | None, require_arabic: bool = True, first: int = 1
) -> Iterator[Release]:
    """The releases of one input, parsed one at a time so a file of a million tiny releases never holds them all;
    several are separated by a line holding only `---`. Numbering starts at `first` (stdin read in parts)."""
    _check_text(text, source, require_arabic)
    start = 0
    number = first
    for separator in itertools.chain(_SEPARATOR.finditer(text), [None]):
        end = separator.start() if separator else len(text)
        chunk = text[start:end]
        start = separator.end() if separator else end
        if chunk.strip():
            yield _parse_one(chunk, id=f"{name}#{number}", source=source, encoding=encoding)
            number += 1


def parse_releases(
    text: str, *, source: str, name: str, encoding: str | None, require_arabic: bool = True
) -> list[Release]:
    """All releases in one input; several are separated by a line holding only `---`."""
    return list(iter_releases(text, source=source, name=name, encoding=encoding, require_arabic=require_arabic))


def parse_release(text: str, *, id: str, source: str, encoding: str | None = None) -> Release:
    """One release (headline first) with a given id, for records that carry no title of their own."""
    if not text.strip():
        raise InputError(source, "empty text")
    return _parse_one(text, id=id, source=source, encoding=encoding)


def build_release(
    *, id: str, title: str, text: str, source: str, encoding: str | None = None,
    subtitle: str | None = None,
) -> Release:
    """A release whose title is given separately (JSON lines); `text` is body only."""
    warnings: list[str] = []
    desk: str | None = None
    m = _DESK.match(title)
    if m:
        desk, title = m.group("desk").strip(), m.group("title").strip()
    return _body(text.splitlines(), id=id, source=source, encoding=encoding, title=title.strip(),
                 subtitle=subtitle, desk=desk, warnings=warnings)
