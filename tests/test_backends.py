"""One behaviour, two backends: the same cases through transformers and CTranslate2 on the tiny models.

Every test builds its engines for both backends from one spec and asserts that counts, chunks, truncation
flags, warnings and outputs agree, besides what each case must show on its own (so a backend that
capped its token counts, or an engine that spread warnings over a window, fails here).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import tinymodels

from arsum.models.config import GenerationSettings, ModelSpec
from arsum.models.engine import Engine, build_engine
from arsum.tasks.abstractive import CrosslingualStrategy, chunk_sentences
from arsum.tasks.results import ArabicSummary
from arsum.tasks.translation import (
    Seq2SeqTranslator,
    release_segments,
    translate_releases,
)

pytest.importorskip("ctranslate2")

BACKENDS = ("transformers", "ctranslate2")
GREEDY = GenerationSettings(num_beams=1, max_new_tokens=10)
LINES = tinymodels.sample_lines()[2:9]
LONG = " ".join(tinymodels.sample_lines()[2:6])  # one "sentence" far longer than the small limits below
SHORT = "زار الرئيس بروكسل."

# fixture key, family, target, extra spec fields
FAMILIES = {
    "marian": ("marian", None, {}),
    "mt5": ("mt5", "en", {"tgt_lang": "en"}),
    "nllb-en": ("nllb", "en", {"src_lang": "arb_Arab", "max_input_tokens": 200}),  # the tiny NLLB has 256 positions
    "nllb-fr": ("nllb", "fr", {"src_lang": "arb_Arab", "max_input_tokens": 200}),
}


def engines(tiny_models: dict[str, Path], converted: dict[str, Path], case: str, **fields: object) -> dict[str, Engine]:
    """The same spec on each backend (CTranslate2 reads the conversion of the same tiny model)."""
    family, _, extra = FAMILIES[case]
    key = case.split("-")[0]
    spec = ModelSpec(name=f"tiny-{case}", source=str(tiny_models[key]), family=family, ct2_path=str(converted[key]),
                     **{"generation": GREEDY, **extra, **fields})  # type: ignore[arg-type]
    return {backend: build_engine(replace(spec, backend=backend), device="cpu") for backend in BACKENDS}


def same(results: dict[str, object]) -> object:
    """The one value every backend gave (fails, showing all of them, when they differ)."""
    assert results["transformers"] == results["ctranslate2"], results
    return results["transformers"]


@pytest.mark.parametrize("case", ["marian", "mt5", "nllb-en"])
def test_token_counts_are_untruncated_on_both(tiny_models: dict[str, Path], converted: dict[str, Path],
                                              case: str) -> None:
    """The review's probe: with a limit of 8, a 31-token sentence must count 31, not 8, on every backend."""
    pair = engines(tiny_models, converted, case, max_input_tokens=8)
    counts = same({b: e.count_tokens([LONG, *LINES[:3], ""]) for b, e in pair.items()})
    assert counts[0] > 8 * 3, "the long input must be far over the limit for this test to mean anything"


@pytest.mark.parametrize("case", ["marian", "mt5", "nllb-en"])
def test_over_long_input_is_truncated_with_a_flag_only_on_it(tiny_models: dict[str, Path], converted: dict[str, Path],
                                                             case: str) -> None:
    pair = engines(tiny_models, converted, case, max_input_tokens=16)
    _, target, _ = FAMILIES[case]
    assert same({b: e.count_tokens([SHORT]) for b, e in pair.items()})[0] <= 16
    texts = [SHORT, LONG, "", SHORT]
    generated = {b: e.generate(texts, target=target) for b, e in pair.items()}
    assert same({b: g.truncated for b, g in generated.items()}) == (False, True, False, False)
    assert same({b: g.warnings for b, g in generated.items()}) == (
        f"1 input(s) longer than 16 tokens were truncated for tiny-{case}",)
    outputs = same({b: g.texts for b, g in generated.items()})
    assert outputs[1] and outputs[2] == "" and outputs[0] == outputs[3]


@pytest.mark.parametrize("case", ["marian", "nllb-en"])
def test_empty_input(tiny_models: dict[str, Path], converted: dict[str, Path], case: str) -> None:
    """Empty and blank inputs give empty outputs, unflagged, and an all-empty call loads no model."""
    pair = engines(tiny_models, converted, case)
    for engine in pair.values():
        nothing = engine.generate(["", "  \n "])
        assert (nothing.texts, nothing.truncated, nothing.warnings) == (("", ""), (False, False), ())
        assert engine.generate([]).texts == ()
    assert same({b: e.count_tokens([]) for b, e in pair.items()}) == []


@pytest.mark.parametrize("case", ["marian", "mt5", "nllb-en"])
def test_batching_keeps_order_and_equals_one_by_one(tiny_models: dict[str, Path], converted: dict[str, Path],
                                                    case: str) -> None:
    _, target, _ = FAMILIES[case]
    pair = engines(tiny_models, converted, case)
    texts = [LINES[0], "", *LINES[1:5], LINES[0]]
    batched = same({b: e.generate(texts, target=target).texts for b, e in pair.items()})
    for backend, engine in pair.items():
        small = Engine(engine.spec, engine.backend, max_batch_size=2)
        assert small.generate(texts, target=target).texts == batched, backend
        assert small.generate(texts[::-1], target=target).texts == batched[::-1], backend
    assert len(set(batched)) > 3, "tiny model output must depend on its input"


@pytest.mark.parametrize(("case", "token"), [("mt5", "<extra_id_3>"), ("nllb-en", "eng_Latn"), ("nllb-fr", "fra_Latn"),
                                             ("marian", None)])
