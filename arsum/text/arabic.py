"""Arabic text handling shared by parsing, scoring and alignment.

Normalisation here is for matching and scoring only: whatever arsum prints is the
original text, so every segmentation function returns spans into the input.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SENTENCE_CHARS = 600
"""No sentence handed to a scorer or a model is longer than this (characters)."""

# --------------------------------------------------------------------------- normalisation

_DELETE = (
    [chr(c) for c in range(0x064B, 0x0660)]  # harakat, shadda, sukun, hamza/madda marks
    + ["\u0670"]  # superscript alef
    + [chr(c) for c in range(0x06D6, 0x06EE)]  # Quranic annotation marks
    + ["\u0640"]  # tatweel
    + [chr(c) for c in range(0x200B, 0x2010)]  # zero-width and LRM/RLM
    + [chr(c) for c in range(0x202A, 0x202F)]  # bidi embeddings/overrides
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + ["\u061C", "\uFEFF"]  # Arabic letter mark, BOM / ZWNBSP
)
_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ی": "ي",  # Persian yeh, common in copied text
    "ک": "ك",  # Persian kaf
    "ة": "ه",
}
_TABLE: dict[int, str | None] = {ord(c): None for c in _DELETE}
_TABLE.update({ord(k): v for k, v in _MAP.items()})
_TABLE.update({0x066B: ".", 0x066C: ","})  # Arabic decimal and thousands separators
_DIGITS: dict[int, str] = {0x0660 + i: str(i) for i in range(10)}  # Arabic-Indic digits
_DIGITS.update({0x06F0 + i: str(i) for i in range(10)})  # Extended (Persian) digits
_TABLE.update(_DIGITS)


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as 0-9, nothing else changed (for text whose letters must stay as written)."""
    return text.translate(_DIGITS)


# Presentation forms (ligatures such as ﻻ, contextual shapes from PDFs) -> base letters.
_PRESENTATION = re.compile("[\uFB50-\uFDFF\uFE70-\uFEFE]")


def _unpresent(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


def normalize(text: str) -> str:
    """Fold spelling variants that Arabic writers use interchangeably, so matching ignores them."""
    text = _PRESENTATION.sub(_unpresent, text)
    return text.casefold().translate(_TABLE)


_ARABIC_LETTER = re.compile("[\u0621-\u063A\u0641-\u064A\u0671-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FF\u0750-\u077F\u08A0-\u08C9\uFB50-\uFDFF\uFE70-\uFEFC]")


def has_arabic(text: str) -> bool:
    return _ARABIC_LETTER.search(text) is not None


def arabic_ratio(text: str) -> float:
    """Share of Arabic letters among all letters (0.0 when there are no letters)."""
    letters = 0
    arabic = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if _ARABIC_LETTER.match(ch):
                arabic += 1
    return arabic / letters if letters else 0.0


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"\d+(?:[.,٫]\d+)+|[^\W_]+")


def tokenize(text: str) -> list[str]:
    """Word tokens of the normalised text; `3.5` and `1.000` stay one token."""
    return _TOKEN.findall(normalize(text))


