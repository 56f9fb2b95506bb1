"""Arabic text handling shared by parsing, scoring and alignment.

Normalisation here is for matching and scoring only: whatever arsum prints is the
original text, so every segmentation function returns spans into the input.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque

from arsum.text.english import ABBREVIATIONS

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
#
# Every step below is linear in the text: each candidate boundary looks at a bounded neighbourhood (never at the
# whole line), so an adversarial line of a million abbreviations costs a million small steps.

_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_BLANK_LINES = re.compile("(?:[ \t\f\v\u00a0\u200f\u200e]*(?:\r\n|[\n\r\x85\u2028\u2029])){2,}")
_TERMINATOR = re.compile("[.!?؟؛…]+[\"'”’»›)\\]}]*")
_CLOSERS = "\"'”’»›)]}"
_LATIN_ABBREVIATIONS = ABBREVIATIONS  # English words inside Arabic text end with the same dots as in English
_TATWEEL = "\u0640"
_LOOK = 40  # how far a boundary decision looks around its dot, in characters
# Latin letters as spelt in Arabic (بي. بي. سي = BBC, إم. بي. سي = MBC, جيه. بي. اكس = JPX).
_LETTER_NAMES = frozenset(
    "بي سي دي إي اي إف اف جي إتش اتش آي جيه جاي كيه كاي إل إم ام إن ان أو او يو آر ار إس اس تي في واي زد "
    "اكس إكس كيو إيه ايه".split()
)
_WORD = re.compile(r"[^\W_]+")
MIN_UNIT_WORDS = 3
"""No displayed unit has fewer words unless its whole line is that short: shorter pieces join a neighbour."""

_ORDINAL = (
    "أول|اول|ثان|ثاني|ثالث|رابع|خامس|سادس|سابع|ثامن|تاسع|عاشر|أخير|اخير"
)
_HEADING = re.compile(
    rf"[(\[]?(?:(?:{_ORDINAL})[اًٌَُ\u0640]*|\d{{1,3}}|[\u0621-\u064A]|[IVXivx]{{1,4}}|[A-Za-z])\s*[-–:.)\]]?\s*[:\-–]?"
)
"""A list heading by shape: an ordinal word (أولاً، ثانياً), a number or a single letter, then `:`, `-`, `.` or `)`."""

_OPENER_WORDS = (
    "حيث|كما|إذ|اذ|بينما|فيما|مما|لكن|ولكن|غير أن|إلا أن|الا أن|ثم|وذلك|كذلك|علما|مشير[اةً]*|مؤكد[اةً]*|موضح[اةً]*"
    "|لافت[اةً]*|مضيف[اةً]*|منوه[اةً]*|مبين[اةً]*|معرب[اةً]*|داعي[اةً]*|معتبر[اةً]*|مشدد[اةً]*"
)
# Clause boundaries of a long sentence, strongest first: (end of the left piece, start of the right piece) come from
# the groups `cut` (left piece ends before it) and `next` (right piece starts there).
_CUT = r"(?P<cut>\s*[،,؛]\s*|(?<=[;:])\s+)"  # a comma or `؛` is left out of both pieces; `:` stays on the left
_CLAUSE_TIERS = (
    re.compile(rf"{_CUT}(?P<next>(?:{_OPENER_WORDS}|الأمر الذي|الامر الذي)(?![^\W\d_])|و(?=[^\W\d_]{{2}}))"),
    re.compile(rf"(?P<cut>\s+)(?P<next>(?:{_OPENER_WORDS})\s)"),  # حيث / كما without a comma
    re.compile(rf"{_CUT}(?P<next>(?=[^\W_]|[\"'«“(]))"),  # any comma
    re.compile(r"(?P<cut>\s+)(?P<next>(?=و[^\W\d_]{3,}))"),  # a conjunction و without a comma
    re.compile(r"(?P<cut>\s+)(?P<next>(?=\S))"),  # any space: last resort
)


def _prev_char(line: str, pos: int) -> str:
    """The last non-space character before `pos`, looking back at most _LOOK characters."""
    i = pos - 1
    while i >= 0 and pos - i <= _LOOK and line[i].isspace():
        i -= 1
    return line[i] if i >= 0 and pos - i <= _LOOK else ""


def _next_word(line: str, pos: int) -> str:
    """The letters of the word starting at or after `pos` (after at most a few spaces), bounded."""
    i = pos
    while i < len(line) and i - pos < 3 and line[i].isspace():
        i += 1
    j = i
    while j < len(line) and j - i < 6 and (line[j].isalpha() or line[j] == _TATWEEL):
        j += 1
    if j < len(line) and line[j].isalpha():
        return ""  # longer than any letter name
    return line[i:j]


def _spaced_letter_name(line: str, dot: int) -> bool:
    """`جيه . بي . اكس`: a letter name, a space, the dot, then another letter name."""
    end = dot
    while end > 0 and dot - end < 3 and line[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and end - start < 6 and (line[start - 1].isalpha() or line[start - 1] == _TATWEEL):
        start -= 1
    if start > 0 and line[start - 1].isalpha():
        return False
    before = line[start:end].replace(_TATWEEL, "")
    return before in _LETTER_NAMES and _next_word(line, dot + 1).replace(_TATWEEL, "") in _LETTER_NAMES


def _is_abbreviation(line: str, dot: int) -> bool:
    """Whether the `.` at `dot` ends an abbreviation (د. أحمد, م. علي, بي. بي. سي, U.S., Mr.) rather than a sentence."""
    latin = dot > 0 and line[dot - 1].isascii() and line[dot - 1].isalpha()
    start = dot
    while start > 0 and dot - start < _LOOK:
        ch = line[start - 1]
        if ch == "." or (ch.isalpha() and (ch.isascii() or not latin)):
            start -= 1
        else:
            break
    word = line[start:dot].strip(".")
    if not word:
        return _spaced_letter_name(line, dot)
    start = dot - len(word)
    prev = line[start - 1] if start > 0 else " "
    if not (prev.isspace() or prev in "(\"'«“" or (latin and prev.isalpha())):
        return False  # glued to a digit or symbol: `2015م.`
    if "." in word:  # initials chain such as U.S, ج.م.ع or إم.بي.سي
        return all(len(p) == 1 or p in _LETTER_NAMES for p in word.replace(_TATWEEL, "").split("."))
    if word.casefold() in _LATIN_ABBREVIATIONS:
        return True
    bare = word.replace(_TATWEEL, "")
    if bare in _LETTER_NAMES and _next_word(line, dot + 1).replace(_TATWEEL, "") in _LETTER_NAMES:
        return True  # بي. بي. سي
    if len(bare) == 1:
        # `2015 م.` and `1436 هـ.` are era markers that often end a sentence.
        era = bare in ("م", "ه") and _prev_char(line, start).isdigit()
        return not era  # `عام 2019 م.وتبلغ`: glued to the next sentence, still its end
    return False


def _boundaries(line: str) -> list[tuple[int, bool]]:
    """(end offset, ends at `؛`) of the sentences inside one line."""
    ends: list[tuple[int, bool]] = []
    text_end = len(line.rstrip())  # where the line's text ends (a `؛` before it joins two clauses)
    for m in _TERMINATOR.finditer(line):
        s, e = m.start(), m.end()
        run = line[s:e].rstrip(_CLOSERS)
        nxt = line[e] if e < len(line) else ""
        prev = line[s - 1] if s > 0 else ""
        if _next_after_spaces(line, e) in "،,":
            continue  # `!،` and `?،` go on with the sentence
        if run.endswith("؛") and e < text_end:
            continue  # `؛` joins two clauses of one sentence: a unit ends on it only where the source line does
        if run == ".." and _inside_quotes(line, s):
            continue  # `«يا ليل .. يا عين»`: a pause inside a quotation, not the end of the sentence
        if run == ".":
            if prev.isdigit() and nxt.isdigit():
                continue  # 3.5, 1.000.000
            if nxt and not nxt.isspace():
                # Glued dot: a boundary before an Arabic letter after a word (Arabic, or Latin: "Google.وقال"),
                # a number, `%` or a closing quote, also across a stray space ("الأول .وناقشت"; "الرياض.وقال",
                # "عام 2014.وجاءت", "22%.وأوضحت", "”.ووعدت"); URLs, file names and "U.S" (no Arabic after) are not.
                opening = nxt in "«“(\"" and e + 1 < len(line) and _ARABIC_LETTER.match(line[e + 1]) is not None
                before = line[max(0, s - 4):s].rstrip()[-1:] if prev.isspace() else prev  # up to 3 stray spaces
                dotted = "." in "".join(line[max(0, s - _LOOK):s].split()[-1:])  # `Ph.D.في`: a chain, not a word
                word = _ARABIC_LETTER.match(before) is not None or before.isascii() and before.isalpha() and not dotted
                after = _next_word(line, e).replace(_TATWEEL, "")
                initial = len(after) == 1 and after not in "وف"  # `سميرة .م 60 سنة`: a name's initial, not `و قال`
                if not opening and (initial or not (_ARABIC_LETTER.match(nxt) and (
                        word or before.isdigit() or (before and before in "%" + _CLOSERS)))):
                    continue
            if _is_abbreviation(line, s):
                continue
        ends.append((e, run.endswith("؛")))  # a Latin `;` is no terminator at all
    if not ends or ends[-1][0] != len(line):
        ends.append((len(line), False))
    return ends


_QUOTE_LOOK = 300  # how far back an open quotation mark is looked for, in characters
_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ("(", ")"))


def _inside_quotes(line: str, pos: int) -> bool:
    """Whether `pos` lies inside a quotation or brackets opened earlier on the line (looking back a bounded way)."""
    before = line[max(0, pos - _QUOTE_LOOK):pos]
    if any(before.count(a) > before.count(b) for a, b in _QUOTE_PAIRS):
        return True
    return before.count('"') % 2 == 1


def _next_after_spaces(line: str, pos: int) -> str:
    i = pos
    while i < len(line) and i - pos < 3 and line[i].isspace():
        i += 1
    return line[i] if i < len(line) and not line[i].isspace() else "\0"


def _words(text: str, start: int, end: int) -> int:
    return sum(1 for _ in _WORD.finditer(text, start, end))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def is_heading(text: str) -> bool:
    """A list heading or label that introduces what follows (أولاً :, ثانياً -, 3 -, أ) ): never a unit alone."""
    return _HEADING.fullmatch(text.strip()) is not None


def _joined(text: str, pieces: list[tuple[int, int, int, bool]]) -> list[tuple[int, int]]:
    """Sentences of one line after joining what cannot stand alone.

    `pieces` are (start, end, words, ends at ؛). A heading or a short label ending in `:` joins the piece it
    introduces; a piece without words (". .") or under MIN_UNIT_WORDS joins the previous piece (the next one at
    the start of the line).
    """
    out: list[tuple[int, int, int]] = []
    pending: tuple[int, int] | None = None  # (start, words) of a piece waiting for the next
    for s, e, w, _ in pieces:
        heading = w <= 2 and is_heading(text[s:e])  # this piece alone (a heading has at most two words)
        if pending is not None:
            s, w = pending[0], pending[1] + w
            pending = None
        if heading or (w < MIN_UNIT_WORDS and text[e - 1] == ":") or (w < MIN_UNIT_WORDS and not out):
            pending = (s, w)
        elif w < MIN_UNIT_WORDS:
            ps, _, pw = out[-1]
            out[-1] = (ps, e, pw + w)
        else:
            out.append((s, e, w))
    if pending is not None:
        last_end = pieces[-1][1]
        if out:
            out[-1] = (out[-1][0], last_end, 0)
        else:
            out.append((pending[0], last_end, 0))
    return [(s, e) for s, e, _ in out]


class _Cuts:
    """The candidate cuts of one clause tier inside a span, read lazily and forgotten once passed (memory stays
    bounded by what fits in one window, even for a 10 MB line)."""

    def __init__(self, pattern: re.Pattern[str], text: str, start: int, end: int) -> None:
        self._it = pattern.finditer(text, start, end)
        self._buf: deque[tuple[int, int]] = deque()
        self._done = False

    def window(self, pos: int, limit: int) -> list[tuple[int, int]]:
        """(cut, next) pairs with next > pos and cut <= limit, in order."""
        while self._buf and self._buf[0][1] <= pos:
            self._buf.popleft()
        while not self._done and (not self._buf or self._buf[-1][0] <= limit):
            m = next(self._it, None)
            if m is None:
                self._done = True
            elif m.start("next") > pos:
                self._buf.append((m.start("cut"), m.start("next")))
        return [c for c in self._buf if c[0] <= limit]


def _after_words(text: str, pos: int, end: int, n: int) -> int:
    """Offset just past the n-th word from `pos` (`end` when there are fewer)."""
    for k, m in enumerate(_WORD.finditer(text, pos, end), 1):
        if k == n:
            return m.end()
    return end


def _last_words_start(text: str, start: int, end: int, n: int) -> int:
    """Start of the n-th word counted back from `end` (`start` when there are fewer)."""
    i, seen, in_word = end, 0, False
    while i > start:
        ch = text[i - 1]
        word_char = ch.isalnum()
        if in_word and not word_char:
            seen += 1
            if seen == n:
                return i
        in_word = word_char
        i -= 1
    return start


def _clause_split(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """An over-long sentence in pieces of at most `max_chars`, cut at the strongest clause boundary in reach.

    Each piece ends before the comma it was cut at (so no piece ends on `،` and none starts with one) and keeps at
    least MIN_UNIT_WORDS words, as does the rest; within a tier the cut nearest to equal pieces wins. Only a run
    with no usable boundary at all is cut hard at max_chars.
    """
    if end - start <= max_chars:
        return [(start, end)]
    tiers = [_Cuts(tier, text, start, end) for tier in _CLAUSE_TIERS]
    max_next = _last_words_start(text, start, end, MIN_UNIT_WORDS)
    out: list[tuple[int, int]] = []
    pos = start
    while end - pos > max_chars:
        min_cut = _after_words(text, pos, pos + max_chars, MIN_UNIT_WORDS)
        parts = -(-(end - pos) // max_chars)
        target = pos + (end - pos) // parts  # balanced pieces read better than one long and one short
        best: tuple[int, int] | None = None
        for tier in tiers:
            for cut, nxt in tier.window(pos, pos + max_chars):
                if cut >= min_cut and nxt <= max_next and (best is None or abs(cut - target) < abs(best[0] - target)):
                    best = (cut, nxt)
            if best is not None:
                break
        if best is None:
            best = (pos + max_chars, pos + max_chars)
        ps, pe = _strip(text, pos, best[0])
        if pe > ps:
            out.append((ps, pe))
        pos, end = _strip(text, best[1], end)
    if end > pos:
        out.append((pos, end))
    return out


def sentence_spans(
    text: str, max_chars: int = MAX_SENTENCE_CHARS, *, line_breaks: bool = True
) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets into `text`, each stripped of surrounding whitespace.

    Every line break ends a sentence (headlines and list items carry no final punctuation); with
    `line_breaks=False` only blank lines do, for hard-wrapped text. No span exceeds `max_chars`, so a model never
    sees an unbounded input; a longer sentence is split at clause boundaries (_clause_split).
    """
    max_chars = max(1, int(max_chars))
    pattern = _LINE_BREAK if line_breaks else _BLANK_LINES
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line_start, line_end in _segments(text, pattern):
        line = text[line_start:line_end]
        if not line.strip():
            continue
        pieces: list[tuple[int, int, int, bool]] = []
        piece_start = 0
        for end, semi in _boundaries(line):
            s, e = _strip(text, line_start + piece_start, line_start + end)
            piece_start = end
            if e > s:
                pieces.append((s, e, _words(text, s, e), semi))
        for s, e in _joined(text, pieces):
            spans.extend(_clause_split(text, s, e, max_chars))
    return spans


def _segments(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for m in pattern.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def split_sentences(
    text: str, max_chars: int = MAX_SENTENCE_CHARS, *, line_breaks: bool = True
) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, max_chars, line_breaks=line_breaks)]
