"""Arabic normalisation, tokens and sentence segmentation."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pytest

from arsum.text.arabic import (
    MAX_SENTENCE_CHARS,
    MIN_UNIT_WORDS,
    STOPWORDS,
    _after_words,
    _is_abbreviation,
    _joined,
    _prev_char,
    _spaced_letter_name,
    arabic_ratio,
    content_terms,
    fold_digits,
    has_arabic,
    is_heading,
    light_stem,
    normalize,
    sentence_spans,
    split_sentences,
    terms_of_tokens,
    tokenize,
)
from arsum.text.releases import parse_releases

NORMALIZE_CASES = [
    ("أحمد", "احمد"),
    ("إلى", "الي"),
    ("آمال", "امال"),
    ("ٱلله", "الله"),
    ("مدرسة", "مدرسه"),
    ("مُحَمَّدٌ", "محمد"),
    ("قرآن\u0670", "قران"),
    ("جميـــل", "جميل"),
    ("٣٫٥ و ١٢٣", "3.5 و 123"),
    ("۱۲۳", "123"),
    ("\u200fمرحبا\u200e\u202b\u2067\u061c\ufeff", "مرحبا"),
    ("Hello WORLD", "hello world"),
    ("\ufefb", "لا"),
]


@pytest.mark.parametrize(("raw", "expected"), NORMALIZE_CASES)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [r for r, _ in NORMALIZE_CASES] + ["إِنَّ الْمَمْلَكَةَ ـ ۲۰۱۵ م"])
def test_normalize_idempotent(raw: str) -> None:
    once = normalize(raw)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("بلغ النمو 3.5 في المئة", ["بلغ", "النمو", "3.5", "في", "المئه"]),
        ("نحو ١٬٠٠٠ شخص، في الرياض.", ["نحو", "1,000", "شخص", "في", "الرياض"]),
        ("كوب 29 (COP29)", ["كوب", "29", "cop29"]),
        ("", []),
        ("... ، !", []),
    ],
)
def test_tokenize(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("token", "stem"),
    [
        ("والمملكه", "مملك"),
        ("بالرياض", "رياض"),
        ("المعلمون", "معلم"),
        ("الاتفاقات", "اتفاق"),
        ("كتابها", "كتاب"),
        ("وزير", "وزير"),
        ("من", "من"),  # too short to strip
        ("وسيارات", "سيار"),
        ("هو", "هو"),
        ("الب", "الب"),  # the article would leave one letter: kept
        ("الحق", "حق"),  # ... two letters: stripped
        ("بها", "بها"),  # a suffix that would leave one letter: kept
        ("قطها", "قط"),
        ("وكتبه", "كتب"),  # five letters: the conjunction goes
        ("وقطها", "قط"),
    ],
)
def test_light_stem(token: str, stem: str) -> None:
    assert light_stem(token) == stem


def test_fold_digits_maps_arabic_indic_and_persian_digits() -> None:
    assert fold_digits("٠١٢٣٤٥٦٧٨٩ ۱۲ و3") == "0123456789 12 و3"


def test_two_letter_words_are_terms() -> None:
    assert terms_of_tokens(["قط", "ب", "في"]) == ["قط"]  # one letter and stopwords are not


def test_stopwords_are_normalised_and_dropped() -> None:
    assert {"في", "من", "الي", "علي", "قال", "اكد", "اضاف", "هذه"} <= STOPWORDS
    assert all(normalize(w) == w for w in STOPWORDS)
    terms = content_terms("وأكد الوزير أن المملكة العربية تدعم الاستقرار في المنطقة")
    assert terms == ["وزير", "مملك", "عرب", "تدعم", "استقرار", "منطق"]


@pytest.mark.parametrize(
    ("text", "has", "ratio"),
    [("الرياض", True, 1.0), ("Riyadh", False, 0.0), ("الرياض Riyadh", True, 0.5), ("123 ...", False, 0.0)],
)
def test_arabic_detection(text: str, has: bool, ratio: float) -> None:
    assert has_arabic(text) is has
    assert arabic_ratio(text) == pytest.approx(ratio)


SEGMENTATION_CASES = [
    ("empty", "", []),
    ("blank", " \n\t\n ", []),
    ("arabic comma never splits", "زار الوزير الرياض، والتقى المسؤولين، ثم غادر.", ["زار الوزير الرياض، والتقى المسؤولين، ثم غادر."]),
    ("decimals", "بلغ النمو 3.5 في المئة. وسجل المعرض 1.000.000 زائر.", ["بلغ النمو 3.5 في المئة.", "وسجل المعرض 1.000.000 زائر."]),
    ("quote after stop", 'وقال: "هذا يوم مهم." ثم غادر القاعة مسرعا.', ['وقال: "هذا يوم مهم."', "ثم غادر القاعة مسرعا."]),
    ("guillemets and brackets", "قال المدير «انتهى الأمر.» وأضاف (بعد ذلك بقليل.) شيئا آخر جديدا!",
     ["قال المدير «انتهى الأمر.»", "وأضاف (بعد ذلك بقليل.)", "شيئا آخر جديدا!"]),
    ("doctor", "التقى د. أحمد بالوزير. ثم عاد إلى مكتبه.", ["التقى د. أحمد بالوزير.", "ثم عاد إلى مكتبه."]),
    ("engineer and initials", "وقع م. علي عقدا مع ج.م.ع. أمس.", ["وقع م. علي عقدا مع ج.م.ع. أمس."]),
    ("po box", "العنوان ص.ب 123 الرياض.", ["العنوان ص.ب 123 الرياض."]),
    ("latin abbreviations", "Mr. Smith met U.S. officials. They agreed on everything.", ["Mr. Smith met U.S. officials.", "They agreed on everything."]),
    ("era marker ends a sentence", "تأسست الشركة عام 2015 م. وقال المدير كلمة.", ["تأسست الشركة عام 2015 م.", "وقال المدير كلمة."]),
    ("question marks", "هل حضرت الاجتماع أمس؟ نعم حضرت الاجتماع كله! وماذا بعد ذلك?",
     ["هل حضرت الاجتماع أمس؟", "نعم حضرت الاجتماع كله!", "وماذا بعد ذلك?"]),
    ("punctuation runs", "هل هذا حقا صحيح؟! لا أصدق ما أسمع... ربما كان صحيحا.", ["هل هذا حقا صحيح؟!", "لا أصدق ما أسمع...", "ربما كان صحيحا."]),
    ("headline line", "عنوان الخبر بلا نقطة\nنص الخبر الأول هنا. نص ثان هنا.", ["عنوان الخبر بلا نقطة", "نص الخبر الأول هنا.", "نص ثان هنا."]),
    ("crlf and blank lines", "سطر أول هنا\r\n\r\nسطر ثان هنا", ["سطر أول هنا", "سطر ثان هنا"]),
    ("glued stop between words", "وصل الوفد إلى الرياض.وقال إنه سعيد.", ["وصل الوفد إلى الرياض.", "وقال إنه سعيد."]),
    ("url is not split", "سجل عبر www.spa.gov.sa اليوم.", ["سجل عبر www.spa.gov.sa اليوم."]),
    ("space before stop", "عقدت اللجنة اجتماعها الأول . وناقشت عدة موضوعات .", ["عقدت اللجنة اجتماعها الأول .", "وناقشت عدة موضوعات ."]),
    # Boundaries the wire and the papers write without a space, and stops that are not boundaries.
    ("glued after percent", "ارتفعت المبيعات بنسبة 12%.وأرجعت الشركة ذلك إلى الطلب.",
     ["ارتفعت المبيعات بنسبة 12%.", "وأرجعت الشركة ذلك إلى الطلب."]),
    ("glued after a year", "افتتح المصنع في عام 2019.وتبلغ طاقته ألف طن.", ["افتتح المصنع في عام 2019.", "وتبلغ طاقته ألف طن."]),
    ("glued after a closing quote", "وصف الخطة بأنها “طموحة”.وتعهد الوزير بتنفيذها سريعا.",
     ["وصف الخطة بأنها “طموحة”.", "وتعهد الوزير بتنفيذها سريعا."]),
    ("letter names with spaces", "وقالت إف. دي. إيه إن الدواء آمن تماما.", ["وقالت إف. دي. إيه إن الدواء آمن تماما."]),
    ("letter names with spaces around the dots", "وأعلنت جيه . بي . اكس أرباحها السنوية أمس.",
     ["وأعلنت جيه . بي . اكس أرباحها السنوية أمس."]),
    ("letter names glued", "وبثت سي.إن.إن المقابلة كاملة أمس.", ["وبثت سي.إن.إن المقابلة كاملة أمس."]),
    ("exclamation then comma", "يا لها من مفاجأة!، قالها اللاعب بعد المباراة.", ["يا لها من مفاجأة!، قالها اللاعب بعد المباراة."]),
    # `؛` joins clauses of one sentence: no unit ends on it unless the source line does
    ("semicolon between clauses", "ارتفعت أسعار النفط اليوم كثيرا؛ وتراجعت أسعار الذهب قليلا.",
     ["ارتفعت أسعار النفط اليوم كثيرا؛ وتراجعت أسعار الذهب قليلا."]),
    ("semicolon ending the line", "ارتفعت أسعار النفط اليوم كثيرا؛\nوتراجعت أسعار الذهب قليلا.",
     ["ارتفعت أسعار النفط اليوم كثيرا؛", "وتراجعت أسعار الذهب قليلا."]),
    ("two dots inside a quotation", "وردد الجمهور «يا ليل .. يا عين» طويلا. ثم غادر الجميع القاعة.",
     ["وردد الجمهور «يا ليل .. يا عين» طويلا.", "ثم غادر الجميع القاعة."]),
    ("two dots inside brackets", "أطلقت المسابقة بعنوان (قارئ اليوم .. قائد الغد) أمس. وتستمر شهرا كاملا.",
     ["أطلقت المسابقة بعنوان (قارئ اليوم .. قائد الغد) أمس.", "وتستمر شهرا كاملا."]),
    ("semicolon before a short clause", "ناقش المجلس الميزانية العامة للعام المقبل؛ ووافق عليها.",
     ["ناقش المجلس الميزانية العامة للعام المقبل؛ ووافق عليها."]),
    ("heading joins its item", "ثانياً: الموافقة على نظام المرور الجديد.", ["ثانياً: الموافقة على نظام المرور الجديد."]),
    ("short piece joins its sentence", "انتهى الاجتماع في موعده المحدد. شكرا لكم.", ["انتهى الاجتماع في موعده المحدد. شكرا لكم."]),
    ("a short line stays", "شكرا لكم.", ["شكرا لكم."]),
    ("latin initial glued to a word", "قال المسؤولX. ثم غادر.", ["قال المسؤولX. ثم غادر."]),
    ("punctuation run stays with its sentence", "جملة أولى. !!\nجملة ثانية.", ["جملة أولى. !!", "جملة ثانية."]),
    # A closing bracket after the stop does not hide the abbreviation: the run is `.` once closers are stripped.
    ("initials chain in brackets", "أعلنت شركة الاتصالات (ش.م.ع.) عن أرباحها الفصلية اليوم.",
     ["أعلنت شركة الاتصالات (ش.م.ع.) عن أرباحها الفصلية اليوم."]),
    # An abbreviation right after an opening bracket or quote is still one.
    ("engineer in brackets", "حضر الاجتماع (م. خالد العتيبي) مدير المشروع.", ["حضر الاجتماع (م. خالد العتيبي) مدير المشروع."]),
    # A glued dot after a Latin letter (not a word, number, `%` or quote) is no boundary even before Arabic.
    ("glued latin abbreviation before arabic", "حصل الباحث على درجة Ph.D.في الهندسة من جامعة ستانفورد.",
     ["حصل الباحث على درجة Ph.D.في الهندسة من جامعة ستانفورد."]),
    # A stray space before a dot glued to the next sentence: still a boundary.
    ("stray space before a glued dot", "عقدت اللجنة اجتماعها الأول .وناقشت عدة موضوعات مهمة.",
     ["عقدت اللجنة اجتماعها الأول .", "وناقشت عدة موضوعات مهمة."]),
    # ... but a lone letter after it is a name's initial (`سميرة م.` written `سميرة .م`).
    ("initial after a stray-space dot", 'وتدعى "سميرة .م 60 سنة" حسب البلاغ.', ['وتدعى "سميرة .م 60 سنة" حسب البلاغ.']),
    ("initial after a glued dot", "وتدعى سميرة.م وعمرها 60 سنة حسب البلاغ.", ["وتدعى سميرة.م وعمرها 60 سنة حسب البلاغ."]),
    # An era letter after a year, glued to the next sentence: the sentence ends there.
    ("glued era letter after a spaced year", "افتتح المصنع عام 2019 م.وتبلغ طاقته ألف طن سنويا.",
     ["افتتح المصنع عام 2019 م.", "وتبلغ طاقته ألف طن سنويا."]),
    # A Latin word (no dots inside) glued by its stop to an Arabic sentence: a boundary (URLs have no Arabic after).
    ("latin word glued to an arabic sentence", "وقعت الشركة اتفاقية مع Google.وقال المدير إن الاتفاقية مهمة.",
     ["وقعت الشركة اتفاقية مع Google.", "وقال المدير إن الاتفاقية مهمة."]),
    ("web address before arabic", "زوروا الموقع www.spa.gov.sa للمزيد من المعلومات.",
     ["زوروا الموقع www.spa.gov.sa للمزيد من المعلومات."]),
    ("two stray spaces before a glued dot", "عقدت اللجنة اجتماعها الأول  .وناقشت عدة موضوعات مهمة.",
     ["عقدت اللجنة اجتماعها الأول  .", "وناقشت عدة موضوعات مهمة."]),
    ("percent glued to the next sentence", "ارتفعت المبيعات 22%.وأوضحت الشركة أن النمو كبير.",
     ["ارتفعت المبيعات 22%.", "وأوضحت الشركة أن النمو كبير."]),
    # only the word the dot ends decides: a web address before it does not make `Google.` a chain
    ("latin word after a web address", "راجع الموقع spa.gov.sa Google.وقال المدير إن الاتفاقية مهمة.",
     ["راجع الموقع spa.gov.sa Google.", "وقال المدير إن الاتفاقية مهمة."]),
    ("semicolon with four words before", "وقع الطرفان الاتفاقية أمس؛ وستدخل حيز التنفيذ الشهر المقبل.",
     ["وقع الطرفان الاتفاقية أمس؛ وستدخل حيز التنفيذ الشهر المقبل."]),
    ("arabic semicolon before three words", "قال الوزير إن الاجتماع كان مثمرا؛ وأضاف أنه مفيد.",
     ["قال الوزير إن الاجتماع كان مثمرا؛ وأضاف أنه مفيد."]),
    ("latin semicolon before three words", "قال الوزير إن الاجتماع كان مثمرا; وأضاف أنه مفيد.",
     ["قال الوزير إن الاجتماع كان مثمرا; وأضاف أنه مفيد."]),
    # a heading left at the end of a line joins the last sentence only
    ("heading at the end of a line", "هذه جملة أولى طويلة هنا. وهذه جملة ثانية طويلة هنا. أولاً:",
     ["هذه جملة أولى طويلة هنا.", "وهذه جملة ثانية طويلة هنا. أولاً:"]),
    # Only `،` and `,` after the stop carry the sentence on; a Latin word (even one starting with X) starts a new one.
    ("latin word after a stop", "طرحت الشركة هاتفها الجديد في الأسواق أمس. Xperia هو اسم الطراز الجديد.",
     ["طرحت الشركة هاتفها الجديد في الأسواق أمس.", "Xperia هو اسم الطراز الجديد."]),
    # `!` then a space then `،` goes on with the sentence (the comma is looked for past one space).
    ("exclamation, space, comma", "يا لها من مفاجأة سارة! ، قالها اللاعب بعد المباراة.",
     ["يا لها من مفاجأة سارة! ، قالها اللاعب بعد المباراة."]),
    # A stop then an opening quote that ends the line: no letter follows, so no glued boundary (and no IndexError).
    ("opening quote at the line end", "وختم الوزير كلمته قائلا.«\nسنمضي في الإصلاح حتى النهاية».",
     ["وختم الوزير كلمته قائلا.«", "سنمضي في الإصلاح حتى النهاية»."]),
    # `2019م.` glued to the next sentence: the era letter is glued to digits, so it is no abbreviation.
    ("glued era letter after digits", "افتتح المصنع عام 2019م.وتبلغ طاقته ألف طن سنويا.",
     ["افتتح المصنع عام 2019م.", "وتبلغ طاقته ألف طن سنويا."]),
    # Letter names keep their tatweel (بـي = بي), glued to their dots or spaced from them.
    ("letter names with tatweel", "ونقلت قناة بـي. بـي. سـي عن مصادر مطلعة أن المفاوضات مستمرة.",
     ["ونقلت قناة بـي. بـي. سـي عن مصادر مطلعة أن المفاوضات مستمرة."]),
    ("spaced letter names with tatweel", "ونقلت قناة بـي . بـي . سـي عن مصادر مطلعة أن المفاوضات مستمرة.",
     ["ونقلت قناة بـي . بـي . سـي عن مصادر مطلعة أن المفاوضات مستمرة."]),
    # Spaced letter names after three words (so a wrong cut would stand alone): a two- and a three-letter name.
    ("spaced two-letter name after three words", "ونقلت قناة بي . بي . سي عن مصادر مطلعة أن المفاوضات مستمرة.",
     ["ونقلت قناة بي . بي . سي عن مصادر مطلعة أن المفاوضات مستمرة."]),
    ("spaced three-letter name after three words", "وأعلنت بورصة جيه . بي . اكس أرباحها السنوية أمس.",
     ["وأعلنت بورصة جيه . بي . اكس أرباحها السنوية أمس."]),
    # A short piece between two sentences (no heading) joins the previous one, not the next.
    ("short piece between sentences",
     "أعلنت الوزارة نتائج الاختبارات اليوم. مبروك للناجحين. وتبدأ الدراسة الأسبوع المقبل.",
     ["أعلنت الوزارة نتائج الاختبارات اليوم. مبروك للناجحين.", "وتبدأ الدراسة الأسبوع المقبل."]),
]


@pytest.mark.parametrize(("case", "text", "expected"), SEGMENTATION_CASES, ids=[c[0] for c in SEGMENTATION_CASES])
def test_split_sentences(case: str, text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
    assert [text[s:e] for s, e in sentence_spans(text)] == expected


def gaps_are_separators(text: str, spans: list[tuple[int, int]]) -> bool:
    """Nothing is lost between pieces but whitespace and the one comma a clause cut drops."""
    bounds = [0, *(x for span in spans for x in span), len(text)]
    return all(text[a:b].strip() in ("", "،", ",") for a, b in zip(bounds[::2], bounds[1::2]))


@pytest.mark.parametrize("max_chars", [50, 200, MAX_SENTENCE_CHARS])
def test_long_piece_without_punctuation_is_bounded(max_chars: int) -> None:
    text = "وأكد الوزير، أهمية التعاون بين البلدين في المجالات كافة " * 400
    spans = sentence_spans(text, max_chars)
    assert len(spans) > 1
    assert all(0 < e - s <= max_chars for s, e in spans)
    assert gaps_are_separators(text, spans)
    pieces = [text[s:e] for s, e in spans]
    assert all(len(p.split()) >= 3 and not p.endswith("،") and not p.startswith("،") for p in pieces)
    # Cuts are at a comma (which no piece keeps) whenever one is in reach.
    if max_chars >= 200:
        assert all(p.startswith("أهمية") for p in pieces[1:])


LONG_CLAUSES = (
    "وأوضح مدير عام الإدارة في تصريح صحفي أن المشروع الجديد يشمل إنشاء عدد كبير من المدارس والمستشفيات "
    "والطرق في مختلف محافظات المنطقة خلال السنوات الخمس المقبلة، وذلك ضمن خطة التنمية الشاملة التي أقرتها "
    "الحكومة في مطلع العام الجاري، حيث تبلغ التكلفة الإجمالية للمشروع نحو ثلاثة مليارات ريال، مشيرا إلى أن "
    "العمل سيبدأ في الربع الأول من العام المقبل بعد استكمال الدراسات الفنية والهندسية اللازمة، كما أكد أن "
    "الإدارة ستتابع سير العمل بشكل دوري لضمان الجودة والالتزام بالجدول الزمني المحدد، وأن الشركات المنفذة "
    "ستخضع لرقابة صارمة من الجهات المختصة طوال مدة التنفيذ، داعيا المواطنين إلى التعاون مع فرق العمل الميدانية."
)


def test_long_sentence_without_commas_is_split_before_a_conjunction() -> None:
    clause = "وافتتح المحافظ المشروع الجديد في الحي الشمالي من المدينة بحضور عدد من المسؤولين "
    text = clause * 12
    pieces = split_sentences(text)
    assert len(text) > MAX_SENTENCE_CHARS and len(pieces) >= 2
    assert all(p.startswith("وافتتح") and len(p) <= MAX_SENTENCE_CHARS for p in pieces)


@pytest.mark.parametrize("heading", ["أولاً :", "ثانيا-", "3 -", "(أ)", "ب)", "رابعاً"])
def test_list_headings(heading: str) -> None:
    assert is_heading(heading)
    assert split_sentences(f"{heading} يعقد المجلس جلسته غدا.") == [f"{heading} يعقد المجلس جلسته غدا."]


@pytest.mark.parametrize("line", ["أولا قرر المجلس ما يلي", "الرياض", "2015 م."])
def test_not_headings(line: str) -> None:
    assert not is_heading(line)


def test_long_sentence_is_split_at_clause_openers() -> None:
    assert len(LONG_CLAUSES) > MAX_SENTENCE_CHARS
    pieces = split_sentences(LONG_CLAUSES)
    assert len(pieces) >= 2
    assert all(len(p) <= MAX_SENTENCE_CHARS and len(p.split()) >= MIN_UNIT_WORDS for p in pieces)
    assert not any(p.endswith(("،", ",")) or p.startswith(("،", ",")) for p in pieces)
    # Every later piece opens a clause (و…, حيث, كما, مشيرا, داعيا …), never a noun phrase cut loose.
    assert all(p.split()[0].startswith("و") or p.split()[0] in {"حيث", "كما", "مشيرا", "داعيا"} for p in pieces[1:])
    assert gaps_are_separators(LONG_CLAUSES, sentence_spans(LONG_CLAUSES))


def test_unbroken_token_is_hard_cut() -> None:
    spans = sentence_spans("ب" * 2000, 600)
    assert [e - s for s, e in spans] == [600, 600, 600, 200]


def test_hard_wrapped_text_with_line_breaks_off() -> None:
    text = "بدأ الاجتماع في\nالرياض صباح اليوم. وناقش\nالمجلس الموضوعات.\n\nفقرة ثانية"
    assert split_sentences(text, line_breaks=False) == [
        "بدأ الاجتماع في\nالرياض صباح اليوم.",
        "وناقش\nالمجلس الموضوعات.",
        "فقرة ثانية",
    ]
    # Every line break ends a sentence, but "وناقش" alone is too short to stand: it joins the line it is on.
    assert split_sentences(text) == ["بدأ الاجتماع في", "الرياض صباح اليوم. وناقش", "المجلس الموضوعات.", "فقرة ثانية"]


ADVERSARIAL_UNITS = {
    "initials": "ب. ",  # every dot an abbreviation candidate: the old splitter rescanned the line for each
    "exclamation comma": "رائع!، ",
    "semicolons and headings": "نعم؛ أولاً : ",
    "numbered headings": "1. ",
    "glued dots": "1.ب ",
    "no spaces": "ب",
}


def _cpu_seconds(work: Callable[[], object]) -> float:
    """Best of two CPU times of this process (not wall-clock: other jobs on the machine do not count)."""
    best = math.inf
    for _ in range(2):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _growth(make: Callable[[int], Callable[[], object]]) -> float:
    """CPU time for four times the input over CPU time for the input: about 4 when linear, 16 when quadratic.
    Sizes are large enough for a quadratic scan to dominate (the old splitter: x38 here)."""
    return _cpu_seconds(make(40_000)) / max(_cpu_seconds(make(10_000)), 1e-4)


@pytest.mark.parametrize("unit", list(ADVERSARIAL_UNITS.values()), ids=list(ADVERSARIAL_UNITS))
def test_segmentation_time_is_linear_in_the_input(unit: str) -> None:
    ratio = _growth(lambda n: lambda: sentence_spans(unit * n))
    assert ratio < 8.0, f"x4 input took x{ratio:.1f} CPU time"


def test_release_parsing_time_is_linear_in_the_input() -> None:
    ratio = _growth(lambda n: lambda: parse_releases("عنوان\n\n" + "بي. " * n, source="t", name="t", encoding="utf-8"))
    assert ratio < 8.0, f"x4 input took x{ratio:.1f} CPU time"


CLAUSE_SPLIT_CASES = [
    # Two commas in reach, same tier: the cut nearest to equal halves (at 46 of 102) wins over the later one (70).
    ("nearest to balanced", "افتتح أمير المنطقة مساء أمس معرض الكتاب الدولي، بمشاركة مئات دور النشر، في مركز المعارض بمدينة الرياض.",
     80, ["افتتح أمير المنطقة مساء أمس معرض الكتاب الدولي", "بمشاركة مئات دور النشر، في مركز المعارض بمدينة الرياض."]),
    # The only comma would leave two words after it: the rest keeps MIN_UNIT_WORDS words, so a space cut is taken.
    ("rest keeps three words", "رحب رئيس مجلس الإدارة بالضيوف في افتتاح الملتقى السنوي للمستثمرين، شكرا جزيلا.",
     70, ["رحب رئيس مجلس الإدارة بالضيوف في افتتاح", "الملتقى السنوي للمستثمرين، شكرا جزيلا."]),
    # Fewer than MIN_UNIT_WORDS words fit: a comma right at max_chars is still a clause cut (no piece starts with `،`).
    ("comma at the limit", "المستشفيات والمستوصفات، وأكد الوزير أهمية التعاون بين البلدين.",
     22, ["المستشفيات والمستوصفات", "وأكد الوزير أهمية", "التعاون بين البلدين."]),
]


@pytest.mark.parametrize(("case", "text", "max_chars", "expected"), CLAUSE_SPLIT_CASES, ids=[c[0] for c in CLAUSE_SPLIT_CASES])
def test_clause_split_pieces(case: str, text: str, max_chars: int, expected: list[str]) -> None:
    assert split_sentences(text, max_chars) == expected


def test_after_words_stops_at_end() -> None:
    text = "المستشفيات والمستوصفات، وأكد الوزير"
    assert _after_words(text, 0, 22, 3) == 22  # two words before `end`: `end`, not the third word beyond it
    assert _after_words(text, 0, len(text), 3) == text.index("وأكد") + len("وأكد")


_CHAIN_21 = ".".join("بتثجحخدذرزسشصضطظعغفقك")  # 21 initials, 41 characters


@pytest.mark.parametrize(
    ("line", "word", "expected"),
    [
        # An initials chain is read back at most _LOOK (40) characters: 20 initials (39) are one, 21 (41) are not.
        (f"رمز المنشأة {_CHAIN_21[2:]}. وقال", _CHAIN_21[2:], True),
        (f"رمز المنشأة {_CHAIN_21}. وقال", _CHAIN_21, False),
        # An era letter glued to a digit is no abbreviation, also when the digit opens the line.
        ("5م.وقال", "5م", False),
        ("3ب. وقال", "3ب", False),
    ],
    ids=["chain of 39 characters", "chain of 41 characters", "glued era at line start", "letter glued to a digit"],
)
def test_is_abbreviation(line: str, word: str, expected: bool) -> None:
    assert _is_abbreviation(line, line.index(word) + len(word)) is expected


@pytest.mark.parametrize(
    ("line", "pos", "expected"),
    [
        ("تأسست عام 2015 م", 15, "5"),
        ("م. 2024", 0, ""),  # nothing before the line start (not the line's last character)
        ("2015" + " " * 40 + "م", 44, ""),  # the digit is 41 characters back: out of reach
        ("2015" + " " * 39 + "م", 43, "5"),
    ],
    ids=["after a space", "line start", "41 back", "40 back"],
)
def test_prev_char(line: str, pos: int, expected: str) -> None:
    assert _prev_char(line, pos) == expected


@pytest.mark.parametrize(("name", "expected"), [("بــــي", True), ("بـــــي", False)], ids=["six", "seven"])
def test_spaced_letter_name_reads_at_most_six_characters(name: str, expected: bool) -> None:
    line = f"ونقلت قناة {name} . بي . سي عن مصادر"
    assert _spaced_letter_name(line, line.index(" .") + 1) is expected


def test_short_label_ending_in_colon_joins_the_next_piece() -> None:
    parts = ["انتهى الاجتماع في موعده المحدد.", "الحضور:", "الوزير ومساعدوه وعدد من الخبراء."]
    text = " ".join(parts)
    pieces: list[tuple[int, int, int, bool]] = []
    for part in parts:
        s = text.index(part)
        pieces.append((s, s + len(part), len(part.split()), False))
    assert [text[s:e] for s, e in _joined(text, pieces)] == [parts[0], text[text.index("الحضور"):]]
