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
from arsum.text.arabic import MAX_SENTENCE_CHARS, has_arabic, is_heading, sentence_spans
from arsum.text.release import Release, Sentence

_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)
_DESK = re.compile(r"^\s*(?P<desk>[^\W\d_]+(?:[ \t]+[^\W\d_]+){0,2})[ \t]*/[ \t]+(?P<title>\S.*)$")
_TERMINAL = tuple(".!?؟؛…")
_CLOSERS = "\"'”’»›)]} \t"

_AGENCIES = (
    "واس", "وام", "قنا", "بنا", "كونا", "سبأ", "واج", "سانا", "وفا", "بترا", "العمانية", "الأناضول",
    "أ ف ب", "أ.ف.ب", "ا ف ب", "د ب أ", "أ ش أ", "رويترز", "يو بي آي",
)
_AGENCY_ALT = "|".join(re.escape(a) for a in sorted(_AGENCIES, key=len, reverse=True))
# `مواس` occurs when `م` (the Gregorian era mark) is glued to the SPA tag; `.واس` when a dot is.
_AGENCY_TAG = re.compile(
    r"(?:(?<=[\s\d(\-–—.«\"])|^)(?:م(?=واس))?[(«\"]?(?:"
    + _AGENCY_ALT
    + r")[)»\"]?(?=$|[\s:.\-–—،,)])"
)
_CREDIT_LEAD = re.compile(rf"^[«(\"]\s*(?:{_AGENCY_ALT})\s*[»)\"]\s*[-–—:]?\s*")
_CREDIT_TAIL = re.compile(rf"\s*[«(\"]\s*(?:{_AGENCY_ALT})\s*[»)\"]\s*\.?$")
"""An agency credit in brackets or quotes at the start or end of a sentence (`«واس» وأكد …`, `… أمس. (واس)`)."""
_AGREEING = re.compile(r"(?<![^\W\d_])(?:ال|ل)موافق(?![^\W\d_])")  # also the typo لموافق
_DUAL_DATE = re.compile(r"14\d\d\s*ه.{0,40}?(?:19|20)\d\d")  # Hijri then Gregorian year: a dateline's shape
_DATELINE_MAX = 140


def _spelled(word: str) -> str:
    """A word in any spelling the wire uses: tatweel or spaces between letters, any alef for a first alef."""
    letters = ["[اأإآ]?" if ch == "ا" else re.escape(ch) for ch in word]
    return r"[\s\u0640]*".join(letters)


_SLASH = r"[/\\|]+"
_END_WORD = _spelled("انتهى").replace("ى", "[ىي]")
_MARKER = re.compile(rf"(?P<m>{_SLASH}\s*(?P<w>{_END_WORD}|{_spelled('يتبع')})\s*{_SLASH}?|(?P<w2>{_END_WORD}|{_spelled('يتبع')})\s*{_SLASH})\s*$")
_BARE_MARKER = re.compile(rf"^[\s\-–—.(]*(?P<w>{_END_WORD}|{_spelled('يتبع')})[\s\-–—.)]*$")
_CONTINUES = re.compile(_spelled("يتبع"))
_END_CODE = re.compile(r"(?<![^\W_])N{3,}\s*$")  # the wire's NNNN end code
_TIMESTAMP = re.compile(r"(?<![\d:])(?P<ts>\d{1,2}\s*:\s*\d{2}(?:\s*(?:ت\s*\.?\s*[مغ]\.?|GMT|UTC))?)\s*$")
_ZONED = re.compile(r"ت\s*\.?\s*[مغ]|GMT|UTC")
_TAIL_LINES = 4  # end furniture is looked for on this many last lines only
_MAX_SUBTITLE_WORDS = 25
_MAX_TITLE_WORDS = 40