_STOPWORDS_RAW = """
في من إلى الى على عن مع عند لدى منذ حتى خلال بين ضد نحو حول دون غير سوى عبر لدي بعد قبل فوق تحت أمام وراء ضمن
لـ ل ب ك و ف ثم أو أم بل لكن لكنه لكنها لكن إذ إذا اذا إن أن ان إنه أنه انه إنها أنها انها لأن كأن ليت لعل
ما ماذا متى أين اين كيف لماذا لم لن لا ليس ليست ليسوا قد لقد كل كلا كلتا بعض أي أية أيضا ايضا فقط حيث حين
هو هي هم هن هما أنا نحن أنت أنتم انت انتم أنتن إياه إياها إياهم
هذا هذه هذان هاتان هؤلاء ذلك تلك ذلكم أولئك اولئك هناك هنا هنالك الذي التي الذين اللذان اللتان اللاتي اللواتي اللتين اللذين
كان كانت كانوا يكون تكون يكونوا أصبح اصبح أصبحت صار ظل مازال ما زال لازال لايزال
قال قالت يقول تقول وقال وقالت أكد أكدت اكد يؤكد وأكد وأضاف أضاف اضاف أضافت أوضح أوضحت وأوضح أشار أشارت وأشار
ذكر ذكرت وذكر بين بينت أفاد أفادت وأفاد لفت ولفت نوه ونوه أعرب وأعرب أعلن أعلنت وأعلن صرح وصرح
تم يتم وتم تمت سيتم جرى يجري وجرى
به بها بهم له لها لهم لنا لي فيه فيها فيهم منه منها منهم عليه عليها عليهم إليه اليه إليها اليها إليهم عنه عنها
كما وكما وقد وفي ومن وعلى وإلى والى وعن ومع وهو وهي وهذا وهذه وذلك وأن وان وإن ولا ولم ولن وما وكان وكانت
أكثر اكثر أقل اقل جدا كذلك وكذلك أيضاً يذكر ويذكر يأتي وذلك إلا الا أما اما إما اما لو لولا كي لكي
عدة عدد أول اول آخر اخر أخرى اخرى الأول الاول الآخر الاخر الأخرى الاخرى نفس ذات
اليوم أمس غدا الآن الان حاليا عام العام سنة السنة شهر يوم
صاحب معالي سمو فخامة جلالة السيد الدكتور
"""
STOPWORDS: frozenset[str] = frozenset(normalize(w) for w in _STOPWORDS_RAW.split()) | frozenset(
    "a an the of to in on at for by with from and or but is are was were be been has have had it its this that as".split()
)
"""Function words and reporting verbs of Arabic news, in normalised form (plus a few English ones)."""

_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def light_stem(token: str) -> str:
    """Light10-style stemming: strip one conjunction/article prefix and common suffixes.

    Expects a normalised token (ة already folded to ه). Always leaves at least two letters.
    """
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            token = token[len(prefix):]
            break
    else:
        if len(token) >= 5 and token.startswith("و"):  # conjunction; `وزير` keeps its waw
            token = token[1:]
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 2:
            token = token[: -len(suffix)]
    return token


def content_terms(text: str) -> list[str]:
    """Stemmed content words, the unit of similarity for scoring."""
    return terms_of_tokens(tokenize(text))


def terms_of_tokens(tokens: list[str]) -> list[str]:
    """content_terms for text already tokenized, so a hot loop normalises each sentence once."""
    return [light_stem(tok) for tok in tokens if len(tok) >= 2 and tok not in STOPWORDS]


# --------------------------------------------------------------------------- segmentation

_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BLANK_LINES = re.compile("(?:[ \t\f\v\u00a0\u200f\u200e]*(?:\r\n|[\n\r\x85\u2028\u2029])){2,}")
_TERMINATOR = re.compile("[.!?؟؛…]+[\"'”’»›)\\]}]*")
_CLOSERS = "\"'”’»›)]}"
_LATIN_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd corp jan feb apr jun jul aug sep sept oct nov dec".split()
)
_TATWEEL = "\u0640"


def _is_abbreviation(line: str, dot: int, glued: bool) -> bool:
    """Whether the `.` at `dot` ends an abbreviation (د. أحمد, م. علي, U.S., Mr.) rather than a sentence."""
    latin = dot > 0 and line[dot - 1].isascii() and line[dot - 1].isalpha()
    start = dot
    while start > 0 and dot - start < 40:
        ch = line[start - 1]
        if ch == "." or (ch.isalpha() and (ch.isascii() or not latin)):
            start -= 1
        else:
            break
    word = line[start:dot].strip(".")
    if not word:
        return False
    start = dot - len(word)
    prev = line[start - 1] if start > 0 else " "
    if not (prev.isspace() or prev in "(\"'«“" or (latin and prev.isalpha())):
        return False  # glued to a digit or symbol: `2015م.`
    if "." in word:  # initials chain such as U.S or ج.م.ع
        return all(len(p.replace(_TATWEEL, "")) == 1 for p in word.split("."))
    if word.casefold() in _LATIN_ABBREVIATIONS:
        return True
    if len(word.replace(_TATWEEL, "")) == 1:
        # `2015 م.` and `1436 هـ.` are era markers that often end a sentence.
        before = line[:start].rstrip()
        era = word.replace(_TATWEEL, "") in ("م", "ه") and before[-1:].isdigit()
        return glued or not era
    return False


