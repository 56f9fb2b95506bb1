"""Invariants of the extractive summarizer and of the bench ROUGE scorer."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from arsum.errors import ConfigError, UsageError
from arsum.tasks import extractive
from arsum.tasks.extractive import (
    FEATURE_NAMES,
    MAX_GRAPH_SENTENCES,
    METHOD,
    ExtractiveSummarizer,
    RankerWeights,
    document_model,
    graph_blocks,
    is_junk,
    mmr_select,
    resolve_count,
    sentence_features,
)
from arsum.text.release import Release

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import rouge  # noqa: E402
from tinymodels import body_release  # noqa: E402

SENTS = [
    "أعلنت وزارة الصحة اليوم عن إطلاق حملة وطنية للتطعيم ضد الإنفلونزا الموسمية في جميع المناطق.",
    "وتستهدف الحملة كبار السن والأطفال والمصابين بالأمراض المزمنة.",
    "وقال المتحدث الرسمي إن اللقاح متوفر مجانا في المراكز الصحية.",
    "وأضاف أن الوزارة وفرت أكثر من مليوني جرعة من اللقاح.",
    "ودعت الوزارة المواطنين إلى المبادرة بأخذ اللقاح قبل بداية فصل الشتاء.",
    "وتأتي الحملة ضمن خطة الوزارة لتعزيز الصحة العامة.",
    "يذكر أن الحملة السابقة شملت نحو مليون ونصف مستفيد.",
]
TITLE = "وزارة الصحة تطلق حملة التطعيم ضد الإنفلونزا"


def release(sentences: list[str], title: str = TITLE, offset: int = 0) -> Release:
    return body_release(sentences, title=title, offset=offset, per_paragraph=2)


@pytest.fixture(scope="module")
def summ() -> ExtractiveSummarizer:
    return ExtractiveSummarizer()


@pytest.mark.parametrize(
    ("n", "count", "ratio", "expected"),
    [
        (0, None, None, 0),
        (0, 5, None, 0),
        (0, None, 0.5, 0),
        (10, None, None, 4),  # default: one per three sentences, rounded up
        (2, None, None, 1),
        (3, None, None, 1),
        (4, None, None, 2),
        (9, None, None, 3),
        (40, None, None, 5),  # at most MAX_DEFAULT_COUNT
        (10, 4, None, 4),
        (10, 50, None, 10),
        (10, None, 0.25, 3),
        (10, None, 0.01, 1),
        (10, None, 1.0, 10),
        (7, None, 0.5, 4),
        (1, 3, None, 1),
    ],
)
def test_resolve_count(n: int, count: int | None, ratio: float | None, expected: int) -> None:
    assert resolve_count(n, count, ratio) == expected


@pytest.mark.parametrize(("count", "ratio"), [(0, None), (-1, None), (None, 0.0), (None, 1.5), (2, 0.5)])
def test_resolve_count_rejects(count: int | None, ratio: float | None) -> None:
    with pytest.raises(UsageError):
        resolve_count(10, count, ratio)


@pytest.mark.parametrize(
    ("count", "ratio", "expected"),
    [(None, None, 3), (1, None, 1), (5, None, 5), (99, None, 7), (None, 0.3, 3), (None, 1.0, 7)],
)
def test_summary_count_order_verbatim_indices(
    summ: ExtractiveSummarizer, count: int | None, ratio: float | None, expected: int
) -> None:
    rel = release(SENTS, offset=10)
    out = summ.summarize(rel, count=count, ratio=ratio)
    idx = [s.index for s in out.sentences]
    assert len(out.sentences) == expected
    assert idx == sorted(idx) and len(set(idx)) == len(idx)
    by_index = {s.index: s.text for s in rel.sentences}
    for s in out.sentences:
        assert by_index[s.index] == s.text  # verbatim, and index is the Sentence.index
        assert math.isfinite(s.score)
    assert out.method == METHOD
    assert out.settings["count"] == expected
    assert out.settings["weights_version"] == summ.weights.version
    assert out.settings["mmr_lambda"] == summ.weights.mmr_lambda


@pytest.mark.parametrize("title", [TITLE, SENTS[0], ""])
def test_title_never_chosen(summ: ExtractiveSummarizer, title: str) -> None:
    body = SENTS[1:]
    out = summ.summarize(release(body, title=title), count=len(body))
    assert all(s.text in body for s in out.sentences)
    if title:
        assert title not in [s.text for s in out.sentences]


def test_deterministic(summ: ExtractiveSummarizer) -> None:
    a = summ.summarize(release(SENTS), count=3)
    b = ExtractiveSummarizer().summarize(release(SENTS), count=3)
    assert a == b
    assert summ.score(SENTS, TITLE) == summ.score(list(SENTS), TITLE)


@pytest.mark.parametrize(("sentences", "count", "expected"), [([], None, 0), ([], 3, 0), ([SENTS[2]], None, 1), ([SENTS[2]], 4, 1)])
def test_empty_and_single(summ: ExtractiveSummarizer, sentences: list[str], count: int | None, expected: int) -> None:
    out = summ.summarize(release(sentences), count=count)
    assert len(out.sentences) == expected
    assert [s.text for s in out.sentences] == sentences[:expected]
    assert len(summ.score(sentences)) == len(sentences)


@pytest.mark.parametrize("dup_at", [1, 3, 6])
def test_duplicate_not_picked_twice(summ: ExtractiveSummarizer, dup_at: int) -> None:
    sents = list(SENTS)
    sents.insert(dup_at, SENTS[0])  # exact copy of the lead
    texts = [s.text for s in summ.summarize(release(sents), count=4).sentences]
    assert texts.count(SENTS[0]) <= 1
    assert len(texts) == 4


def test_near_duplicate_not_picked_twice(summ: ExtractiveSummarizer) -> None:
    sents = [SENTS[0], SENTS[0].replace("أعلنت", "اعلنت").rstrip("."), *SENTS[1:]]  # alef/punctuation variant
    texts = [s.text for s in summ.summarize(release(sents), count=3).sentences]
    assert not (sents[0] in texts and sents[1] in texts)


def test_only_duplicates_gives_fewer(summ: ExtractiveSummarizer) -> None:
    out = summ.summarize(release([SENTS[1]] * 4), count=3)
    assert [s.index for s in out.sentences] == [0]


def test_features_shape_and_finite() -> None:
    for title in (None, TITLE):
        x = sentence_features(SENTS, title, [0, 0, 1, 1, 2, 2, 3])
        assert len(x) == len(SENTS)
        assert all(len(row) == len(FEATURE_NAMES) and all(map(math.isfinite, row)) for row in x)
    assert sentence_features([]) == []


def test_shipped_weights_shape() -> None:
    path = REPO / "arsum" / "data" / "extractive_weights.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURE_NAMES)
    for key in ("weights", "mean", "scale"):
        assert len(data[key]) == len(FEATURE_NAMES)
        assert all(np.isfinite(data[key]))
    assert 0.0 <= data["mmr_lambda"] <= 1.0
    w = RankerWeights.shipped()
    assert w.to_dict()["weights"] == data["weights"]
    assert RankerWeights.from_dict(w.to_dict()) == w


@pytest.mark.parametrize(
    ("change", "message"),
    [({"features": ["first"]}, "features"), ({"weights": [1.0]}, "weights"), ({"mmr_lambda": 2.0}, "mmr_lambda")],
)
def test_bad_weights_rejected(change: dict, message: str) -> None:
    data = RankerWeights.shipped().to_dict() | change
    with pytest.raises(ValueError, match=message):
        RankerWeights.from_dict(data)


def test_custom_weights_follow_position() -> None:
    """A ranker that only rewards `pos_inv` is lead-K: the weights are really what orders sentences."""
    w = tuple(1.0 if n == "pos_inv" else 0.0 for n in FEATURE_NAMES)
    s = ExtractiveSummarizer(RankerWeights("test", FEATURE_NAMES, w, 1.0))
    assert [x.index for x in s.summarize(release(SENTS), count=3).sentences] == [0, 1, 2]
    w = tuple(1.0 if n == "pos_rel" else 0.0 for n in FEATURE_NAMES)
    s = ExtractiveSummarizer(RankerWeights("test", FEATURE_NAMES, w, 1.0))
    assert [x.index for x in s.summarize(release(SENTS), count=2).sentences] == [5, 6]


def test_extractive_path_does_not_import_heavy_modules() -> None:
    """numpy alone costs ~100 ms of start-up; the extractive path is pure Python."""
    code = (
        "import sys\n"
        "from arsum.tasks.extractive import ExtractiveSummarizer\n"
        "from arsum.text.releases import parse_releases\n"
        f"text = {TITLE + chr(10) * 2 + ' '.join(SENTS)!r}\n"
        "[rel] = parse_releases(text, source='t', name='t', encoding='utf-8')\n"
        "out = ExtractiveSummarizer().summarize(rel, count=2)\n"
        "assert len(out.sentences) == 2, out\n"
        "bad = [m for m in ('numpy', 'torch', 'transformers', 'sklearn') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------ sparse math and huge releases

def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@pytest.mark.parametrize(("n", "cap", "sizes"), [(0, 4, []), (1, 4, [1]), (4, 4, [4]), (5, 4, [2, 3]), (9, 4, [3, 3, 3]), (401, 400, [200, 201])])
def test_graph_blocks(n: int, cap: int, sizes: list[int]) -> None:
    blocks = graph_blocks(n, cap)
    assert [len(b) for b in blocks] == sizes
    assert [i for b in blocks for i in b] == list(range(n))


@pytest.mark.parametrize("cap", [MAX_GRAPH_SENTENCES, 5, 3])
def test_sparse_similarity_matches_dense_cosines(cap: int) -> None:
    """Rows are the brute-force cosines restricted to the graph block; degree and centroid ignore the blocks."""
    sents = SENTS + [s[::-1] for s in SENTS[:4]] + SENTS[:2]
    m = document_model(sents, cap=cap)
    n = len(sents)
    dense = [[_cosine(m.vectors[i], m.vectors[j]) for j in range(n)] for i in range(n)]
    for i in range(n):
        block = next(b for b in m.blocks if i in b)
        row = m.similarity[i]
        assert set(row) <= set(block)
        for j in range(n):
            assert row.get(j, 0.0) == pytest.approx(dense[i][j] if j in block else 0.0, abs=1e-12)
            assert m.similarity.full(i).get(j, 0.0) == pytest.approx(dense[i][j], abs=1e-12)
    x = sentence_features(sents, None, None, m)
    degree = [sum(dense[i]) - dense[i][i] for i in range(n)]
    centroid = [sum(r) for r in dense]  # v_i . sum_j v_j, before scaling
    for col, ref in (("degree", degree), ("centroid", centroid)):
        got = [row[FEATURE_NAMES.index(col)] for row in x]
        assert got == pytest.approx([v / max(ref) for v in ref], abs=1e-12)
    lexrank = [row[FEATURE_NAMES.index("lexrank")] for row in x]
    assert max(lexrank) == pytest.approx(1.0) and min(lexrank) > 0


def _mmr_reference(scores: list[float], sim: list[list[float]], count: int, lam: float, keys: list[str]) -> list[int]:
    """The textbook O(n^2) loop: argmax over the unblocked sentences, first maximum wins."""
    lo, span = min(scores), max(scores) - min(scores)
    rel = [(x - lo) / span if span > 0 else 0.0 for x in scores]
    red = [0.0] * len(scores)
    blocked = [False] * len(scores)
    chosen: list[int] = []
    while len(chosen) < count and not all(blocked):
        value = [lam * r - (1.0 - lam) * d for r, d in zip(rel, red)]
        best = max((i for i in range(len(scores)) if not blocked[i]), key=lambda i: (value[i], -i))
        chosen.append(best)
        for j in range(len(scores)):
            red[j] = max(red[j], sim[best][j])
            blocked[j] = blocked[j] or j == best or sim[best][j] >= 0.95 or keys[j] == keys[best]
    return sorted(chosen)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("lam", [0.0, 0.5, 0.8, 1.0])
def test_mmr_heap_matches_reference(seed: int, lam: float) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    scores = [round(rng.random(), 1) for _ in range(n)]  # rounded: plenty of ties
    sim = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            sim[i][j] = sim[j][i] = 1.0 if i == j else rng.choice([0.0, 0.0, rng.random(), 0.96])
    keys = [str(rng.randint(0, n)) for _ in range(n)]
    sparse = [{j: v for j, v in enumerate(row) if v} for row in sim]
    for count in (1, 3, n):
        want = _mmr_reference(scores, sim, count, lam, keys)
        assert mmr_select(scores, sim, count, lam, keys) == want
        assert mmr_select(scores, sparse, count, lam, keys) == want


def test_blocked_features_equal_unblocked_under_cap() -> None:
    """A release at the cap uses one graph; cutting the same release into blocks changes only the graph features."""
    sents = SENTS * 2
    whole = sentence_features(sents, TITLE, None, document_model(sents, cap=len(sents)))
    split = sentence_features(sents, TITLE, None, document_model(sents, cap=len(sents) - 1))
    assert whole == sentence_features(sents, TITLE)
    for k, name in enumerate(FEATURE_NAMES):
        if name != "lexrank":
            assert [r[k] for r in whole] == pytest.approx([r[k] for r in split], abs=1e-12), name


HUGE = r"""
import json, random, resource, sys, time
from arsum.tasks.extractive import ExtractiveSummarizer
from arsum.text.release import Release, Sentence
words = sys.argv[1].split()
rng = random.Random(0)
n = int(sys.argv[2])
texts = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 8))) + "." for _ in range(n)]
rel = Release(id="huge#1", source="t", encoding="utf-8", title=texts[0], subtitle=None, desk=None, dateline=None,
              paragraphs=tuple(texts), sentences=tuple(Sentence(index=i, text=t, paragraph=i // 5) for i, t in enumerate(texts)))
summ = ExtractiveSummarizer()
t0 = time.perf_counter()
out = summ.summarize(rel, ratio=0.01)
seconds = time.perf_counter() - t0
idx = [s.index for s in out.sentences]
assert idx == sorted(set(idx)), idx
# VmHWM, not ru_maxrss: ru_maxrss survives exec, so it would count the forking pytest process's memory
with open("/proc/self/status", encoding="ascii") as status:
    hwm = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
peak_kb = hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"count": len(idx), "seconds": seconds, "peak_rss_mb": peak_kb / 1024}))
"""


def test_huge_release_is_bounded() -> None:
    """20,000 sentences (a dense n x n matrix alone would be 3.2 GB) finish, with 200 picks, in bounded memory.

    Run in a child process so its peak RSS is the summarizer's; the time is printed (pytest -s), not asserted.
    """
    words = " ".join(" ".join(SENTS).split()[:60])
    n = 20_000
    out = subprocess.run(
        [sys.executable, "-c", HUGE, words, str(n)], cwd=REPO, capture_output=True, text=True, check=True, timeout=600
    )
    res = json.loads(out.stdout)
    print(f"huge release: {res}")
    assert res["count"] == math.ceil(0.01 * n)
    assert res["peak_rss_mb"] < 1024


# ------------------------------------------------------------------ bench ROUGE scorer

@pytest.mark.parametrize(
    ("cand", "ref", "n", "p", "r"),
    [
        ("a b c", "a b c", 1, 1.0, 1.0),
        ("a b c", "a b c", 2, 1.0, 1.0),
        ("a b", "a b c d", 1, 1.0, 0.5),
        ("a b c d", "a b", 2, 1 / 3, 1.0),
        ("a a a", "a", 1, 1 / 3, 1.0),  # clipped counts
        ("x y", "a b", 1, 0.0, 0.0),
        ("", "a b", 1, 0.0, 0.0),
        ("a", "a", 2, 0.0, 0.0),  # no bigrams at all
    ],
)
def test_rouge_n(cand: str, ref: str, n: int, p: float, r: float) -> None:
    got = rouge.rouge_n(cand.split(), ref.split(), n)
    assert got.precision == pytest.approx(p) and got.recall == pytest.approx(r)
    f = 2 * p * r / (p + r) if p + r else 0.0
    assert got.f1 == pytest.approx(f)


@pytest.mark.parametrize(
    ("a", "b", "lcs"),
    [("a b c d", "a c d", 3), ("a b c", "c b a", 1), ("", "a", 0), ("a b a b", "b a b a", 3), ("x", "y", 0)],
)
def test_lcs(a: str, b: str, lcs: int) -> None:
    assert rouge.lcs_length(a.split(), b.split()) == lcs
    assert rouge.lcs_length(b.split(), a.split()) == lcs


def test_score_multi_averages_references() -> None:
    cand = "a b c".split()
    got = rouge.score_multi(cand, ["a b c".split(), "x y z".split()])
    assert got["rouge1"].recall == pytest.approx(0.5)
    assert got["rougeL"].f1 == pytest.approx(0.5)
    with pytest.raises(ValueError):
        rouge.score_multi(cand, [])


def _synthetic_prepared(n_docs: int = 6, n: int = 8) -> list:
    """Documents whose annotators favour early sentences, with random content features."""
    from easc import EascDoc
    from fit_extractive import Prepared

    rng = np.random.default_rng(0)
    out = []
    for d in range(n_docs):
        x = rng.normal(size=(n, len(FEATURE_NAMES)))
        idx = np.arange(n, dtype=float)
        for name, col in (("first", idx == 0), ("pos_inv", 1 / (1 + idx)), ("pos_rel", idx / (n - 1))):
            x[:, FEATURE_NAMES.index(name)] = col
        labels = tuple(float(v) for v in np.clip(0.9 - 0.1 * idx + rng.normal(0, 0.05, n), 0, 1))
        sentences = tuple([*SENTS, "وأكدت الوزارة استمرار الحملة حتى نهاية العام الجاري."][:n])
        doc = EascDoc(str(d), "", None, sentences, (0,) * n, (), (), labels, 3)
        out.append(Prepared(doc, x, document_model(sentences)))
    return out


def test_position_only_fit_is_lead_k() -> None:
    """The strongest L2 (infinity) zeroes every content weight and ranks by position: lead-K is in the family."""
    import math

    from fit_extractive import POSITION_FEATURES, _weights, fit_linear, summary_indices

    prepared = _synthetic_prepared()
    w, mean, scale = fit_linear(prepared, math.inf)
    for name, value in zip(FEATURE_NAMES, w):
        assert (value == 0.0) != (name in POSITION_FEATURES)
    model = _weights(w, mean, scale, 1.0)
    assert all(summary_indices(p, model) == [0, 1, 2] for p in prepared)
    w_finite, _, _ = fit_linear(prepared, 1.0)
    assert np.count_nonzero(w_finite) == len(FEATURE_NAMES)


JUNK_FIRST = [
    "صورة من الحفل",  # a caption-like label
    "وجاء في البيان ما يلي:",  # a lead-in: what it introduces follows
    "www.example.com/news/2015/08/10/item",  # not Arabic
    *SENTS,
]


def test_junk_never_outranks_content(summ: ExtractiveSummarizer) -> None:
    picked = summ.summarize(release(JUNK_FIRST), count=4).sentences
    assert [s.index for s in picked] == [3, 4, 5, 6]  # the first content sentences, in order


def test_junk_fills_only_what_content_cannot(summ: ExtractiveSummarizer) -> None:
    picked = summ.summarize(release(JUNK_FIRST[:3] + SENTS[:1]), count=2).sentences
    assert len(picked) == 2 and 3 in [s.index for s in picked]


@pytest.mark.parametrize(("n", "expected"), [(1, 1), (3, 1), (4, 2), (7, 3)])
def test_default_count_grows_with_the_release(summ: ExtractiveSummarizer, n: int, expected: int) -> None:
    summary = summ.summarize(release(SENTS[:n]))
    assert len(summary.sentences) == expected == summary.settings["count"]


def test_a_long_lead_in_ending_on_a_colon_is_content(summ: ExtractiveSummarizer) -> None:
    lead_in = "وبعد الاطلاع على ما رفعته وزارة الصحة في هذا الشأن قرر مجلس الوزراء ما يلي:"
    picked = summ.summarize(release([lead_in, *SENTS]), count=2).sentences
    assert [s.index for s in picked] == [0, 1]


# Five units whose features can be worked out by hand: tokens 7, 6, 3, 3, 4; paragraphs 0, 0, 1, 1, 2.
SHAPES = [
    "أعلنت الوزارة 2024 عن الخطة الجديدة اليوم.",
    "see www example com now ok",
    "وأضاف في بيانه:",
    "هل تنجح الحملة؟",
    "قال «نحن هنا» الوزير",
]


@pytest.mark.parametrize(("feature", "paragraphs", "expected"), [
    ("first", [0, 0, 1, 1, 2], [1, 0, 0, 0, 0]),
    ("pos_inv", [0, 0, 1, 1, 2], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]),
    ("pos_rel", [0, 0, 1, 1, 2], [0, 0.25, 0.5, 0.75, 1]),
    ("para_start", [0, 0, 1, 1, 2], [1, 0, 1, 0, 1]),
    ("para_start", None, [1, 0, 0, 0, 0]),  # no paragraph numbers: one paragraph
    ("first_para", [0, 0, 1, 1, 2], [1, 1, 0, 0, 0]),
    ("first_para", [1, 1, 2, 2, 3], [1, 1, 0, 0, 0]),
    ("first_para", None, [1, 1, 1, 1, 1]),
    ("log_len", None, [math.log1p(7), math.log1p(6), math.log1p(3), math.log1p(3), math.log1p(4)]),
    ("short", None, [0, 0, 1, 1, 1]),
    ("digits", None, [1 / 7, 0, 0, 0, 0]),
    ("quote", None, [0, 0, 0, 0, 1]),
    ("colon_end", None, [0, 0, 1, 0, 0]),
    ("question", None, [0, 0, 0, 1, 0]),
    ("non_arabic", None, [1 / 7, 1, 0, 0, 0]),
])
def test_sentence_feature_values(feature: str, paragraphs: list[int] | None, expected: list[float]) -> None:
    column = FEATURE_NAMES.index(feature)
    rows = sentence_features(SHAPES, None, paragraphs)
    assert [row[column] for row in rows] == pytest.approx(expected)


def test_headline_feature_is_the_similarity_to_the_title_or_else_to_the_first_sentence() -> None:
    sentences = ["افتتح الأمير المعرض الدولي للكتاب", "وزار الوفد مصنع الإسمنت الجديد", "وشهد الحفل عرضا فنيا"]
    column = FEATURE_NAMES.index("headline")
    with_title = [row[column] for row in sentence_features(sentences, "مصنع الإسمنت الجديد")]
    assert with_title[1] > 0 and with_title[0] == with_title[2] == 0
    without = [row[column] for row in sentence_features(sentences, None)]
    assert without == pytest.approx([1.0, 0.0, 0.0])


def test_tfidf_is_log_damped_with_smoothed_idf_and_unit_length() -> None:
    vectors = extractive._tfidf([["a", "a", "b"], ["b", "c"], []])
    idf_rare, idf_b = math.log(4 / 2) + 1, math.log(4 / 3) + 1  # n = 3 documents; df(a) = df(c) = 1, df(b) = 2
    a, b = math.log1p(2) * idf_rare, math.log1p(1) * idf_b
    assert vectors[0] == pytest.approx({"a": a / math.hypot(a, b), "b": b / math.hypot(a, b)})
    c = math.log1p(1) * idf_rare
    assert vectors[1] == pytest.approx({"b": b / math.hypot(b, c), "c": c / math.hypot(b, c)})
    assert vectors[2] == {}


def test_document_model_keys_are_the_normalised_text() -> None:
    assert document_model(SHAPES[:2]).keys == ["اعلنت الوزاره 2024 عن الخطه الجديده اليوم", "see www example com now ok"]


@pytest.mark.parametrize(("tokens", "colon", "junk"), [
    (4, False, True), (5, False, False),    # MIN_CONTENT_WORDS
    (9, True, True), (10, True, False),     # a lead-in on ':' is junk only under MIN_LEAD_IN_WORDS
])
def test_junk_length_limits(tokens: int, colon: bool, junk: bool) -> None:
    words = ["كلمة"] * tokens
    assert is_junk(" ".join(words) + (":" if colon else "."), words) is junk


@pytest.mark.parametrize(("latin", "arabic_words", "junk"), [(3, 3, False), (4, 3, True), (3, 2, True)])
def test_junk_when_more_than_half_is_not_arabic(latin: int, arabic_words: int, junk: bool) -> None:
    words = ["word"] * latin + ["كلمة"] * arabic_words
    assert is_junk(" ".join(words), words) is junk
    assert is_junk(" ".join(words), words, arabic=False) is False


def test_count_and_ratio_together_is_refused_by_name() -> None:
    with pytest.raises(UsageError, match=r"^give either a sentence count or a ratio, not both$"):
        resolve_count(5, 2, 0.5)


def _weights_on(feature: str) -> RankerWeights:
    return RankerWeights("test", FEATURE_NAMES, tuple(1.0 if n == feature else 0.0 for n in FEATURE_NAMES), 1.0)


def test_score_and_select_use_paragraphs_and_title() -> None:
    by_paragraph = ExtractiveSummarizer(_weights_on("para_start"))
    assert by_paragraph.score(SENTS, None, [0, 0, 0, 1, 1, 1, 1]) == [1, 0, 0, 1, 0, 0, 0]
    assert [s.index for s in by_paragraph.select(SENTS, None, 2, [0, 0, 0, 1, 1, 1, 1])] == [0, 3]
    by_title = ExtractiveSummarizer(_weights_on("headline"))
    picked = by_title.select(SENTS, "المواطنين المبادرة بأخذ اللقاح قبل بداية فصل الشتاء", 1)
    assert [s.index for s in picked] == [4]


def test_summary_settings_are_recorded(summ: ExtractiveSummarizer) -> None:
    weights = summ.weights
    assert summ.summarize(release(SENTS), count=2).settings == {
        "count": 2, "requested_count": 2, "ratio": None, "mmr_lambda": weights.mmr_lambda,
        "weights_version": weights.version,
    }
    assert summ.summarize(release(SENTS), ratio=0.5).settings["requested_count"] is None


def test_weights_round_trip_every_field() -> None:
    n = len(FEATURE_NAMES)
    data = {"version": "v-test", "features": list(FEATURE_NAMES), "weights": [0.5] * n, "mmr_lambda": 0.25,
            "mean": [0.1] * n, "scale": [2.0] * n, "info": {"fitted_on": "x"}}
    weights = RankerWeights.from_dict(data)
    assert (weights.version, weights.mean, weights.scale, weights.info) == ("v-test", (0.1,) * n, (2.0,) * n, {"fitted_on": "x"})
    assert weights.to_dict() == data
    with pytest.raises(ValueError, match=r"^mean has 1 values, expected"):
        RankerWeights.from_dict(data | {"mean": [0.0]})


@pytest.mark.parametrize(("content", "problem"), [
    (None, "arsum/data/extractive_weights.json: missing from the installed package"),
    ("{}", r"arsum/data/extractive_weights.json: invalid ranker weights \('version'\)"),
])
def test_broken_shipped_weights_are_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   content: str | None, problem: str) -> None:
    if content is not None:
        (tmp_path / extractive.WEIGHTS_RESOURCE).write_text(content, encoding="utf-8")
    monkeypatch.setattr(extractive.resources, "files", lambda package: tmp_path)
    with pytest.raises(ConfigError, match=f"^{problem}$"):
        RankerWeights.shipped()