# Newspaper furniture, by shape.
_PART_LABEL = re.compile(r"^[(\[/\s]*[اإ]ضافة\s+\S+(?:\s+و\s*?[اأ]خيرة)?[\s)\]/]*$")
_DASH = r"(?:\s*[-–—ـ]\s+|\s+[-–—ـ]\s*|-)"
_BYLINE_LINE = re.compile(rf"^[^\d.،,:!?؟]{{2,40}}?{_DASH}[^\d.،,:!?؟]{{2,40}}$")
_BYLINE_PREFIX = re.compile(rf"^(?P<by>[^\d.،,:!?؟\n]{{2,70}}?{_DASH}[^\d.،,:!?؟\n]{{2,40}}?)\s*:\s*(?=\S)")
_LATIN_LEAD = re.compile(r"^(?:[A-Za-z]+\s+)+(?=[^\sA-Za-z])")
_CAPTION = re.compile(r"^[(\[]?\s*(?:تصوير|عدسة|الصورة|صورة|الصور|تصوير\s*الزميل)\s*[:/ـ\-–]?[^.!?؟]{0,60}[)\]]?$")
_CAPTION_EDGE = re.compile(r"^\s*\(\s*(?:تصوير|عدسة)[^)]{0,60}\)\s*|\s*\(\s*(?:تصوير|عدسة)[^)]{0,60}\)\s*$")
_TAGS = re.compile(r"(?:^|(?<=[.!?؟»\"”)]))\s*سمات\s+(?P<tags>[^!?؟]{1,200})$")
_BYLINE_WORD = re.compile(r"^(?:كتب|كتبت|بقلم|إعداد|اعداد|متابعة|حوار|تحرير)(?![^\W\d_])")
_WEB_LINE = re.compile(r"^\s*(?:[اإ]قرأ\s+[أا]يضا|شارك\s+(?:هذا|الخبر)|المصدر\s*:)")
_MAX_BYLINE_WORDS = 7


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
        rest = stripped[tag.end():].lstrip(" \t-–—:،,.")
        return dateline, rest
    if (agreeing or _DUAL_DATE.search(head)) and len(stripped) <= 100 and not _is_terminal(stripped):
        return stripped, ""
    return None, line


def _strip_end(last: str) -> tuple[str, str | None, str | None, bool]:
    """One trailing piece of furniture off `last`: (rest, timestamp, end marker, continues); rest == last if none."""
    code = _END_CODE.search(last)
    if code:
        return last[: code.start()].rstrip(), None, None, False
    ts = _TIMESTAMP.search(last)
    if ts:
        before = last[: ts.start()].rstrip()
        if not before or _MARKER.search(before) or _END_CODE.search(before) or _ZONED.search(ts.group("ts")):
            return before, " ".join(ts.group("ts").split()), None, False
    m = _MARKER.search(last) or _BARE_MARKER.search(last)
    if m:
        marker = last[m.start():].strip()
        word = m.group("w") if m.groupdict().get("w") else m.groupdict().get("w2") or ""
        if _CONTINUES.fullmatch(word.strip()):
            return last[: m.start()].rstrip(), None, None, True
        return last[: m.start()].rstrip(), None, marker, False
    return last, None, None, False


def _strip_furniture(lines: list[str]) -> tuple[list[str], str | None, str | None, bool]:
    """Remove trailing end markers, continuation markers, time stamps and NNNN codes, in any order and spelling."""
    timestamp: str | None = None
    end_marker: str | None = None
    continued = False
    looked = 0
    while lines and looked < _TAIL_LINES:
        last = lines[-1].rstrip()
        if not last.strip():
            lines.pop()
            continue
        rest, ts, marker, cont = _strip_end(last)
        if rest == last:
            break
        timestamp = timestamp or ts
        end_marker = end_marker or marker
        continued = continued or cont
        if rest.strip():
            lines[-1] = rest
        else:
            lines.pop()
            looked += 1
    return lines, timestamp, end_marker, continued


def _strip_web(lines: list[str]) -> list[str]:
    """Drop web and page leftovers: lines without Arabic at either end of the body (`Next Previous`,
    `88591 - Stc`), a `سمات …` tag list after the last sentence, photo captions and credits, part labels."""
    arabic = any(has_arabic(ln) for ln in lines)  # with --lang, a body without Arabic is no leftover

    def junk(ln: str) -> bool:
        return bool(ln.strip()) and ((arabic and not has_arabic(ln)) or _PART_LABEL.match(ln.strip()) is not None)

    lines = list(lines)
    while lines and (not lines[-1].strip() or junk(lines[-1])):
        lines.pop()
    while lines and (not lines[0].strip() or junk(lines[0])):
        lines.pop(0)
    if lines:
        tail = lines[-1][-260:]
        tags = _TAGS.search(tail)
        if tags and len(tags.group("tags").split()) <= 20:
            lines[-1] = lines[-1][: len(lines[-1]) - len(tail) + tags.start()].rstrip()
    kept = []
    for ln in lines:
        short = len(ln.split()) <= 10
        if ln.strip() and (_PART_LABEL.match(ln.strip()) or (short and (_CAPTION.match(ln.strip()) or _WEB_LINE.match(ln)))):
            continue
        edge = _CAPTION_EDGE.sub("", ln)
        if edge.strip() or not ln.strip():
            kept.append(edge)
    return kept