def _boundaries(line: str) -> list[int]:
    """End offsets (exclusive) of sentences inside one line."""
    ends: list[int] = []
    for m in _TERMINATOR.finditer(line):
        s, e = m.start(), m.end()
        run = line[s:e].rstrip(_CLOSERS)
        nxt = line[e] if e < len(line) else ""
        prev = line[s - 1] if s > 0 else ""
        if run == ".":
            if prev.isdigit() and nxt.isdigit():
                continue  # 3.5, 1.000.000
            if nxt and not nxt.isspace():
                # Glued dot: only a boundary between two Arabic letters ("الرياض.وقال");
                # URLs, file names and initials ("U.S") are not.
                if not (_ARABIC_LETTER.match(prev or " ") and _ARABIC_LETTER.match(nxt)):
                    continue
                if _is_abbreviation(line, s, glued=True):
                    continue
            elif _is_abbreviation(line, s, glued=False):
                continue
        ends.append(e)
    if not ends or ends[-1] != len(line):
        ends.append(len(line))
    return ends


def _bounded(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut an over-long stripped span at whitespace (preferring after a comma) before the limit."""
    out: list[tuple[int, int]] = []
    while end - start > max_chars:
        window = text[start : start + max_chars + 1]
        cut = -1
        for i in range(len(window) - 1, max_chars // 2, -1):
            if window[i].isspace() and window[i - 1] in "،,;:":
                cut = i
                break
        if cut < 0:
            for i in range(len(window) - 1, 0, -1):
                if window[i].isspace():
                    cut = i
                    break
        if cut <= 0:
            cut = max_chars
        piece_end = start + cut
        ps, pe = _strip(text, start, piece_end)
        if pe > ps:
            out.append((ps, pe))
        start, end = _strip(text, piece_end, end)
    if end > start:
        out.append((start, end))
    return out


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _has_word(text: str, start: int, end: int) -> bool:
    return any(ch.isalnum() for ch in text[start:end])


def sentence_spans(
    text: str, max_chars: int = MAX_SENTENCE_CHARS, *, line_breaks: bool = True
) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets into `text`, each stripped of surrounding whitespace.

    Every line break ends a sentence (headlines and list items carry no final
    punctuation); with `line_breaks=False` only blank lines do, for hard-wrapped text.
    No span exceeds `max_chars`, so a model never sees an unbounded input.
    """
    max_chars = max(1, int(max_chars))
    if line_breaks:
        breaks = [(m.start(), m.end()) for m in _LINE_BREAK.finditer(text)]
    else:
        breaks = [(m.start(), m.end()) for m in _BLANK_LINES.finditer(text)]
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _segments(len(text), breaks):
        line = text[line_start:line_end]
        if not line.strip():
            continue
        piece_start = 0
        line_spans: list[tuple[int, int]] = []
        for end in _boundaries(line):
            s, e = _strip(text, line_start + piece_start, line_start + end)
            piece_start = end
            if e <= s:
                continue
            if line_spans and not _has_word(text, s, e):
                line_spans[-1] = (line_spans[-1][0], e)  # stray ". ." joins its sentence
            else:
                line_spans.append((s, e))
        for s, e in line_spans:
            spans.extend(_bounded(text, s, e, max_chars))
    return spans


def _segments(length: int, breaks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for a, b in breaks:
        out.append((pos, a))
        pos = b
    out.append((pos, length))
    return out


def split_sentences(
    text: str, max_chars: int = MAX_SENTENCE_CHARS, *, line_breaks: bool = True
) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, max_chars, line_breaks=line_breaks)]