def test_target_language_tokens(tiny_models: dict[str, Path], converted: dict[str, Path], case: str,
                                token: str | None) -> None:
    """The mT5 token comes from crossSum's langid_map: config.json for one backend, arsum_ct2.json for the other."""
    _, target, _ = FAMILIES[case]
    pair = engines(tiny_models, converted, case)
    assert same({b: e.target_token(target) for b, e in pair.items()}) == token
    same({b: e.generate(LINES, target=target).texts for b, e in pair.items()})


@pytest.mark.parametrize("case", ["marian", "mt5", "nllb-en"])
@pytest.mark.parametrize(("beams", "length_penalty", "no_repeat"), [(3, 1.0, 0), (4, 2.0, 0), (1, 1.0, 2), (4, 1.0, 2)])
def test_beam_settings(tiny_models: dict[str, Path], converted: dict[str, Path], case: str, beams: int,
                       length_penalty: float, no_repeat: int) -> None:
    """Same words for beam search and for greedy n-gram blocking; beam search *with* n-gram blocking ranks
    hypotheses differently in CTranslate2 (measured on these models), so there only the shape must agree."""
    _, target, _ = FAMILIES[case]
    settings = GenerationSettings(num_beams=beams, max_new_tokens=12, length_penalty=length_penalty,
                                  no_repeat_ngram_size=no_repeat)
    pair = engines(tiny_models, converted, case, generation=settings, max_input_tokens=24)
    texts = [*LINES[:3], "", SHORT]
    generated = {b: e.generate(texts, target=target) for b, e in pair.items()}
    same({b: (g.truncated, g.warnings, [bool(t) for t in g.texts]) for b, g in generated.items()})
    if beams == 1 or not no_repeat:
        same({b: g.texts for b, g in generated.items()})


def test_a_long_release_is_chunked_the_same_way(tiny_models: dict[str, Path], converted: dict[str, Path]) -> None:
    """Chunking relies on the counts: on both backends the over-long sentence is split, nothing cut off."""
    pair = engines(tiny_models, converted, "mt5", max_input_tokens=24)
    sentences = [text for _, _, text in release_segments(tinymodels.make_release())] + [LONG]
    chunks = same({b: chunk_sentences(e, sentences, 24) for b, e in pair.items()})
    assert len(chunks) > 3 and " ".join(chunks).split() == " ".join(sentences).split()
    assert max(pair["ctranslate2"].count_tokens(chunks)) <= 24
    release = tinymodels.make_release()
    extract = ArabicSummary(sentences=(), method="test")
    summaries = {b: CrosslingualStrategy(e).summarize(release, extract) for b, e in pair.items()}
    warnings = same({b: w for b, (_, w) in summaries.items()})
    chunk_counts = same({b: s.chunks for b, (s, _) in summaries.items()})
    assert chunk_counts > 1 and any(f"split into {chunk_counts} chunks for tiny-mt5 (max 24)" in w for w in warnings)
    same({b: s.text for b, (s, _) in summaries.items()})


@pytest.mark.parametrize("long_first", [False, True])
def test_a_window_warns_only_on_the_over_long_release(tiny_models: dict[str, Path], converted: dict[str, Path],
                                                      long_first: bool) -> None:
    """translate batches a window of releases in one engine call; each record says only what happened to it."""
    plain = tinymodels.make_release("عنوان قصير\nزار الرئيس بروكسل. وأجرى مناقشات.\nفقرة أخرى.", release_id="plain")
    long = tinymodels.make_release(f"عنوان\n{LONG}\nفقرة قصيرة.", release_id="long")
    probe = engines(tiny_models, converted, "marian")["transformers"]
    limit = max(probe.count_tokens([text for _, _, text in release_segments(plain)]))
    over = sum(n > limit for n in probe.count_tokens([text for _, _, text in release_segments(long)]))
    assert over == 1
    window = [long, plain] if long_first else [plain, long]
    records = {}
    for backend, engine in engines(tiny_models, converted, "marian", max_input_tokens=limit).items():
        records[backend] = translate_releases(Seq2SeqTranslator(engine), window)
    by_id = {b: {r.release.id: r.warnings for r in rs} for b, rs in records.items()}
    assert same(by_id) == {"plain": (), "long": (f"1 input(s) longer than {limit} tokens were truncated for tiny-marian",)}
    same({b: [[p.translation for p in r.pairs] for r in rs] for b, rs in records.items()})


@pytest.mark.parametrize(("threads", "split"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 1)), (4, (4, 1)), (8, (4, 2)),
                                                (16, (4, 4)), (6, (6, 1)), (12, (4, 3))])
def test_cpu_threads_are_split_into_workers(threads: int, split: tuple[int, int]) -> None:
    from arsum.models.ctranslate2_backend import cpu_threads_split

    workers, per_worker = cpu_threads_split(threads)
    assert (workers, per_worker) == split and workers * per_worker <= threads


@pytest.mark.parametrize("case", ["marian", "nllb-en"])
def test_ctranslate2_workers_side_by_side_give_the_same_outputs(tiny_models: dict[str, Path], converted: dict[str, Path],
                                                                case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, target, _ = FAMILIES[case]
    texts = [*LINES, LINES[0], "", *(line[: len(line) // 2] for line in LINES)]
    one_by_one = [engines(tiny_models, converted, case)["transformers"].generate([t], target=target).texts[0]
                  for t in texts]
    monkeypatch.setenv("ARSUM_THREADS", "3")
    ct2 = engines(tiny_models, converted, case)["ctranslate2"]
    parallel = Engine(ct2.spec, ct2.backend, max_batch_size=2)
    assert parallel.generate(texts, target=target).texts == tuple(one_by_one)
    assert ct2.backend.parallel_batches == 3  # type: ignore[attr-defined]
    assert ct2.backend.loaded.translator.num_translators == 3  # type: ignore[attr-defined]