def _split_byline(lines: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(byline, agency dateline, lines) for a newspaper's first body line: `عين اليوم – جدة`, `فلان- سبق- الباحة: …`."""
    if not lines:
        return None, None, lines
    first = _LATIN_LEAD.sub("", lines[0].strip())
    rest = lines[1:]
    words = first.split()
    if rest and len(words) <= _MAX_BYLINE_WORDS and not is_heading(first) and (
        _BYLINE_LINE.match(first) or _BYLINE_WORD.match(first)
        or (len(words) <= 3 and not _is_terminal(first) and not any(c.isdigit() for c in first))
    ):
        if first.startswith("من "):  # a caption left first (`من الاجتماع`), not a byline
            return None, None, rest
        return (None, first, rest) if _AGENCY_TAG.search(first) else (first, None, rest)
    m = _BYLINE_PREFIX.match(first)
    if m and len(m.group("by").split()) <= _MAX_BYLINE_WORDS:
        by = m.group("by").strip()
        body = [first[m.end():]] + rest
        if _AGENCY_TAG.search(by):
            return None, by, body
        return by, None, body
    return None, None, [first] + rest if first != lines[0].strip() else lines


def _paragraphs(lines: list[str]) -> list[str]:
    """Body paragraphs verbatim: one per line, or per block when the text is hard-wrapped."""
    nonblank = [ln.strip() for ln in lines if ln.strip()]
    if len(nonblank) >= 3:
        open_lines = sum(1 for ln in nonblank[:-1] if not _is_terminal(ln))
        longest = max(len(ln) for ln in nonblank)
        if open_lines >= 0.6 * (len(nonblank) - 1) and longest <= 120:
            return _wrapped_blocks(lines)
    return _joined_lines(nonblank)


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
            text = paragraph[s:e]
            lead = _CREDIT_LEAD.match(text)
            text = text[lead.end():] if lead else text
            tail = _CREDIT_TAIL.search(text)
            text = text[: tail.start()] if tail else text
            if text.strip():
                out.append(Sentence(index=len(out), text=text, paragraph=p_index))
    return out


def _body(
    lines: list[str], *, id: str, source: str, encoding: str | None, title: str,
    subtitle: str | None, desk: str | None, warnings: list[str],
) -> Release:
    lines, timestamp, end_marker, continued = _strip_furniture(list(lines))
    lines = _strip_web(lines)
    dateline: str | None = None
    byline: str | None = None
    if lines:
        dateline, rest = _split_dateline(lines[0])
        if dateline is not None:
            lines = ([rest] if rest.strip() else []) + lines[1:]
        else:
            byline, dateline, lines = _split_byline(lines)
    paragraphs = _paragraphs(lines)
    sentences = _sentences(paragraphs)
    if continued:
        warnings.append("release continues in a later part (// يتبع //)")
    if not sentences:
        warnings.append("no body text after the title")
    return Release(
        id=id, source=source, encoding=encoding, title=title, subtitle=subtitle, desk=desk,
        dateline=dateline, paragraphs=tuple(paragraphs), sentences=tuple(sentences),
        timestamp=timestamp, end_marker=end_marker, byline=byline, warnings=tuple(warnings),
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
    alone = not any(ln.strip() for ln in rest)
    if len(title.split()) > _MAX_TITLE_WORDS or len(title) > MAX_SENTENCE_CHARS or (alone and _is_terminal(title)):
        # No headline (a very long first line, or a lone line that ends a sentence): the first line is body text;
        # its first sentence stands in as title.
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
