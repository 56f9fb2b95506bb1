"""Turn decoded text into Release objects, following wire-agency layout.

A release is headline (optionally with a desk label such as `سياسي / `), an optional
subtitle, then body lines. Agency furniture (dateline, `// انتهى //`, time stamp) is
kept apart from the body so it is never summarised or translated as content.

This module is the parse entry point; the furniture shapes live in arsum.text.furniture, feed splitting in
arsum.text.feeds and multi-part joining in arsum.text.parts (their public names are re-exported here).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from arsum.errors import InputError
from arsum.text.arabic import (
    MAX_SENTENCE_CHARS,
    has_arabic,
    is_heading,
    sentence_spans,
)
from arsum.text.feeds import SPLIT_MODES, SplitMode, release_texts
from arsum.text.furniture import (
    _AGENCY_TAG,
    _BYLINE_PREFIX,
    _BYLINE_WORD,
    _CLOSERS,
    _CREDIT_LEAD,
    _CREDIT_LINE,
    _CREDIT_TAIL,
    _DASH_PREFIX,
    _DESK,
    _LATIN_LEAD,
    _MAX_BYLINE_WORDS,
    _MAX_SUBTITLE_WORDS,
    _MAX_TITLE_WORDS,
    _PART_LABEL,
    _SEPARATOR,
    _bare,
    _end_line,
    _furniture_only,
    _is_terminal,
    _spelled,  # noqa: F401 (re-exported: tests spell markers with it)
    _split_byline,
    _split_dateline,
    _strip_end,
    _strip_furniture,
    _strip_web,
    byline_shape,
)
from arsum.text.parts import PART_MISSING, PartInfo, join_parts, part_info
from arsum.text.release import Release, Sentence

__all__ = [
    "PART_MISSING", "SPLIT_MODES", "PartInfo", "SplitMode", "build_release", "byline_shape", "iter_releases",
    "join_parts", "parse_release", "parse_releases", "part_info", "reflow", "release_texts",
]


# --------------------------------------------------------------------------- reflow

_WRAP_MAX_WIDTH = 130  # a hard-wrapped text's lines are at most this long (e-mail, PDF, EASC: 60-90 characters)


def _standalone(line: str) -> bool:
    """A line that never joins its neighbours when text is reflowed: wire furniture, a dateline, a heading."""
    return bool(
        _DESK.match(line) or _split_dateline(line)[0] is not None or _strip_end(line)[0] != line
        or is_heading(line) or _CREDIT_LINE.match(line) or _PART_LABEL.match(line)
    )


def _wrap_width(lines: list[str]) -> int | None:
    """The width text was hard-wrapped at, or None when it reads as a paragraph (or a sentence) per line.

    Wrapped: most lines stop inside a sentence and are about as long as the longest (the margin), and no line is
    longer than _WRAP_MAX_WIDTH."""
    body = [ln for ln in lines if ln and not _standalone(ln)]
    if len(body) < 4:  # two or three lines are no evidence of a margin
        return None
    lengths = sorted(len(ln) for ln in body)
    if sum(1 for n in lengths if n > _WRAP_MAX_WIDTH) > len(lengths) // 10:  # paragraphs, not wrapped lines
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    broken = sum(1 for ln in body[:-1] if not _ends_sentence(ln) and len(ln) >= 0.6 * width)
    return width if broken >= 0.5 * (len(body) - 1) else None


_BULLET = re.compile(r"^(?:[*•·▪◦\-–]\s|\d{1,2}\s*[-.)]\s)")


def _ends_sentence(line: str) -> bool:
    """A line that ends its sentence (`؛` joins two clauses of one sentence: it does not)."""
    return _is_terminal(line) and not line.rstrip(_CLOSERS).endswith("؛")


def reflow(lines: list[str]) -> list[str]:
    """Lines as paragraphs: in hard-wrapped text the lines broken inside a sentence are joined (with `\\n`, so the
    text stays verbatim); blank lines come back as ''. Text laid out a paragraph per line is returned stripped.

    A block ends at a blank line, at a line that ends a sentence, at a line well short of the margin (a headline
    or heading), and around wire furniture and datelines."""
    stripped = [ln.strip() for ln in lines]
    width = _wrap_width(stripped)
    if width is None:
        return stripped
    kept = [ln.rstrip() for ln in lines]  # inner lines keep their indent, as written
    out: list[str] = []
    current: list[str] = []
    for k, ln in enumerate(stripped):
        if not ln:
            if current:
                out.append("\n".join(current))
                current = []
            out.append("")
            continue
        alone = _standalone(ln)
        if alone and current:
            out.append("\n".join(current))
            current = []
        current.append(kept[k] if current else ln)
        nxt = stripped[k + 1] if k + 1 < len(stripped) else ""
        if alone or _ends_sentence(ln) or len(ln) < 0.6 * width or not nxt or _standalone(nxt) or _BULLET.match(nxt):
            out.append("\n".join(current))
            current = []
    if current:
        out.append("\n".join(current))
    return out


# --------------------------------------------------------------------------- headline


def _headline_shape(first: str, blank_after: bool, nxt: str | None) -> bool:
    """Whether the first line of a release reads as its headline (not a dateline, a byline, body text or the start
    of a wrapped sentence)."""
    if "\n" in first or _split_dateline(first)[0] is not None or _strip_end(first)[0] != first:
        return False
    words = first.split()
    if len(words) > _MAX_TITLE_WORDS or len(first) > MAX_SENTENCE_CHARS:
        return False
    if nxt is None:  # a lone line: a headline unless it ends a sentence (a short question or exclamation may be one)
        return not _is_terminal(first) or (not first.rstrip(_CLOSERS).endswith((".", "؛", "…")) and len(words) <= 15)
    if "\n" not in nxt and (byline_shape(nxt) or _split_dateline(nxt)[0] is not None):
        return not first.rstrip(_CLOSERS).endswith((".", "؛", "،", ",", ":"))  # a byline or dateline under it
    if (_BYLINE_PREFIX.match(first) or _DASH_PREFIX.match(first)) and not blank_after:
        return False
    if byline_shape(first, bare_names=False) and not blank_after:
        return False
    if blank_after:
        if _BYLINE_WORD.match(first) and len(words) <= _MAX_BYLINE_WORDS:
            return False
        return not first.rstrip(_CLOSERS).endswith((".", "؛", "،", ",", ":")) or len(words) <= 15
    # No blank line under it: a headline only when it cannot be the first line of the body.
    if first.rstrip(_CLOSERS).endswith((".", "؛", "،", ",", ":")):
        return False
    if _is_terminal(first) and len(words) > 15:
        return False
    # A name alone right above the first paragraph is a columnist's byline (`ميرزا الخويلدي`), not a headline.
    body_next = "\n" in nxt or _is_terminal(nxt)
    return not (2 <= len(words) <= 4 and body_next and byline_shape(first))


def _subtitle_shape(line: str) -> bool:
    return (
        "\n" not in line
        and len(line.split()) <= _MAX_SUBTITLE_WORDS
        and len(line) <= MAX_SENTENCE_CHARS
        and not _is_terminal(line)
        and _split_dateline(line)[0] is None
        and not line.rstrip().endswith((":", "،", ","))
    )


def _paragraphs(lines: list[str]) -> list[str]:
    """Body paragraphs verbatim, from reflowed lines (a hard-wrapped paragraph is one line holding `\n`)."""
    return _joined_lines([ln for ln in lines if ln.strip()])


_CONTINUATION = re.compile(
    r"^(?:[(،,.]|(?:و?(?:التي|الذي|الذين|اللذين|اللتين|اللذان|اللتان)|مما|بما|لما|حيث)(?![^\W\d_]))"
)


def _joined_lines(lines: list[str]) -> list[str]:
    """One paragraph per line, except that a list heading (أولاً :) joins the line it introduces and a line
    broken inside a sentence (ending on a comma, or followed by a line opening with a relative or a bracket)
    joins the next; joined lines keep their `\n` (the text stays verbatim)."""
    out: list[str] = []
    glue = False
    for ln in lines:
        if glue and out:
            out[-1] = out[-1] + "\n" + ln
        else:
            out.append(ln)
        glue = is_heading(ln) or ln.rstrip().endswith(("،", ","))
    merged: list[str] = []
    for ln in out:
        prev = merged[-1] if merged else ""
        if prev and not _is_terminal(prev) and not prev.endswith(":") and len(prev.split()) >= 4 and _CONTINUATION.match(ln):
            merged[-1] = prev + "\n" + ln
        else:
            merged.append(ln)
    return merged


def _sentences(paragraphs: list[str]) -> list[Sentence]:
    out: list[Sentence] = []
    for p_index, paragraph in enumerate(paragraphs):
        for s, e in sentence_spans(paragraph, line_breaks="\n" not in paragraph):
            text = paragraph[s:e]
            lead = _CREDIT_LEAD.match(text)
            text = text[lead.end():] if lead else text
            tail = _CREDIT_TAIL.search(text)
            text = text[: tail.start()] if tail else text
            if text.strip():
                out.append(Sentence(index=len(out), text=text, paragraph=p_index))
    return out


@dataclass(frozen=True)
class _Tail:
    """The wire furniture taken off the end of a release."""

    timestamp: str | None = None
    end_marker: str | None = None
    continued: bool = False


def _tail(lines: list[str]) -> tuple[list[str], _Tail]:
    lines, timestamp, end_marker, continued = _strip_furniture(list(lines))
    return lines, _Tail(timestamp, end_marker, continued)


def _body(
    lines: list[str], *, id: str, source: str, encoding: str | None, title: str | None,
    subtitle: str | None, desk: str | None, warnings: list[str], tail: _Tail, byline: str | None = None,
) -> Release:
    """The release whose header is known: `lines` are the reflowed body lines, end furniture already off."""
    lines = _strip_web(lines)
    dateline: str | None = None
    if lines:
        dateline, rest = _split_dateline(lines[0])
        if dateline is not None:
            lines = ([rest] if rest.strip() else []) + lines[1:]
        else:
            found, dateline, lines = _split_byline(lines, bylines=byline is None)
            byline = byline or found
    if dateline is None and byline is not None and lines:  # `headline / byline / dateline / body`
        dateline, rest = _split_dateline(lines[0])
        if dateline is not None:
            lines = ([rest] if rest.strip() else []) + lines[1:]
    paragraphs = _paragraphs(lines)
    sentences = _sentences(paragraphs)
    if tail.continued:
        warnings.append("release continues in a later part (// يتبع //)")
    if not sentences:
        warnings.append("no body text after the title" if title is not None else "no body text")
    return Release(
        id=id, source=source, encoding=encoding, title=title, subtitle=subtitle, desk=desk,
        dateline=dateline, paragraphs=tuple(paragraphs), sentences=tuple(sentences),
        timestamp=tail.timestamp, end_marker=tail.end_marker, byline=byline, warnings=tuple(warnings),
        continues=tail.continued,
    )


def _check_text(text: str, source: str, require_arabic: bool) -> None:
    if not text.strip():
        raise InputError(source, "empty file")
    if not _SEPARATOR.sub("", text).strip():
        raise InputError(source, "no release text (only --- separators)")
    if require_arabic and not has_arabic(text):
        raise InputError(source, "no Arabic text (use --lang to summarise anyway)")


def _next_nonblank(lines: list[str], start: int) -> int | None:
    return next((k for k in range(start, len(lines)) if lines[k].strip()), None)


def _ends(lines: list[str]) -> int:
    """How many times the wire's end furniture occurs (a marker with its time stamp and NNNN count once)."""
    count = 0
    previous_furniture = False
    for ln in lines:
        if not ln.strip():
            continue
        if _end_line(ln) is not None:
            count += not previous_furniture
            previous_furniture = True
        else:
            previous_furniture = _furniture_only(ln)
    return count


