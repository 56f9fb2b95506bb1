"""arsum digest: grouping on hand-written days, every output format, the schema, the page in a browser, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import arsum
from arsum.cli.app import app
from arsum.schemas import load_schema
from arsum.tasks.digest import (
    DigestParams,
    copy_links,
    part_key,
    release_features,
    story_to_dict,
)

RUNNER = CliRunner()

CRASH = (
    "أعلنت المديرية العامة للدفاع المدني بمنطقة القصيم مساء أمس وفاة ثلاثة أشخاص وإصابة سبعة آخرين في حادث تصادم "
    "بين حافلة نقل وشاحنة على طريق بريدة عنيزة السريع. "
    "وأوضح المتحدث الرسمي العقيد حمد العبيد أن فرق الإسعاف نقلت المصابين إلى مستشفى الملك فهد التخصصي ببريدة. "
    "وأضاف أن الجهات المختصة باشرت التحقيق في أسباب الحادث الذي وقع قرب مخرج الجامعة في ساعة متأخرة من الليل. "
    "ودعا العبيد قائدي المركبات إلى الالتزام بالسرعة المحددة والحذر أثناء القيادة في الطرق السريعة خلال الإجازة."
)
FUND = (
    "وقع صندوق التنمية العقارية في الرياض أمس اتفاقية تمويل مع ثلاثة مصارف محلية لتمويل بناء أربعة آلاف وحدة سكنية "
    "للمواطنين المدرجين على قوائم الانتظار في مختلف مناطق المملكة. "
    "وقال مدير عام الصندوق يوسف الزغيبي إن الاتفاقية تتيح للمستفيدين اختيار المصرف والمدة المناسبة للسداد. "
    "وأشار إلى أن الصندوق سيبدأ استقبال الطلبات الإلكترونية مطلع الشهر المقبل عبر بوابته على الإنترنت."
)
EXPO = (
    "افتتح أمير منطقة الرياض معرض الكتاب الدولي للأطفال في مركز المعارض بحضور عدد من الناشرين العرب والأجانب. "
    "ويشارك في المعرض مئتا دار نشر من ثلاثين دولة تعرض أكثر من خمسين ألف عنوان في أدب الطفل والعلوم المبسطة. "
    "وتتضمن فعاليات المعرض ورش رسم وقراءة قصصية يقدمها كتاب ورسامون متخصصون طوال عشرة أيام."
)
PART_ONE = (
    "بحث وزير الخارجية عادل الجبير مع نظيره الفرنسي لوران فابيوس في باريس اليوم العلاقات الثنائية بين البلدين. "
    "وتناول اللقاء تطورات الأوضاع في اليمن وسوريا والجهود المبذولة لإحلال السلام في المنطقة."
)
PART_TWO = (
    "وفي ختام اللقاء عقد الوزيران مؤتمرا صحفيا مشتركا أكدا فيه أهمية التنسيق بين الرياض وباريس في الملفات الإقليمية. "
    "كما وقع الجانبان مذكرة تفاهم للتعاون في مجال الطاقة المتجددة والتدريب الدبلوماسي."
)


def record(rid: str, title: str, text: str, source: str = "paper", time: str | None = None) -> str:
    fields = {"id": rid, "title": title, "text": text, "source": source}
    if time:
        fields["time"] = time
    return json.dumps(fields, ensure_ascii=False)


def day() -> list[str]:
    """A small day: a crash story republished, cut and re-headlined; an agency release in two parts; two unrelated
    stories that share the place name الرياض."""
    first_half = CRASH[: CRASH.index("ودعا")].strip()
    return [
        record("okaz-1", "وفاة ثلاثة أشخاص في حادث تصادم على طريق بريدة عنيزة", CRASH, "okaz", "2015-07-25 09:00:00"),
        record("riyadh-1", "وفاة ثلاثة أشخاص في حادث تصادم على طريق بريدة عنيزة", CRASH, "alriyadh", "2015-07-25 08:00:00"),
        record("madina-1", "الدفاع المدني: 3 وفيات و7 إصابات في القصيم", CRASH, "almadina", "2015-07-25 10:30:00"),
        record("sabq-1", "حادث مروع قرب مخرج الجامعة", first_half, "sabq", "2015-07-25 07:15:00"),
        record("spa-1", "سياسي / الجبير يبحث مع فابيوس العلاقات الثنائية", PART_ONE, "spa"),
        record("spa-2", "سياسي / الجبير يبحث مع فابيوس العلاقات الثنائية إضافة أولى وأخيرة", PART_TWO, "spa"),
        record("yaum-1", "الصندوق العقاري يوقع اتفاقية لتمويل 4 آلاف وحدة في الرياض", FUND, "alyaum"),
        record("jazirah-1", "أمير الرياض يفتتح معرض كتاب الطفل", EXPO, "aljazirah"),
    ]


@pytest.fixture
def day_file(tmp_path: Path) -> Path:
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join(day()) + "\n", encoding="utf-8")
    return path


def stories_of(path: Path, *args: str) -> list[dict]:
    result = RUNNER.invoke(app, ["digest", str(path), "--input-format", "jsonl", "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def members(stories: list[dict]) -> list[set[str]]:
    return [{r["id"] for r in s["releases"]} for s in stories]


@pytest.mark.parametrize("follow_ups", [True, False])
def test_copies_cut_reheadlined_and_parts_are_one_story_each(day_file: Path, follow_ups: bool) -> None:
    stories = stories_of(day_file, "--follow-ups" if follow_ups else "--no-follow-ups")
    groups = members(stories)
    assert {"okaz-1", "riyadh-1", "madina-1", "sabq-1"} in groups  # copies, re-headlined, cut copy
    assert {"spa-1", "spa-2"} in groups  # an agency's two parts
    assert {"yaum-1"} in groups and {"jazirah-1"} in groups  # a shared place name does not make one story
    ids = [i for g in groups for i in g]
    assert sorted(ids) == sorted(json.loads(r)["id"] for r in day())  # every release in exactly one story


def test_story_fields_sources_times_and_summary_of_the_most_complete_member(day_file: Path) -> None:
    crash = next(s for s in stories_of(day_file) if len(s["releases"]) == 4)
    assert crash["sources"] == 4
    assert (crash["first"], crash["last"]) == ("2015-07-25 07:15:00", "2015-07-25 10:30:00")
    assert crash["summarized"] != "sabq-1"  # the cut copy is the least complete
    assert crash["arabic_summary"] and all(s["text"] in CRASH for s in crash["arabic_summary"])
    texts = [s["text"] for s in crash["arabic_summary"]]
    assert len(texts) == len(set(texts))
    assert crash["representative"] in {r["id"] for r in crash["releases"]}
    assert crash["headline"] in {json.loads(r)["title"] for r in day()}


def test_desk_then_size_order_and_min_sources(day_file: Path) -> None:
    stories = stories_of(day_file)
    assert stories[0]["desk"] == "سياسي"  # named desks first, then stories without one
    undesked = [s for s in stories if s["desk"] is None]
    assert [s["sources"] for s in undesked] == sorted((s["sources"] for s in undesked), reverse=True)
    assert members(stories_of(day_file, "--min-sources", "2")) == [
        {"okaz-1", "riyadh-1", "madina-1", "sabq-1"}
    ]  # the two SPA parts are one source
    by_time = stories_of(day_file, "--sort", "time")
    undesked = [s["first"] or "~" for s in by_time if s["desk"] is None]
    assert undesked == sorted(undesked)


def test_follow_up_with_other_words_joins_its_story() -> None:
    follow = (
        "كشفت التحقيقات الأولية في حادث طريق بريدة عنيزة أن السرعة الزائدة وراء اصطدام الحافلة بالشاحنة. "
        "وقال مدير مرور القصيم إن سائق الشاحنة أوقف لاستكمال الإجراءات النظامية."
    )
    texts = [
        "وفاة ثلاثة أشخاص في حادث تصادم حافلة وشاحنة على طريق بريدة عنيزة\n\n" + CRASH,
        "السرعة وراء حادث تصادم حافلة وشاحنة على طريق بريدة عنيزة\n\n" + follow,
        "أمير الرياض يفتتح معرض كتاب الطفل\n\n" + EXPO,
    ]
    digest = arsum.digest(texts)
    assert sorted(len(s.releases) for s in digest.stories) == [1, 2]
    assert arsum.digest(texts, follow_ups=False).stories.__len__() == 3  # without the encoder: words alone


def test_digester_loads_once_and_validates() -> None:
    with pytest.raises(arsum.UsageError):
        arsum.Digester(sort="size-desc")
    with pytest.raises(arsum.UsageError):
        arsum.Digester(min_sources=0)
    digester = arsum.Digester(follow_ups=False)
    one = digester(["خبر\n\n" + FUND])
    two = digester(["خبر\n\n" + EXPO, "خبر\n\n" + EXPO])
    assert len(one.stories) == 1 and len(two.stories) == 1 and two.stories[0].sources == 2


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("الجبير يبحث مع فابيوس العلاقات الثنائية إضافة أولى وأخيرة", "الجبير يبحث مع فابيوس العلاقات الثنائيه"),
        ("الجبير يبحث مع فابيوس العلاقات الثنائية (إضافة ثانية)", "الجبير يبحث مع فابيوس العلاقات الثنائيه"),
        ("الجبير يبحث مع فابيوس العلاقات الثنائية 2/3", "الجبير يبحث مع فابيوس العلاقات الثنائيه"),
        ("أخبار محلية", None),  # too short to identify a release
    ],
)
def test_part_key(title: str, key: str | None) -> None:
    assert part_key(title) == key


def test_params_are_validated() -> None:
    with pytest.raises(arsum.UsageError):
        DigestParams(containment=1.5)
    with pytest.raises(arsum.UsageError):
        DigestParams(max_shingle_df=0)


def test_grouping_is_not_all_pairs() -> None:
    """A shingle in more releases than max_shingle_df is not looked at: boilerplate does not join 100 releases."""
    footer = " تابعونا على حساب الصحيفة الرسمي في مواقع التواصل الاجتماعي للمزيد من الأخبار العاجلة"
    texts = [f"خبر رقم {i}\n\nوقع حادث رقم {i} في حي {i} اليوم وأصيب شخص واحد بجروح طفيفة.{footer}" for i in range(100)]
    digest = arsum.digest(texts, follow_ups=False)
    assert len(digest.stories) == 100


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_records_follow_the_schema(day_file: Path, fmt: str) -> None:
    result = RUNNER.invoke(app, ["digest", str(day_file), "--input-format", "jsonl", "-f", fmt, "--no-follow-ups"])
    assert result.exit_code == 0
    records = json.loads(result.stdout) if fmt == "json" else [json.loads(x) for x in result.stdout.splitlines()]
    validator = jsonschema.Draft202012Validator(load_schema("digest"))
    for rec in records:
        validator.validate(rec)
    assert len(records) == 4
    spa = next(r for r in records if r["desk"] == "سياسي")
    assert spa["headline"] == "الجبير يبحث مع فابيوس العلاقات الثنائية"  # the part label is the release's, not the story's
    crash = next(r for r in records if len(r["releases"]) == 4)
    assert crash["headline"] == "وفاة ثلاثة أشخاص في حادث تصادم على طريق بريدة عنيزة"  # the headline most carried


def test_schema_command_prints_the_digest_schema() -> None:
    result = RUNNER.invoke(app, ["schema", "digest"])
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["$id"].endswith("digest:1")


HOSTILE = "<script>alert(1)</script> \u202eحادث\u202c \x1b[31m"


@pytest.mark.parametrize("fmt", ["rich", "text", "markdown", "html"])
def test_human_formats_show_every_story_and_escape_input(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "day.jsonl"
    lines = [*day(), record("evil-1", HOSTILE, EXPO.replace("الرياض", "جدة") + " <b>x</b>", "<i>evil</i>")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = RUNNER.invoke(app, ["digest", str(path), "--input-format", "jsonl", "-f", fmt, "--no-follow-ups"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "\x1b[31m" not in out and "\u202e" not in out
    if fmt == "html":
        assert "<script>" not in out and "&lt;script&gt;" in out and "<i>evil" not in out
        assert '<html lang="ar" dir="rtl">' in out and "http://" not in out and "https://" not in out
        assert out.count("<article") == 4  # the hostile copy of the book fair story joins it
    if fmt == "markdown":
        assert "<script>" not in out
    assert "الجبير يبحث مع فابيوس العلاقات الثنائية" in out or fmt == "rich"


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_output_extension_picks_html(tmp_path: Path, day_file: Path, suffix: str) -> None:
    target = tmp_path / f"digest{suffix}"
    result = RUNNER.invoke(app, ["digest", str(day_file), "--input-format", "jsonl", "-o", str(target), "--no-follow-ups"])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_input_is_one_error_line_and_the_rest_is_digested(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join([*day()[:3], "{not json", json.dumps({"id": "x", "text": ""}), *day()[3:]]) + "\n",
                    encoding="utf-8")
    result = RUNNER.invoke(app, ["digest", str(path), "--input-format", "jsonl", "-f", "json", "--no-follow-ups"])
    assert result.exit_code == 1
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("arsum:")] == [
        f"arsum: {path}:4: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        f"arsum: {path}:5: empty \"text\"",
    ]
    assert sum(len(s["releases"]) for s in json.loads(result.stdout)) == 8


def test_missing_file_and_text_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("عام / خبر عن الصندوق العقاري\n\n" + FUND, encoding="utf-8")
    (tmp_path / "b.txt").write_text("خبر عن الصندوق العقاري\n\n" + FUND, encoding="utf-8")
    result = RUNNER.invoke(app, ["digest", str(tmp_path), str(tmp_path / "missing.txt"), "-f", "jsonl", "--no-follow-ups"])
    assert result.exit_code == 1
    assert "missing.txt: no such file or directory" in result.stderr
    (story,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert story["desk"] == "عام" and {r["id"] for r in story["releases"]} == {"a.txt#1", "b.txt#1"}


def test_features_are_picklable_for_workers() -> None:
    import pickle

    (release,) = arsum.parse_releases("عنوان الخبر هنا\n\n" + FUND)
    features = release_features(release)
    assert pickle.loads(pickle.dumps(features)) == features


def test_story_to_dict_is_exported(day_file: Path) -> None:
    digest = arsum.digest(arsum.load_releases([str(day_file)], input_format="jsonl"), follow_ups=False)
    assert story_to_dict(digest.stories[0])["id"] == "story-1"


def test_stdin_subprocess(day_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "arsum", "digest", "-", "--input-format", "jsonl", "-f", "jsonl", "--no-follow-ups"],
        input=day_file.read_bytes(), capture_output=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.decode().splitlines()) == 4


# --------------------------------------------------------------------------- the page in a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("command", ["digest", "summarize"])
def test_page_renders_in_headless_chromium(tmp_path: Path, day_file: Path, command: str) -> None:
    page = tmp_path / "page.html"
    args = [command, str(day_file), "--input-format", "jsonl", "-o", str(page)]
    args += ["--no-follow-ups"] if command == "digest" else ["--no-english"]
    assert RUNNER.invoke(app, args).exit_code == 0
    shot = tmp_path / "shot.png"
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + str(tmp_path / "profile")]
    done = subprocess.run([*base, "--window-size=900,1200", f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-500:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    dom = subprocess.run([*base, "--dump-dom", page.as_uri()], capture_output=True, timeout=120, check=False)
    assert '<html lang="ar" dir="rtl">' in dom.stdout.decode()
    assert "الجبير يبحث مع فابيوس" in dom.stdout.decode()


# --------------------------------------------------------------------------- -f html for the other commands


def _page_checks(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<html lang="ar" dir="rtl">' in page and "Noto Naskh Arabic" in page
    assert "default-src 'none'" in page  # no external resource can load
    assert "<script" not in page and "\u202e" not in page and "\x1b" not in page


def test_summarize_html_escapes_every_string(tmp_path: Path) -> None:
    path = tmp_path / "evil.txt"
    path.write_text(f"{HOSTILE}\n\n{FUND} <img src=x onerror=alert(1)>", encoding="utf-8")
    result = RUNNER.invoke(app, ["summarize", str(path), "--no-english", "-f", "html"])
    assert result.exit_code == 0, result.output
    _page_checks(result.stdout)
    assert "<img" not in result.stdout and "&lt;script&gt;" in result.stdout
    assert result.stdout.count("<article") == 1


def test_translate_html_renderer_streams_one_article_per_release() -> None:
    import io

    from arsum.cli.html import HtmlRenderer
    from arsum.tasks.results import ReleaseTranslation, TranslationPair

    (release,) = arsum.parse_releases("عنوان <b>الخبر</b>\n\n" + FUND)
    pairs = (TranslationPair(index=-1, paragraph=-1, source=release.title, translation="A <b>title</b>"),
             TranslationPair(index=0, paragraph=0, source=release.sentences[0].text, translation="The fund </td>",
                             support=0.12, flags=("low-support",)))
    item = ReleaseTranslation(release=release, pairs=pairs, model="m", revision=None, source_lang="ar",
                              target_lang="en")
    stream = io.StringIO()
    renderer = HtmlRenderer(stream)
    head = stream.getvalue()
    renderer.write(item)
    renderer.close()
    page = stream.getvalue()
    assert head.endswith("<main>\n")  # the head is out before the first release is done
    _page_checks(page)
    assert "A &lt;b&gt;title&lt;/b&gt;" in page and "The fund &lt;/td&gt;" in page and "not close in meaning 0.12" in page


def test_check_html(tmp_path: Path) -> None:
    source = tmp_path / "release.txt"
    source.write_text("خبر عن الصندوق\n\n" + FUND, encoding="utf-8")
    english = tmp_path / "summary.en"
    english.write_text("The real estate fund signed a deal with <three> banks to finance 4,000 homes.\n", encoding="utf-8")
    target = tmp_path / "check.html"
    result = RUNNER.invoke(app, ["check", str(source), str(english), "-o", str(target)])
    assert result.exit_code in (0, 3), result.output
    page = target.read_text(encoding="utf-8")
    _page_checks(page)
    assert "&lt;three&gt;" in page and "<three>" not in page


# --------------------------------------------------------------------------- every digest option does what it says


def _json(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sentences_sets_each_story_summary_length(day_file: Path) -> None:
    base = ["digest", str(day_file), "--input-format", "jsonl", "-f", "json", "--no-follow-ups"]
    one = _json(RUNNER.invoke(app, [*base, "--sentences", "1"]))
    assert all(len(s["arabic_summary"]) == 1 for s in one)
    crash = [s for s in _json(RUNNER.invoke(app, [*base, "-n", "4"])) if len(s["releases"]) == 4]
    assert len(crash[0]["arabic_summary"]) == 4
    default = [s for s in _json(RUNNER.invoke(app, base)) if len(s["releases"]) == 4]
    assert len(default[0]["arabic_summary"]) == 3  # a digest is read at a glance


def test_follow_ups_option_links_follow_ups_and_no_follow_ups_does_not(tmp_path: Path) -> None:
    follow = ("كشفت التحقيقات الأولية في حادث طريق بريدة عنيزة أن السرعة الزائدة وراء اصطدام الحافلة بالشاحنة. "
              "وقال مدير مرور القصيم إن سائق الشاحنة أوقف لاستكمال الإجراءات النظامية.")
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join([
        record("a", "وفاة ثلاثة أشخاص في حادث تصادم حافلة وشاحنة على طريق بريدة عنيزة", CRASH),
        record("b", "السرعة وراء حادث تصادم حافلة وشاحنة على طريق بريدة عنيزة", follow),
    ]) + "\n", encoding="utf-8")
    base = ["digest", str(path), "--input-format", "jsonl", "-f", "json"]
    assert len(_json(RUNNER.invoke(app, [*base, "--follow-ups"]))) == 1
    assert len(_json(RUNNER.invoke(app, [*base, "--no-follow-ups"]))) == 2


def test_english_model_and_support_options_reach_each_story(day_file: Path, tiny_mt5: Path, tmp_path: Path) -> None:
    base = ["digest", str(day_file), "--input-format", "jsonl", "-f", "json", "--no-follow-ups", "--min-sources", "2"]
    assert all(s["english_summary"] is None for s in _json(RUNNER.invoke(app, base)))  # Arabic only by default
    (story,) = _json(RUNNER.invoke(app, [*base, "--english", "--model", str(tiny_mt5), "--min-support", "0.9"]))
    assert story["english_summary"]["model"] == str(tiny_mt5)
    assert story["support"] == {"encoder": "use-m3", "min_support": 0.9}
    assert all(s["support"] is not None for s in story["english_summary"]["sentences"])
    (unscored,) = _json(RUNNER.invoke(app, [*base, "--english", "--model", str(tiny_mt5), "--no-support"]))
    assert unscored["support"] is None and unscored["english_summary"] is not None
    config = tmp_path / "models.toml"
    config.write_text("[support]\nmin_support = 0.42\n", encoding="utf-8")
    (configured,) = _json(RUNNER.invoke(app, [*base, "--english", "--model", str(tiny_mt5), "--config", str(config)]))
    assert configured["support"]["min_support"] == 0.42
    missing = tmp_path / "no-encoder"
    result = RUNNER.invoke(app, [*base, "--english", "--model", str(tiny_mt5), "--encoder", str(missing)])
    assert str(missing) in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--device", "tpu"], "--device"),
        (["--quantize", "int3"], "--quantize"),
        (["--backend", "onnx"], "--backend"),
        (["--sort", "alphabet"], "--sort"),
        (["--min-sources", "0"], "--min-sources"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_the_option(day_file: Path, args: list[str], says: str) -> None:
    result = RUNNER.invoke(app, ["digest", str(day_file), "--input-format", "jsonl", *args])
    assert result.exit_code == 2 and says in result.output


def test_quantize_and_backend_reach_the_english_model(day_file: Path, hub_models: None,
                                                      loads: list[tuple[str, str | None]]) -> None:
    base = ["digest", str(day_file), "--input-format", "jsonl", "-f", "json", "--no-follow-ups", "--min-sources", "2",
            "--english", "--no-support", "--backend", "transformers", "--device", "cpu"]
    for args in ([], ["--quantize", "int8"]):
        (story,) = _json(RUNNER.invoke(app, [*base, *args]))
        assert story["english_summary"] is not None
    assert loads == [("cpu", None), ("cpu", "int8")]


def test_lang_max_bytes_force_output_and_quiet(day_file: Path, tmp_path: Path) -> None:
    english = tmp_path / "english.txt"
    english.write_text("Road to open\n\nThe ministry said on Monday that the new road will open next year.\n",
                       encoding="utf-8")
    refused = RUNNER.invoke(app, ["digest", str(english), "-f", "json", "--no-follow-ups"])
    assert refused.exit_code == 1 and "no Arabic text" in refused.stderr
    assert len(_json(RUNNER.invoke(app, ["digest", str(english), "-f", "json", "--no-follow-ups", "--lang", "en"]))) == 1
    size = day_file.stat().st_size
    base = ["digest", str(day_file), "--input-format", "jsonl", "-f", "json", "--no-follow-ups"]
    too_big = RUNNER.invoke(app, [*base, "--max-bytes", "100"])
    assert too_big.exit_code == 1 and "above the --max-bytes limit of 100" in too_big.stderr
    assert len(_json(RUNNER.invoke(app, [*base, "--max-bytes", str(size)]))) == 4
    target = tmp_path / "out.json"
    target.write_text("mine", encoding="utf-8")
    kept = RUNNER.invoke(app, [*base, "-o", str(target)])
    assert kept.exit_code != 0 and target.read_text(encoding="utf-8") == "mine"
    assert RUNNER.invoke(app, [*base, "-o", str(target), "--force"]).exit_code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 4
    absent = ["--english", "--model", "someorg/not-downloaded"]  # a notice: the English summaries are skipped
    loud = RUNNER.invoke(app, [*base, *absent])
    quiet = RUNNER.invoke(app, [*base, *absent, "-q"])
    assert "English summary skipped" in loud.stderr and quiet.stderr == "" and quiet.exit_code == 0


def test_bidi_reorders_the_rich_and_text_formats_only(day_file: Path) -> None:
    base = ["digest", str(day_file), "--input-format", "jsonl", "--no-follow-ups"]
    for fmt in ("text", "rich"):
        plain = RUNNER.invoke(app, [*base, "-f", fmt]).stdout
        reordered = RUNNER.invoke(app, [*base, "-f", fmt, "--bidi"]).stdout
        assert plain != reordered
    assert RUNNER.invoke(app, [*base, "-f", "json"]).stdout == RUNNER.invoke(app, [*base, "-f", "json", "--bidi"]).stdout


def test_a_release_without_headline_is_a_story_headed_by_its_first_sentence(tmp_path: Path) -> None:
    path = tmp_path / "noheadline.txt"
    path.write_text("الرياض - واس\n" + FUND + "\n", encoding="utf-8")
    result = RUNNER.invoke(app, ["digest", str(path), "-f", "json", "--no-follow-ups"])
    (story,) = _json(result)
    assert story["headline"] and story["headline"] in FUND
    page = RUNNER.invoke(app, ["digest", str(path), "-f", "html", "--no-follow-ups"]).stdout
    assert ">None<" not in page


def test_two_telegrams_cut_from_one_formula_stay_two_stories() -> None:
    formula = ("وأعرب خادم الحرمين الشريفين باسمه واسم شعب وحكومة المملكة العربية السعودية عن أصدق التهاني وأطيب "
               "التمنيات بالصحة والسعادة لفخامته ولحكومة وشعب الجمهورية الشقيقة اطراد التقدم والازدهار.")
    tunisia = ("بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز آل سعود برقية تهنئة لفخامة الرئيس الباجي قائد "
               "السبسي رئيس الجمهورية التونسية بمناسبة ذكرى إعلان الجمهورية في بلاده. " + formula +
               " كما بعث ولي العهد الأمير محمد بن نايف برقية تهنئة مماثلة للرئيس التونسي أكد فيها متانة العلاقات "
               "التاريخية بين تونس والمملكة وحرص البلدين على تطويرها في المجالات السياسية والاقتصادية والثقافية.")
    maldives = ("بعث خادم الحرمين الشريفين الملك سلمان بن عبدالعزيز آل سعود برقية تهنئة لفخامة الرئيس عبدالله يامين "
                "رئيس جمهورية المالديف بمناسبة ذكرى استقلال بلاده. " + formula +
                " ويحتفل المالديفيون بذكرى الاستقلال في السادس والعشرين من يوليو بعروض بحرية في العاصمة ماليه "
                "ومهرجانات شعبية في الجزر المرجانية.")  # shares 56% of its word 5-grams with the Tunisian telegram
    texts = ["القيادة تهنئ الرئيس التونسي بذكرى إعلان الجمهورية\n\n" + tunisia,
             "الملك سلمان يبعث برقية تهنئة لرئيس المالديف بذكرى الاستقلال\n\n" + maldives,
             "القيادة تهنئ الرئيس التونسي بذكرى إعلان الجمهورية\n\n" + tunisia]
    releases = [arsum.parse_releases(t)[0] for t in texts]
    features = [release_features(r) for r in releases]
    assert any({i, j} == {0, 1} for i, j, _ in copy_links(features, DigestParams()))  # a copy by words alone
    assert sorted(len(s.releases) for s in arsum.digest(releases, follow_ups=False).stories) == [1, 2]


def test_parts_joined_on_reading_are_listed_each_by_its_own_id(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join([
        record("spa-1", "سياسي / الجبير يبحث مع فابيوس العلاقات الثنائية", PART_ONE + "\n// يتبع //", "spa"),
        record("spa-2", "سياسي / الجبير يبحث مع فابيوس العلاقات الثنائية إضافة أولى وأخيرة", PART_TWO, "spa"),
        record("yaum-1", "الصندوق العقاري يوقع اتفاقية لتمويل 4 آلاف وحدة في الرياض", FUND, "alyaum"),
    ]) + "\n", encoding="utf-8")
    stories = stories_of(path, "--no-follow-ups")
    spa = next(s for s in stories if s["desk"] == "سياسي")
    assert [(r["id"], r["part_of"]) for r in spa["releases"]] == [("spa-1", "spa-1"), ("spa-2", "spa-1")]
    assert sorted(r["id"] for s in stories for r in s["releases"]) == ["spa-1", "spa-2", "yaum-1"]
    assert spa["sources"] == 1


def test_progress_counts_releases_headlines_and_stories() -> None:
    from contextlib import contextmanager

    counts: dict[str, list[int | None]] = {}

    class Recorder:
        @contextmanager
        def status(self, message: str):
            yield

        @contextmanager
        def track(self, description: str, total: int | None):
            done = counts.setdefault(description, [total, 0])

            class Bar:
                def advance(self, amount: int = 1) -> None:
                    done[1] += amount  # type: ignore[operator]

            yield Bar()

    texts = ["خبر عن الصندوق\n\n" + FUND, "خبر آخر عن الصندوق\n\n" + FUND, "معرض الكتاب\n\n" + EXPO]
    digest = arsum.Digester(reporter=Recorder())(texts)
    assert counts["reading releases"] == [None, 3]
    assert counts["headlines"] == [3, 3]
    assert counts["stories"] == [len(digest.stories), len(digest.stories)] == [2, 2]


def test_translate_o_html_writes_a_page(tiny_marian: Path, tmp_path: Path) -> None:
    source = tmp_path / "release.txt"
    source.write_text("خبر عن <b>الصندوق</b>\n\n" + FUND, encoding="utf-8")
    target = tmp_path / "translation.html"
    result = RUNNER.invoke(app, ["translate", str(source), "--model", str(tiny_marian), "--no-support", "-o", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    _page_checks(page)
    assert page.count("<tr>") == 1 + 1 + len(arsum.parse_releases(source.read_text(encoding="utf-8"))[0].sentences)
