"""Wire and newspaper furniture, read by shape: datelines, agency credits, end markers and time stamps, web
leftovers, captions, credit lines and bylines. Kept apart from the body so it is never summarised or translated.
"""

from __future__ import annotations

import html
import re

from arsum.text.arabic import has_arabic, is_heading

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
