"""Release parsing: separators, desk labels, subtitles and wire-agency furniture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arsum.errors import InputError
from arsum.text.arabic import MAX_SENTENCE_CHARS
from arsum.text.releases import _spelled, build_release, parse_release, parse_releases

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
SPA = ROOT.parent / "shared" / "eval" / "spa"
SPA_FILES = sorted(SPA.glob("*.txt")) if SPA.is_dir() else []

NO_HEADLINE = "no headline: the text opens with its body (title is null)"

WIRE = """سياسي / وزير الخارجية يلتقي نظيره الروسي

الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس
التقى وزير الخارجية اليوم نظيره الروسي، وبحثا العلاقات الثنائية.
وأكد الجانبان أهمية التعاون.
// انتهى //
14:05 ت غ
"""


def parse(text: str, **kw) -> list:
    return parse_releases(text, source="t.txt", name="t.txt", encoding="utf-8", **kw)


def test_wire_release_fields() -> None:
    (r,) = parse(WIRE)
    assert (r.id, r.source, r.encoding) == ("t.txt#1", "t.txt", "utf-8")
    assert r.desk == "سياسي"
    assert r.title == "وزير الخارجية يلتقي نظيره الروسي"
    assert r.subtitle is None
    assert r.dateline == "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس"
    assert r.end_marker == "// انتهى //"
    assert r.timestamp == "14:05 ت غ"
    assert r.byline is None
    assert r.paragraphs == ("التقى وزير الخارجية اليوم نظيره الروسي، وبحثا العلاقات الثنائية.", "وأكد الجانبان أهمية التعاون.")
    assert [(s.index, s.paragraph) for s in r.sentences] == [(0, 0), (1, 1)]
    assert r.warnings == ()


@pytest.mark.parametrize(
    ("first_line", "desk", "title"),
    [
        ("عام / افتتاح معرض الكتاب", "عام", "افتتاح معرض الكتاب"),
        ("اقتصادي/ ارتفاع مؤشر الأسهم", "اقتصادي", "ارتفاع مؤشر الأسهم"),
        ("تقرير / \"شرم أبحر\" يهيم بزواره / إضافة أولى", "تقرير", "\"شرم أبحر\" يهيم بزواره / إضافة أولى"),
        ("افتتاح معرض الكتاب في الرياض", None, "افتتاح معرض الكتاب في الرياض"),
        ("بلغ النمو 3 / 4 في المئة", None, "بلغ النمو 3 / 4 في المئة"),
    ],
)
def test_desk_label(first_line: str, desk: str | None, title: str) -> None:
    (r,) = parse(first_line + "\n\nنص الخبر هنا.")
    assert (r.desk, r.title) == (desk, title)


def test_separator_splits_and_skips_empty_chunks() -> None:
    text = "عنوان أول\n\nنص أول.\n  ---  \n\n---\nعنوان ثان\n\nنص ثان هنا. وجملة أخرى هنا.\n---\n"
    releases = parse(text)
    assert [r.id for r in releases] == ["t.txt#1", "t.txt#2"]
    assert [r.title for r in releases] == ["عنوان أول", "عنوان ثان"]
    assert [len(r.sentences) for r in releases] == [1, 2]


def test_title_only_release_warns() -> None:
    (r,) = parse("عنوان بلا نص\n")
    assert r.sentences == () and r.paragraphs == ()
    assert r.warnings == ("no body text after the title",)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty file"), (" \n\t\n", "empty file"), ("---\n\n---\n", "no release text (only --- separators)"),
        ("Only English here.", "no Arabic text (use --lang to summarise anyway)"),
    ],
)
def test_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.problem == problem and info.value.source == "t.txt"


def test_no_arabic_allowed_when_not_required() -> None:
    (r,) = parse("Headline\n\nBody sentence one. Body sentence two.", require_arabic=False)
    assert r.title == "Headline" and len(r.sentences) == 2


def test_seed_title_and_subtitle() -> None:
    (r,) = parse(SEED.read_text(encoding="utf-8"))
    assert r.title.startswith("مساعد الرئيس الأذربيجاني")
    assert r.subtitle == "إبراز الدور الهام لأذربيجان في ضمان أمن طاقة أوروبا"
    assert r.desk is None and r.dateline is None and r.end_marker is None
    assert len(r.paragraphs) == 12
    assert len(r.sentences) == 14
    assert all(s.text in r.paragraphs[s.paragraph] for s in r.sentences)


@pytest.mark.parametrize(
    ("line", "dateline", "first"),
    [
        ("جدة 25 شوال 1436هـ الموافق 10 أغسطس 2015م واس", "جدة 25 شوال 1436هـ الموافق 10 أغسطس 2015م واس", None),
        ("نجران 25 شوال 1436 هـ الموافق 10 أغسطس 2015 مواس", "نجران 25 شوال 1436 هـ الموافق 10 أغسطس 2015 مواس", None),
        ("الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس أعلنت الوزارة اليوم النتائج.",
         "الرياض 25 شوال 1436 هـ الموافق 10 اغسطس 2015 م واس", "أعلنت الوزارة اليوم النتائج."),
        ("دبي 10 أغسطس (وام) - أعلنت الهيئة اليوم النتائج.", "دبي 10 أغسطس (وام)", "أعلنت الهيئة اليوم النتائج."),
        ("أعلنت الوزارة الموافقة على المشروع اليوم.", None, "أعلنت الوزارة الموافقة على المشروع اليوم."),
    ],
)
def test_dateline_variants(line: str, dateline: str | None, first: str | None) -> None:
    (r,) = parse(f"عنوان\n\n{line}\nجملة أخرى.\n")
    assert r.dateline == dateline
    assert r.sentences[0].text == (first or "جملة أخرى.")


@pytest.mark.parametrize(
    ("tail", "end_marker", "timestamp"),
    [
        ("// انتهى //\n06:20 ت م", "// انتهى //", "06:20 ت م"),
        ("//انتهى//\n10:49 ت م", "//انتهى//", "10:49 ت م"),
        ("// انتهى//\n", "// انتهى//", None),
        ("// يتبع // 11:02 ت م", None, "11:02 ت م"),
        ("وانتهى الاجتماع في الساعة 10:30", None, None),
        # Spellings of the end marker: tatweel, hamza, single or extra slashes, letters spread out.
        ("// انتهـــى //\n08:15 ت م", "// انتهـــى //", "08:15 ت م"),
        ("// إنتهى //", "// إنتهى //", None),
        ("/ انتهى /", "/ انتهى /", None),
        ("///  انــتــهى  ///", "///  انــتــهى  ///", None),
        # The wire's NNNN end code after the time stamp, on the marker's line or on its own.
        ("// انتهى //\n11:53 ت م NNNN", "// انتهى //", "11:53 ت م"),
        ("// انتهى //\n11:53 ت م\nNNNN", "// انتهى //", "11:53 ت م"),
        ("// انتهى // 12:10 ت م", "// انتهى //", "12:10 ت م"),
        ("13:40 ت.م // انتهى //", "// انتهى //", "13:40 ت.م"),
    ],
)
def test_end_furniture(tail: str, end_marker: str | None, timestamp: str | None) -> None:
    (r,) = parse(f"عنوان\n\nافتتح الوزير المعرض الدولي للكتاب صباح اليوم.\n{tail}\n")
    assert (r.end_marker, r.timestamp) == (end_marker, timestamp)
    assert [s.text for s in r.sentences][:1] == ["افتتح الوزير المعرض الدولي للكتاب صباح اليوم."]
    assert all("//" not in s.text and "NNNN" not in s.text for s in r.sentences)


def test_continuation_marker_in_any_spelling_warns() -> None:
    (r,) = parse("عنوان\n\nبحث المجلس عددا من الموضوعات المدرجة.\n// يتبــع //\n09:01 ت م\n")
    assert r.end_marker is None and r.timestamp == "09:01 ت م"
    assert r.warnings == ("release continues in a later part (// يتبع //)",)
    assert [s.text for s in r.sentences] == ["بحث المجلس عددا من الموضوعات المدرجة."]


BODY = "افتتح أمير المنطقة اليوم مشروع الطريق الدائري الجديد.\nوأكد المسؤولون أن المشروع سيخدم آلاف السكان يوميا.\n"


@pytest.mark.parametrize(
    "line",
    [
        "مكة المكرمة 26 شوال 1436ه لموافق 11 اغسطس 2015م .واس",  # typo and a dot glued to the tag
        "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م (واس)",
        "جدة 25 شوال 1436 هـ - 10 أغسطس 2015 م",  # both dates, no tag
        "«واس» - الدمام",
    ],
)
def test_dateline_shapes(line: str) -> None:
    (r,) = parse(f"عنوان\n\n{line}\n{BODY}")
    assert r.dateline == line.strip()
    assert [s.text for s in r.sentences] == BODY.split("\n")[:2]


@pytest.mark.parametrize(
    ("first", "byline"),
    [
        ("عين اليوم – جدة", "عين اليوم – جدة"),
        ("دبي- الرياضية", "دبي- الرياضية"),
        ("سعاد المحمد ـ الأحساء", "سعاد المحمد ـ الأحساء"),
        ("Next Previous محمد العلي – الرياض", "محمد العلي – الرياض"),
        ("خالد السالم", "خالد السالم"),  # a reporter's name alone
        ("بقلم الكاتب سالم بن علي", "بقلم الكاتب سالم بن علي"),
    ],
)
def test_newspaper_byline_line(first: str, byline: str) -> None:
    (r,) = parse(f"عنوان\n\n{first}\n{BODY}")
    assert (r.byline, r.dateline) == (byline, None)
    assert [s.text for s in r.sentences] == BODY.split("\n")[:2]


def test_byline_prefix_before_the_first_sentence() -> None:
    (r,) = parse(f"عنوان\n\nخالد السالم- الصحيفة- الطائف: أعلنت البلدية إغلاق الطريق مؤقتا للصيانة.\n{BODY}")
    assert r.byline == "خالد السالم- الصحيفة- الطائف"
    assert r.sentences[0].text == "أعلنت البلدية إغلاق الطريق مؤقتا للصيانة."
    (r,) = parse(f"عنوان\n\nواس- تبوك: أعلنت البلدية إغلاق الطريق مؤقتا للصيانة.\n{BODY}")
    assert (r.byline, r.dateline) == (None, "واس- تبوك")


@pytest.mark.parametrize(
    "extra",
    [
        "(تصوير: سعد الحربي)",
        "تصوير - سعد الحربي",
        "إضافة أولى",
        "// إضافة خامسة وأخيرة //",
        "Share Tweet",
        "12345 - Mobily",
        "سمات طريق بلدية صيانة",
        "اقرأ أيضا: البلدية تغلق طريقا آخر",
        "المصدر: وكالات",
        "شارك على فيسبوك غرد على تويتر أرسل عبر واتساب",
    ],
)
def test_page_furniture_is_not_body(extra: str) -> None:
    (r,) = parse(f"عنوان\n\n{BODY}{extra}\n")
    assert [s.text for s in r.sentences] == BODY.split("\n")[:2]


def test_tag_list_after_the_last_sentence_and_trailing_credits() -> None:
    (r,) = parse("عنوان\n\nافتتح الأمير المشروع الجديد أمس. (واس)\nوزار المعرض آلاف الزوار. سمات مشروع أمير طريق\n")
    assert [s.text for s in r.sentences] == ["افتتح الأمير المشروع الجديد أمس.", "وزار المعرض آلاف الزوار."]


def test_list_heading_line_joins_its_item_and_broken_lines_join() -> None:
    long_line = "وعقد المجلس جلسته الأسبوعية برئاسة رئيسه في مقره بالعاصمة بحضور جميع الأعضاء وعدد من المسؤولين والمستشارين."
    text = (f"عنوان\n\n{long_line}\nقرر المجلس ما يلي:\nأولاً :\nالموافقة على نظام المرور الجديد.\n"
            "ثانياً -\nتعيين أعضاء اللجنة العليا للمشروع.\n"
            "وأعلنت الشركة عن إطلاق الطائرة الجديدة من طراز بوينج\n(777) التي تتسع لثلاثمئة راكب.\n")
    (r,) = parse(text)
    assert [s.text for s in r.sentences][2:] == [
        "أولاً :\nالموافقة على نظام المرور الجديد.",
        "ثانياً -\nتعيين أعضاء اللجنة العليا للمشروع.",
        "وأعلنت الشركة عن إطلاق الطائرة الجديدة من طراز بوينج\n(777) التي تتسع لثلاثمئة راكب.",
    ]


def test_build_release_for_json_lines() -> None:
    r = build_release(id="a1", title="عام / عنوان", text="الرياض 10 أغسطس 2015 م واس\nنص أول هنا. ثم نص ثان.\n// انتهى //", source="x.jsonl:1")
    assert (r.id, r.title, r.desk, r.dateline, r.end_marker) == ("a1", "عنوان", "عام", "الرياض 10 أغسطس 2015 م واس", "// انتهى //")
    assert [s.text for s in r.sentences] == ["نص أول هنا.", "ثم نص ثان."]


_FURNITURE = re.compile(r"//\s*(انتهى|يتبع)\s*//|\d{1,2}:\d{2}\s*ت\s*[مغ]\s*$")


@pytest.mark.skipif(not SPA_FILES, reason="../shared/eval/spa not present")
@pytest.mark.parametrize("path", SPA_FILES, ids=[p.name for p in SPA_FILES])
def test_spa_furniture_never_in_sentences(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    (r,) = parse_releases(text, source=str(path), name=path.name, encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    assert r.desk and r.title and r.sentences
    assert r.timestamp is not None and re.fullmatch(r"\d{2}:\d{2} ت م", r.timestamp)
    assert (r.end_marker is not None) == bool(re.search(r"//\s*انتهى\s*//", text))
    if "الموافق" in lines[1][:80]:
        assert r.dateline == lines[1] and r.dateline.endswith("واس")
    else:  # continuation parts (إضافة أولى ...) carry no dateline
        assert r.dateline is None and "إضافة" in r.title
    for s in r.sentences:
        assert not _FURNITURE.search(s.text)
        assert r.dateline is None or r.dateline not in s.text
        assert s.text in r.paragraphs[s.paragraph]


def test_heading_first_is_not_a_byline() -> None:
    (r,) = parse(f"عنوان\n\nخامساً :\n{BODY}")
    assert r.byline is None
    assert r.sentences[0].text == "خامساً :\n" + BODY.split("\n")[0]


def test_dateline_without_agency_tag() -> None:
    (r,) = parse("عنوان الخبر\n\nالرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م\nأعلنت الوزارة اليوم النتائج.\nوأكدت أهميتها.\n")
    assert r.dateline == "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م"
    assert [s.text for s in r.sentences] == ["أعلنت الوزارة اليوم النتائج.", "وأكدت أهميتها."]


@pytest.mark.parametrize(("extra", "is_dateline"), [(100, True), (101, False)])
def test_dateline_without_agency_tag_is_short(extra: int, is_dateline: bool) -> None:
    line = "الرياض الموافق " + "ب" * (extra - len("الرياض الموافق "))
    (r,) = parse(f"عنوان الخبر\n\n{line}\nأعلنت الوزارة اليوم النتائج.\nوأكدت أهميتها.\n")
    assert (r.dateline == line) is is_dateline


def test_hard_wrapped_paragraphs_are_joined_verbatim() -> None:
    text = (
        "عنوان الخبر\n\nبدأ الاجتماع في مدينة  \nالرياض صباح اليوم وناقش\nالمجلس الموضوعات المطروحة.\n\n"
        "وفي فقرة ثانية قال\nالوزير إن العمل مستمر.\n"
    )
    (r,) = parse(text)
    assert r.paragraphs == (
        "بدأ الاجتماع في مدينة\nالرياض صباح اليوم وناقش\nالمجلس الموضوعات المطروحة.",
        "وفي فقرة ثانية قال\nالوزير إن العمل مستمر.",
    )
    assert [s.paragraph for s in r.sentences] == [0, 1]


def test_first_line_that_is_body_text_gives_no_title_and_says_so() -> None:
    first = " ".join(["كلمة"] * 50) + "."
    (r,) = parse(f"{first} ثم جملة ثانية.\nنص آخر.\n")
    assert r.title is None
    assert r.sentences[0].text == first
    assert r.warnings == (NO_HEADLINE,)


@pytest.mark.parametrize(("length", "is_subtitle"), [(MAX_SENTENCE_CHARS, True), (MAX_SENTENCE_CHARS + 1, False)])
def test_subtitle_length_limit(length: int, is_subtitle: bool) -> None:
    words = ["ب" * 23] * 24 + ["ب" * (length - 24 * 24)]  # 25 words, `length` characters
    candidate = " ".join(words)
    assert len(candidate) == length
    (r,) = parse(f"عنوان الخبر\n{candidate}\nنص الخبر الأول.\n")
    assert (r.subtitle == candidate) is is_subtitle


def test_parse_release_keeps_its_id_source_and_encoding() -> None:
    r = parse_release("عنوان\nنص الخبر الأول. نص ثان.", id="x:3", source="lines.jsonl", encoding="cp1256")
    assert (r.id, r.source, r.encoding, r.title) == ("x:3", "lines.jsonl", "cp1256", "عنوان")
    with pytest.raises(InputError) as err:
        parse_release("  \n", id="x:4", source="lines.jsonl")
    assert str(err.value) == "lines.jsonl: empty text"


def test_hard_wrapped_block_closed_by_a_blank_line() -> None:
    (r,) = parse("عنوان الخبر\n\nبدأ الاجتماع في مدينة\nالرياض صباح اليوم\n\nوفي فقرة ثانية قال\nالوزير إن العمل مستمر.\n")
    assert r.paragraphs == ("بدأ الاجتماع في مدينة\nالرياض صباح اليوم", "وفي فقرة ثانية قال\nالوزير إن العمل مستمر.")


def test_mostly_closed_lines_are_not_hard_wrapped() -> None:
    (r,) = parse("عنوان الخبر\n\nجملة أولى تامة.\nجملة ثانية تامة.\nجملة ثالثة تامة.\nسطر مفتوح\nجملة خامسة تامة.\n")
    assert len(r.paragraphs) == 5


@pytest.mark.parametrize(
    ("tail", "warned", "timestamp"),
    [
        ("وأكد الجانبان أهمية التعاون. // يتبع //", True, None),
        ("وأكد الجانبان أهمية التعاون. // انتهى //", False, None),
        ("وأكد الجانبان أهمية التعاون. 14:05 ت غ", False, "14:05 ت غ"),
    ],
)
def test_furniture_on_the_last_sentence_line(tail: str, warned: bool, timestamp: str | None) -> None:
    (r,) = parse(f"عنوان الخبر\n\nالتقى الوزير نظيره اليوم.\n{tail}\n")
    assert [s.text for s in r.sentences] == ["التقى الوزير نظيره اليوم.", "وأكد الجانبان أهمية التعاون."]
    assert r.timestamp == timestamp
    assert ("release continues in a later part (// يتبع //)" in r.warnings) is warned


def test_spelled_word_takes_any_first_alef_tatweel_and_spread_letters() -> None:
    # The end-marker word in the spellings the wire uses; only an alef is loose, the other letters are not.
    word = re.compile(_spelled("انتهى"))
    assert all(word.fullmatch(w) for w in ("انتهى", "إنتهى", "أنتهى", "انتهـــى", "ا ن ت ه ى"))
    assert not word.fullmatch("انتهت") and not word.fullmatch("اه")


@pytest.mark.parametrize(
    ("body", "paragraphs"),
    [
        # A line ending on a Latin comma is broken inside its sentence, like one ending on `،`: it joins the next.
        ("قال الوزير إن المشروع الجديد,\nسيكتمل العام المقبل.",
         ("قال الوزير إن المشروع الجديد,\nسيكتمل العام المقبل.",)),
        ("قال الوزير إن المشروع الجديد،\nسيكتمل العام المقبل.",
         ("قال الوزير إن المشروع الجديد،\nسيكتمل العام المقبل.",)),
        ("قال الوزير إن المشروع الجديد\nسيكتمل العام المقبل.", ("قال الوزير إن المشروع الجديد", "سيكتمل العام المقبل.")),
    ],
)
def test_line_ending_on_a_comma_joins_the_next(body: str, paragraphs: tuple[str, ...]) -> None:
    (r,) = parse(f"عنوان الخبر\n\n{body}\n")
    assert r.paragraphs == paragraphs


@pytest.mark.parametrize(("longest", "wrapped"), [(130, True), (131, False)])
def test_hard_wrapped_lines_are_130_characters_at_most(longest: int, wrapped: bool) -> None:
    # Mostly open lines are a hard-wrapped block only while no line is longer than 130 characters.
    first = "بدأ الاجتماع في مدينة الرياض " + "و" * (longest - len("بدأ الاجتماع في مدينة الرياض "))
    assert len(first) == longest
    lines = [first, "صباح اليوم وناقش المجلس", "الموضوعات المطروحة عليه."]
    (r,) = parse("عنوان الخبر\n\n" + "\n".join(lines) + "\n")
    assert r.paragraphs == (("\n".join(lines),) if wrapped else tuple(lines))


@pytest.mark.parametrize(
    ("text", "title", "body", "warnings"),
    [
        # A lone line that ends a sentence is body text, not a headline: no title, and the record says so.
        ("أعلن الوزير افتتاح المعرض اليوم. وحضر الحفل عدد من المسؤولين.\n", None,
         ["أعلن الوزير افتتاح المعرض اليوم.", "وحضر الحفل عدد من المسؤولين."], (NO_HEADLINE,)),
        # A short lone question is a headline with no body.
        ("هل يشبه الكوكب الجديد الأرض ؟\n", "هل يشبه الكوكب الجديد الأرض ؟", [], ("no body text after the title",)),
        # A lone line without final punctuation is a headline with no body.
        ("أعلن الوزير افتتاح المعرض اليوم\n", "أعلن الوزير افتتاح المعرض اليوم", [], ("no body text after the title",)),
        # A headline ending on a full stop is still a headline when body lines follow.
        ("أعلن الوزير افتتاح المعرض اليوم.\n\nوحضر الحفل عدد من المسؤولين.\n", "أعلن الوزير افتتاح المعرض اليوم.",
         ["وحضر الحفل عدد من المسؤولين."], ()),
    ],
)
def test_lone_first_line(text: str, title: str | None, body: list[str], warnings: tuple[str, ...]) -> None:
    (r,) = parse(text)
    assert (r.title, [s.text for s in r.sentences], r.warnings) == (title, body, warnings)


@pytest.mark.parametrize(("words", "headline"), [(40, True), (41, False)])
def test_headline_has_40_words_at_most(words: int, headline: bool) -> None:
    first = " ".join(["الوزير"] * words)
    (r,) = parse(f"{first}\n\nوحضر الحفل عدد من المسؤولين.\n")
    assert (r.title == first and r.warnings == ()) is headline


@pytest.mark.parametrize(
    "line",
    [
        "«واس» - وأكد أن المشروع يخدم آلاف السكان.",
        "(واس) وأكد أن المشروع يخدم آلاف السكان.",
        "\"قنا\": وأكد أن المشروع يخدم آلاف السكان.",
    ],
)
def test_agency_credit_opening_a_sentence_is_not_sentence_text(line: str) -> None:
    (r,) = parse(f"عنوان الخبر\n\nافتتح الأمير المشروع الجديد أمس.\n{line}\n")
    assert [s.text for s in r.sentences] == ["افتتح الأمير المشروع الجديد أمس.", "وأكد أن المشروع يخدم آلاف السكان."]
    assert r.paragraphs[1] == line  # the paragraph stays verbatim


@pytest.mark.parametrize(
    ("first", "byline"),
    [
        ("بقلم الكاتب سالم بن علي بن محمد", "بقلم الكاتب سالم بن علي بن محمد"),  # 7 words: still a byline
        ("بقلم الكاتب سالم بن علي بن محمد الحربي", None),  # 8 words: body text
    ],
)
def test_byline_line_has_seven_words_at_most(first: str, byline: str | None) -> None:
    (r,) = parse(f"عنوان\n\n{first}\n{BODY}")
    assert r.byline == byline
    assert [s.text for s in r.sentences][-2:] == BODY.split("\n")[:2]
    assert (r.sentences[0].text == first) is (byline is None)


@pytest.mark.parametrize(
    ("tail", "end_marker", "timestamp"),
    [
        # A time stamp without a zone is furniture after an end marker or an end code, not after body text.
        ("// انتهى // 10:30", "// انتهى //", "10:30"),
        ("NNNN 10:30", None, "10:30"),
        ("وانتهى الاجتماع في الساعة 10:30", None, None),
    ],
)
def test_unzoned_time_stamp_after_end_furniture(tail: str, end_marker: str | None, timestamp: str | None) -> None:
    (r,) = parse(f"عنوان\n\nافتتح الوزير المعرض الدولي للكتاب صباح اليوم.\n{tail}\n")
    assert (r.end_marker, r.timestamp) == (end_marker, timestamp)
    assert len(r.sentences) == 1 + (timestamp is None)


@pytest.mark.parametrize(
    ("tail", "end_marker", "warned"),
    [
        # The marker's leading slashes lost: `يتبع //` still says the release continues, `انتهى //` still ends it.
        ("يتبع //", None, True),
        ("وأكد الجانبان أهمية التعاون. يتبع //", None, True),
        ("انتهى //", "انتهى //", False),
    ],
)
def test_marker_without_leading_slashes(tail: str, end_marker: str | None, warned: bool) -> None:
    (r,) = parse(f"عنوان الخبر\n\nالتقى الوزير نظيره اليوم.\n{tail}\n")
    assert r.end_marker == end_marker
    assert ("release continues in a later part (// يتبع //)" in r.warnings) is warned
    assert all("//" not in s.text for s in r.sentences)


@pytest.mark.parametrize("marker", ["// انتهى //", "// يتبع //", "14:05 ت غ", "NNNN"])
def test_furniture_is_cut_off_the_line_end_only(marker: str) -> None:
    # The hard-wrapped block keeps the indent of its last line verbatim when furniture is cut off that line.
    (r,) = parse(f"عنوان الخبر\n\nبدأ الاجتماع في مدينة\nالرياض صباح اليوم وناقش\n    المجلس الموضوعات المطروحة. {marker}\n")
    assert r.paragraphs == ("بدأ الاجتماع في مدينة\nالرياض صباح اليوم وناقش\n    المجلس الموضوعات المطروحة.",)


@pytest.mark.parametrize(("words", "dropped"), [(10, True), (11, False)])
def test_web_line_is_ten_words_at_most(words: int, dropped: bool) -> None:
    # `اقرأ أيضا` opening a short line is a link to another story; a longer line is body text.
    extra = " ".join(["اقرأ", "أيضا:", "البلدية", "تغلق", "طريقا", "آخر", "في", "حي", "النسيم", "شمالا", "اليوم"][:words])
    (r,) = parse(f"عنوان\n\n{BODY}{extra}\n")
    assert [s.text for s in r.sentences] == BODY.split("\n")[:2] + ([] if dropped else [extra])


def test_photo_credit_at_either_end_of_a_body_line_is_cut() -> None:
    (r,) = parse("عنوان الخبر\n\n(تصوير: سعد الحربي) افتتح أمير المنطقة المشروع.\nوأكد المسؤولون أهميته. (عدسة: خالد العلي)\n")
    assert r.paragraphs == ("افتتح أمير المنطقة المشروع.", "وأكد المسؤولون أهميته.")


def test_build_release_keeps_its_encoding() -> None:
    r = build_release(id="a2", title="عنوان", text="نص أول هنا.", source="x.jsonl:2", encoding="cp1256")
    assert (r.encoding, r.source) == ("cp1256", "x.jsonl:2")


# --------------------------------------------------------------------------- layouts as they come

_HEAD = "البلدية تفتتح حديقة جديدة في حي الورود"
_DATE = "جدة 12 صفر 1437 هـ الموافق 24 نوفمبر 2015 م واس"
_LEAD = "افتتحت البلدية اليوم حديقة جديدة في حي الورود بمساحة عشرة آلاف متر مربع."
_MORE = "وتضم الحديقة ملاعب للأطفال وممرات للمشي ومسطحات خضراء واسعة."
_SUB = "الحديقة تضم ملاعب وممرات ومسطحات خضراء"


@pytest.mark.parametrize(
    ("layout", "text", "title", "subtitle", "byline", "dateline"),
    [
        ("headline, blank, body", f"{_HEAD}\n\n{_LEAD}\n{_MORE}\n", _HEAD, None, None, None),
        ("body only, dateline first", f"{_DATE}\n{_LEAD}\n{_MORE}\n", None, None, None, _DATE),
        ("body only, byline first", f"سالم العمري - جدة\n{_LEAD}\n{_MORE}\n", None, None, "سالم العمري - جدة", None),
        ("body only, colon byline first", f"جدة: سالم العمري\n{_LEAD}\n{_MORE}\n", None, None, "جدة: سالم العمري", None),
        ("body only, first line a sentence", f"{_LEAD}\n{_MORE}\n", None, None, None, None),
        ("byline under headline", f"{_HEAD}\nسالم العمري - جدة\n\n{_LEAD}\n{_MORE}\n", _HEAD, None, "سالم العمري - جدة", None),
        ("byline under headline, blank", f"{_HEAD}\n\nسالم العمري - جدة\n{_LEAD}\n{_MORE}\n", _HEAD, None, "سالم العمري - جدة", None),
        ("colon byline under headline", f"{_HEAD}\nلندن: «الصحيفة»\n\n{_LEAD}\n", _HEAD, None, "لندن: «الصحيفة»", None),
        ("name in brackets under headline", f"{_HEAD}\nسالم العمري (جدة)\n\n{_LEAD}\n", _HEAD, None, "سالم العمري (جدة)", None),
        ("name from city under headline", f"{_HEAD}\nسالم العمري من جدة\n\n{_LEAD}\n", _HEAD, None, "سالم العمري من جدة", None),
        ("bare name under headline", f"{_HEAD}\nسالم العمري\n\n{_LEAD}\n", _HEAD, None, "سالم العمري", None),
        ("colon headline over a name", f"جدة: حديقة جديدة\nسالم العمري\n\n{_LEAD}\n", "جدة: حديقة جديدة", None, "سالم العمري", None),
        ("subheading under headline", f"{_HEAD}\n{_SUB}\n\n{_LEAD}\n", _HEAD, _SUB, None, None),
        ("byline then dateline", f"{_HEAD}\nسالم العمري - جدة\n\n{_DATE}\n{_LEAD}\n", _HEAD, None, "سالم العمري - جدة", _DATE),
        ("credit line under headline", f"{_HEAD}\nإعداد: سالم العمري, تصوير : خالد الحربي\n\n{_LEAD}\n", _HEAD, None,
         "إعداد: سالم العمري, تصوير : خالد الحربي", None),
        ("hard-wrapped, no headline",
         "افتتحت البلدية اليوم حديقة جديدة في حي الورود بمساحة\nعشرة آلاف متر مربع وتضم ملاعب للأطفال وممرات\n"
         "للمشي ومسطحات خضراء واسعة ومواقف للسيارات وأماكن\nللجلوس ودورات مياه ومصلى للرجال والنساء.\n",
         None, None, None, None),
        ("hard-wrapped under a headline",
         f"{_HEAD}\n\nافتتحت البلدية اليوم حديقة جديدة في حي الورود بمساحة\nعشرة آلاف متر مربع وتضم ملاعب للأطفال وممرات\n"
         "للمشي ومسطحات خضراء واسعة ومواقف للسيارات وأماكن\nللجلوس ودورات مياه ومصلى للرجال والنساء.\n",
         _HEAD, None, None, None),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isascii() else "",
)
def test_layouts(layout: str, text: str, title: str | None, subtitle: str | None, byline: str | None,
                 dateline: str | None) -> None:
    (r,) = parse(text)
    assert (r.title, r.subtitle, r.byline, r.dateline) == (title, subtitle, byline, dateline)
    assert r.sentences and all(s.text not in (byline, dateline, title) for s in r.sentences)
    assert (NO_HEADLINE in r.warnings) is (title is None)


def test_hard_wrapped_lead_is_one_sentence() -> None:
    lines = ["افتتحت البلدية اليوم حديقة جديدة في حي الورود بمساحة", "عشرة آلاف متر مربع وتضم ملاعب للأطفال وممرات",
             "للمشي ومسطحات خضراء واسعة ومواقف للسيارات وأماكن", "للجلوس ودورات مياه ومصلى للرجال والنساء.",
             "وقال رئيس البلدية إن الحديقة جزء من خطة تشمل", "عشرين حديقة في أحياء المدينة خلال العام المقبل."]
    (r,) = parse("\n".join(lines) + "\n")
    assert [s.text for s in r.sentences] == ["\n".join(lines[:4]), "\n".join(lines[4:])]