def _parse_one(chunk: str, *, id: str, source: str, encoding: str | None) -> Release:
    """One release: end furniture off, hard-wrapped lines reflowed, then the header read by shape."""
    raw = chunk.splitlines()
    warnings: list[str] = []
    ends = _ends(raw)
    if ends > 1:
        warnings.append(f"{ends} end markers in one release: it may hold several (--split auto splits at them)")
    lines, tail = _tail(raw)
    lines = reflow(lines)
    i = _next_nonblank(lines, 0)
    if i is None:  # only furniture
        return _body([], id=id, source=source, encoding=encoding, title=None, subtitle=None, desk=None,
                     warnings=warnings, tail=tail)
    first = lines[i]
    j = _next_nonblank(lines, i + 1)
    nxt = lines[j] if j is not None else None
    desk: str | None = None
    m = _DESK.match(first) if "\n" not in first else None
    if m:
        desk, title = m.group("desk").strip(), m.group("title").strip()
    elif _headline_shape(first, blank_after=j is not None and j > i + 1, nxt=nxt):
        title = first
    else:
        warnings.append("no headline: the text opens with its body (title is null)")
        return _body(lines[i:], id=id, source=source, encoding=encoding, title=None, subtitle=None, desk=None,
                     warnings=warnings, tail=tail)
    rest = lines[i + 1:]
    subtitle: str | None = None
    byline: str | None = None
    if j is not None and _next_nonblank(lines, j + 1) is not None and "\n" not in lines[j]:
        candidate = _bare(lines[j])
        if _split_dateline(candidate)[0] is not None:
            pass
        elif byline_shape(candidate) or _CREDIT_LINE.match(candidate):
            byline, rest = _LATIN_LEAD.sub("", candidate).rstrip(" :"), lines[j + 1:]
            if _AGENCY_TAG.search(byline):  # `واس - جدة`: the wire's dateline, where agencies put it
                byline = None
                rest = lines[j:]
        elif j == i + 1 and _subtitle_shape(candidate):  # a subheading sits right under its headline
            subtitle, rest = lines[j].strip(), lines[j + 1:]
    return _body(rest, id=id, source=source, encoding=encoding, title=title, subtitle=subtitle, desk=desk,
                 warnings=warnings, tail=tail, byline=byline)


def iter_releases(
    text: str, *, source: str, name: str, encoding: str | None, require_arabic: bool = True, first: int = 1,
    split: SplitMode = "auto",
) -> Iterator[Release]:
    """The releases of one input, parsed one at a time so a file of a million tiny releases never holds them all;
    releases are cut by `split` (SPLIT_MODES). Numbering starts at `first` (stdin read in parts)."""
    _check_text(text, source, require_arabic)
    for number, chunk in enumerate(release_texts(text, split), start=first):
        yield _parse_one(chunk, id=f"{name}#{number}", source=source, encoding=encoding)


def parse_releases(
    text: str, *, source: str, name: str, encoding: str | None, require_arabic: bool = True,
    split: SplitMode = "auto",
) -> list[Release]:
    """All releases in one input, cut by `split` (SPLIT_MODES)."""
    return list(iter_releases(text, source=source, name=name, encoding=encoding, require_arabic=require_arabic,
                              split=split))


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
    lines, tail = _tail(text.splitlines())
    return _body(reflow(lines), id=id, source=source, encoding=encoding, title=title.strip(),
                 subtitle=subtitle, desk=desk, warnings=warnings, tail=tail)


