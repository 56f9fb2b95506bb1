"""Turn decoded text into Release objects, following wire-agency layout.

A release is headline (optionally with a desk label such as `سياسي / `), an optional
subtitle, then body lines. Agency furniture (dateline, `// انتهى //`, time stamp) is
kept apart from the body so it is never summarised or translated as content.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

from arsum.errors import InputError
from arsum.text.arabic import (
    MAX_SENTENCE_CHARS,
    has_arabic,
    is_heading,
    normalize,
    sentence_spans,
)
from arsum.text.release import Release, Sentence

T = TypeVar("T")
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
_WEB_LINE = re.compile(
    r"^\s*(?:[اإ]قرأ\s+[أا]يضا|شارك\s+(?:هذا|الخبر)|المصدر\s*:|(?:شارك|غرد|[أا]رسل|انشر)\s+(?:على|عبر|في)\s+\S+)"
)
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
        if ln.strip() and (_PART_LABEL.match(ln.strip()) or _furniture_only(ln) or (short and (
                _CAPTION.match(ln.strip()) or _WEB_LINE.match(ln) or _CREDIT_LINE.match(_bare(ln))))):
            continue
        edge = _CAPTION_EDGE.sub("", ln)
        if edge.strip() or not ln.strip():
            kept.append(edge)
    return kept


_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_NO_BYLINE = re.compile(r"[\d.!?؟،,;؛…]")
_COLON_BYLINE = re.compile(r"^(?P<a>[^:]{2,30}?)\s*:\s*(?P<b>[^:]{2,40})$")  # لندن: «الشرق الأوسط», واشنطن: هبة القدسي
_PAREN_BYLINE = re.compile(r"^[^()]{2,40}?\s*\(\s*[^()]{2,30}\s*\)$")  # متعب العبيد (الرياض), وكالات (لوس أنجلوس)
_FROM_BYLINE = re.compile(r"^\S+(?:\s+\S+){0,3}\s+من\s+\S+(?:\s+\S+)?$")  # متعب الروقي من جدة, «الاقتصادية» من الرياض
_DASH_PREFIX = re.compile(rf"^(?P<by>[^\d.،,:!?؟\-–—ـ]{{2,30}}?{_DASH}[^\d.،,:!?؟\-–—ـ]{{2,30}}?)\s*[-–—ـ]\s*(?=\S)")
"""`عمان- الرأي- دعا المعهد …`: place and paper, each closed by a dash, glued to the first sentence."""
_BYLINE_DATE = re.compile(r"\s*\|[^\u0600-\u06ff]*$")
_BYLINE_PHOTO = re.compile(r"\s+(?:تصوير|عدسة)\s*[:\-–ـ]?\s*(?:\S+\s*){1,4}$")
_INITIALS = re.compile(r"(?<![^\W\d_])([^\W\d_])\.\s*")
_CREDIT_WORD = r"(?:إعداد|اعداد|تصوير|تحرير|متابعة|عدسة|تنسيق|إخراج|اخراج|رسوم|تغطية)"
_CREDIT_LINE = re.compile(
    rf"^[(\[]?\s*{_CREDIT_WORD}\s*[:\-–ـ]\s*[^\d.!?؟:،,()\[\]|/]{{2,40}}?"
    rf"(?:\s*[,،|/\-–]\s*{_CREDIT_WORD}\s*[:\-–ـ]?\s*[^\d.!?؟:،,()\[\]|/]{{2,40}}?)*\s*[)\]]?$"
)
"""A credit line (`إعداد: صالح آل زمانان, تصوير : صالح الدغاري`): who made the piece, never content."""


def _bare(line: str) -> str:
    """A line without bidi marks and scraped `&nbsp;` entities around it."""
    return html.unescape(line).translate(_BIDI_MARKS).replace("\xa0", " ").strip()


def byline_shape(line: str, *, bare_names: bool = True) -> bool:
    """Whether a whole line reads as a byline: a name and a city, a city and a paper or agency, in the shapes
    newspapers use (`فلان - جدة`, `لندن: «الشرق الأوسط»`, `فلان (الرياض)`, `فلان من جدة`, `كتب فلان`), or, with
    `bare_names`, a name alone (four words at most, no punctuation). Never a list heading, a date or a sentence."""
    text = _bare(_LATIN_LEAD.sub("", _bare(line))).rstrip(" :")
    text = _BYLINE_DATE.sub("", text)  # `لندن - الرياضية | Tuesday, 11 August 2015 - 13:01 pm`
    text = _BYLINE_PHOTO.sub("", text)  # `فلان - المدينة المنورة تصوير - فلان`
    text = _INITIALS.sub(r"\1 ", text).strip()  # `د. ب. أ` as `د ب أ`
    words = text.split()
    if not words or len(words) > _MAX_BYLINE_WORDS or is_heading(text) or _is_terminal(text):
        return False
    if _BYLINE_WORD.match(text):
        return True
    if any(ch.isdigit() for ch in text):
        return False
    colon = _COLON_BYLINE.match(text)
    if colon and len(colon.group("a").split()) <= 3 and len(colon.group("b").split()) <= 4:
        return not _NO_BYLINE.search(colon.group("a") + colon.group("b"))
    if _BYLINE_LINE.match(text.replace("،", " ")) and not _NO_BYLINE.search(text.replace("،", "")):
        return True
    if _NO_BYLINE.search(text):
        return False
    if _BYLINE_LINE.match(text) or _PAREN_BYLINE.match(text) or _FROM_BYLINE.match(text):
        return True
    if _AGENCY_TAG.search(text) and len(words) <= 4:
        return True
    return bare_names and len(words) <= 4


def _split_byline(lines: list[str], *, bylines: bool = True) -> tuple[str | None, str | None, list[str]]:
    """(byline, agency dateline, lines) for a newspaper's first body line: `عين اليوم – جدة`, `فلان- سبق- الباحة: …`,
    `عمان- الرأي- دعا …`. With `bylines=False` (a byline is already known) only an agency dateline is looked for.
    Body text stays verbatim: only web leftovers before a byline (`Next Previous`) and the byline itself come off."""
    if not lines:
        return None, None, lines
    original = lines[0].strip()
    verbatim = _LATIN_LEAD.sub("", original)
    first = _bare(verbatim)
    rest = lines[1:]
    if rest and "\n" not in first and byline_shape(first, bare_names=len(first.split()) <= 3):
        if first.startswith("من "):  # a caption left first (`من الاجتماع`), not a byline
            return None, None, rest
        if _AGENCY_TAG.search(first):
            return None, first.rstrip(" :"), rest
        return (first.rstrip(" :"), None, rest) if bylines else (None, None, lines)
    for prefix in (_BYLINE_PREFIX, _DASH_PREFIX):
        m = prefix.match(verbatim)
        if m and len(m.group("by").split()) <= _MAX_BYLINE_WORDS and len(verbatim[m.end():].split()) >= 3:
            by = _bare(m.group("by"))
            body = [verbatim[m.end():]] + rest
            if _AGENCY_TAG.search(by):
                return None, by, body
            return (by, None, body) if bylines else (None, None, lines)
    return None, None, [verbatim] + rest if verbatim != original else lines


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


SplitMode = Literal["auto", "separator", "never"]
SPLIT_MODES: tuple[str, ...] = ("auto", "separator", "never")
"""How one input is cut into releases: `auto` at `---` lines and at the wire's own boundaries (an end marker with
its time stamp or NNNN ends a release; a desk-labelled headline or a dateline after body text starts one),
`separator` at `---` lines only, `never` not at all (the whole input is one release)."""


def _end_line(line: str) -> str | None:
    """What is left of a line that ends a release on the wire (an end or continuation marker or NNNN, with any
    time stamp), or None when the line ends nothing."""
    rest = line.strip()
    ended = False
    for _ in range(3):
        if not rest:
            break
        cut, ts, marker, cont = _strip_end(rest)
        if cut == rest:
            break
        ended = ended or marker is not None or cont or ts is None  # ts None and nothing else: NNNN
        rest = cut.strip()
    return rest if ended else None


def _furniture_only(line: str) -> bool:
    """A line of end furniture alone: a time stamp, NNNN or a marker (what may follow an end marker)."""
    stripped = line.strip()
    rest = stripped
    for _ in range(3):
        cut = _strip_end(rest)[0].strip()
        if cut == rest:
            break
        rest = cut
    return rest == "" and stripped != ""


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


# --------------------------------------------------------------------------- multi-part releases

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
