"""`arsum check` and the numbers check's readings: each pattern faithful (no flag) and with a digit changed (flag)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.errors import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, UsageError
from arsum.tasks.check import check_aligned
from arsum.tasks.number_check import check_numbers
from arsum.tasks.support import release_units
from arsum.text.release import SUBTITLE_INDEX
from arsum.text.releases import parse_release

# (English, Arabic): faithful pairs, one per pattern the check must read; sentences written for these tests.
FAITHFUL = [
    ("The talks resume at 4 p.m. on Monday.", "تستأنف المحادثات الساعة 16:00 يوم الاثنين."),
    ("The polls close at 7.30pm.", "تغلق مراكز الاقتراع الساعة 7:30 مساء."),
    ("The ferry leaves at 06:00 GMT.", "تغادر العبارة في الساعة 6 بتوقيت غرينتش."),
    ("The convoy arrived at 11.45 a.m.", "وصلت القافلة في الساعة 11:45 صباحا."),
    ("Shelling stopped at 2130 hours.", "توقف القصف في الساعة 21:30."),
    ("The mosque dates from the 13th century.", "يعود المسجد إلى القرن الثالث عشر."),
    ("It is the city's 22nd festival.", "إنه المهرجان الثاني والعشرون للمدينة."),
    ("This was the 163rd session.", "كانت هذه الدورة الثالثة والستين بعد المائة."),
    ("Fourteen? No: 17 ships docked.", "رست سبع عشرة سفينة."),
    ("Prices fell in the 1990s.", "انخفضت الأسعار في التسعينيات."),
    ("The fort was built in the 1700s.", "بني الحصن في القرن الثامن عشر."),
    ("The budget is 2,417,305,000 dinars.", "تبلغ الميزانية 000 305 417 2 دينار."),
    ("Some 45,000 people fled.", "فر نحو 45،000 شخص."),
    ("Attendance reached 38.000 visitors.", "بلغ عدد الزوار 38000 زائر."),
    ("See paragraph 12.3 of the report.", "انظر الفقرة 12-3 من التقرير."),
    ("The couple has 2 daughters.", "للزوجين ابنتان."),
    ("Exports reached 2 billion dollars.", "بلغت الصادرات ملياري دولار."),
    ("Only 1 candidate remained.", "لم يبق إلا مرشح واحد."),
    ("Half of them, 50 percent, voted.", "صوّت النصف منهم."),
    ("The war lasted from 1980-88.", "استمرت الحرب من 1980 وحتى 1988."),
    ("The deal was signed on 3 May 17.", "وقع الاتفاق في 3 مايو 2017."),
    ("Growth was 3 percent in 2016;4 the report says so.", "كان النمو 3 في المائة في عام 2016 حسب التقرير."),
    ("The H7N9 strain spread.", "انتشرت سلالة H7N9."),
    ("Cases of COVID-19 rose to 1,250.", "ارتفعت حالات كوفيد-19 إلى 1250."),
    ("Twenty-five? 25 ministers met.", "اجتمع خمسة وعشرون وزيرا."),
    ("It rose 12.5% to 1.5 million.", "ارتفع بنسبة ١٢٫٥٪ إلى ١٫٥ مليون."),
    ("The prize was Euro475,000.", "بلغت الجائزة 475,000 يورو."),
    ("See Fig.3 for details.", "انظر الشكل 3 للتفاصيل."),
    ("Paragraphs 116 and 123 apply.", "تنطبق الفقرتان 116 123."),
    ("The fund holds 3 500 000 euros.", "يملك الصندوق 3500000 يورو."),
    ("In 2014 150 people died.", "في عام 2014 توفي 150 شخصا."),
    ("Some 1.5 million voted in 2014/15.", "صوت نحو مليون ونصف في 2014/2015."),
    ("It cost $2.5bn, or 10 per cent.", "كلف 2.5 مليار دولار أي عشرة في المائة."),
]

# (English, Arabic, flagged): what must be flagged, including misreadings the check used to make.
FLAGGED = [
    ("The talks resume at 3 p.m.", "تستأنف المحادثات الساعة 16:00.", ["3 p.m."]),
    ("Only 3 ships docked.", "رست ثلاث عشرة سفينة.", ["3"]),
    ("Only 10 ships docked.", "رست ثلاث عشرة سفينة.", ["10"]),
    ("It happened on January 14 and 14 died.", "حدث ذلك في 12 يناير وتوفي 14.", ["14"]),
    ("The 2 ships and 3 boats.", "السفينتان وأربعة قوارب.", ["2", "3"]),
    ("Prices fell in the 1890s.", "انخفضت الأسعار في التسعينيات.", ["1890s"]),
    ("The H7N8 strain spread.", "انتشرت سلالة H7N9.", ["8"]),
]


@pytest.mark.parametrize(("english", "arabic"), FAITHFUL)
def test_faithful_numbers_are_not_flagged(english: str, arabic: str) -> None:
    assert check_numbers(english, arabic) == []


@pytest.mark.parametrize(("english", "arabic", "flagged"), FLAGGED)
def test_wrong_numbers_are_flagged(english: str, arabic: str, flagged: list[str]) -> None:
    assert check_numbers(english, arabic) == flagged


@pytest.mark.parametrize(("english", "arabic"), FAITHFUL)
def test_changing_any_digit_is_flagged(english: str, arabic: str) -> None:
    for match in re.finditer(r"\d", english):
        pos = match.start()
        for digit in {str((int(english[pos]) + 1) % 10), str((int(english[pos]) + 5) % 10)}:
            altered = english[:pos] + digit + english[pos + 1 :]
            if altered == english or "16;4" in english and pos == english.index(";") + 1:
                continue  # a footnote marker is not a claim
            assert check_numbers(altered, arabic), altered


def test_summary_numbers_are_checked_against_the_whole_release() -> None:
    # A summary sentence leaves most Arabic numbers out: that alone is no reason to flag it.
    assert check_numbers("The 14 died.", "حدث ذلك في 12 يناير وتوفي 14.", whole=False) == []
    assert check_numbers("The 15 died.", "حدث ذلك في 12 يناير وتوفي 14.", whole=False) == ["15"]


def test_subtitle_is_scored_like_any_sentence() -> None:
    text = "وزير الخارجية يلتقي نظيره الروسي في الرياض\nمباحثات حول التعاون الاقتصادي بين البلدين\n\nنص الخبر الأول هنا."
    release = parse_release(text, id="r", source="r")
    assert release.subtitle == "مباحثات حول التعاون الاقتصادي بين البلدين"  # detected: the check below is not vacuous
    assert SUBTITLE_INDEX in release_units(release)[1]


# --------------------------------------------------------------------------- arsum check

ARABIC = ["وصل 25 زائرا إلى المدينة يوم الاثنين.", "افتتح الوزير المعرض الجديد في العاصمة."]
ENGLISH_OK = ["25 visitors arrived in the city on Monday.", "The minister opened the new exhibition in the capital."]
ENGLISH_BAD = ["35 visitors arrived in the city on Monday.", "The minister opened the new exhibition in the capital."]


def test_aligned_records_have_the_translate_pair_fields() -> None:
    result = check_aligned(ARABIC, ENGLISH_BAD)
    assert [sorted(p.to_dict()) for p in result.pairs] == [["flags", "index", "source", "support", "translation"]] * 2
    assert result.pairs[0].flags == ("number-not-in-source:35",)
    assert result.flagged and result.to_dict()["pairs"][0]["flags"] == ["number-not-in-source:35"]


def test_aligned_needs_the_same_number_of_lines() -> None:
    with pytest.raises(UsageError, match="2 Arabic lines, 1 English lines"):
        check_aligned(ARABIC, ENGLISH_OK[:1])


def _write(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("fmt", ["rich", "text", "json", "jsonl", "markdown"])
@pytest.mark.parametrize("aligned", [True, False])
def test_check_in_every_format(tmp_path: Path, fmt: str, aligned: bool) -> None:
    source = _write(tmp_path, "source.ar", ARABIC)
    mode = ["--aligned"] if aligned else ["--translation"]
    for english, code in ((ENGLISH_OK, EXIT_OK), (ENGLISH_BAD, EXIT_FLAGGED)):
        translation = _write(tmp_path, "reference.en", english)
        result = CliRunner().invoke(app, ["check", source, translation, *mode, "-f", fmt])
        assert result.exit_code == code, result.output
        assert "visitors arrived" in result.stdout
        if fmt in ("json", "jsonl"):
            text = result.stdout
            records = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
            assert len(records) == (2 if aligned else 1)
            if not aligned:
                assert records[0]["expect"] == "translation" and len(records[0]["sentences"]) == 2
        if code == EXIT_FLAGGED:
            assert "35" in result.stdout


def test_check_line_count_mismatch_is_one_line(tmp_path: Path) -> None:
    source = _write(tmp_path, "source.ar", ARABIC)
    translation = _write(tmp_path, "reference.en", ENGLISH_OK[:1])
    result = CliRunner().invoke(app, ["check", "--aligned", source, translation, "-f", "jsonl"])
    assert result.exit_code == EXIT_USAGE
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "2 Arabic lines, 1 English lines" in result.stderr


def test_check_lists_omissions_of_a_translation(tmp_path: Path) -> None:
    source = _write(tmp_path, "source.ar", ["عنوان الخبر عن المعرض", "", *ARABIC])
    translation = _write(tmp_path, "summary.en", ENGLISH_OK[1:])
    as_summary = CliRunner().invoke(app, ["check", source, translation, "-f", "json"])
    as_translation = CliRunner().invoke(app, ["check", source, translation, "--translation", "-f", "json"])
    summary, full = json.loads(as_summary.stdout)[0], json.loads(as_translation.stdout)[0]
    assert summary["omissions"] == full["omissions"] and full["omissions"]
    assert as_summary.exit_code == EXIT_OK and as_translation.exit_code == EXIT_FLAGGED


def test_a_passage_without_headline_is_checked_without_that_warning(tmp_path: Path) -> None:
    """A passage under check rarely has a headline: `check` does not say so, where `summarize` does."""
    body = "الرياض 12 مارس (واس) - افتتح وزير الثقافة المعرض اليوم. وشارك في المعرض أربعون فنانا من عشر دول."
    source = _write(tmp_path, "passage.ar", [body])
    translation = _write(tmp_path, "summary.en", ["The minister of culture opened the exhibition today."])
    checked = CliRunner().invoke(app, ["check", source, translation, "-f", "json"])
    summarized = CliRunner().invoke(app, ["summarize", "--no-english", source, "-f", "json"])
    assert checked.exit_code in (EXIT_OK, EXIT_FLAGGED), checked.stderr
    assert json.loads(summarized.stdout)[0]["title"] is None
    assert "no headline" in json.dumps(json.loads(summarized.stdout), ensure_ascii=False)
    assert "no headline" not in checked.stderr + checked.stdout
