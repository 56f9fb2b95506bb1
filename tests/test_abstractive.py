"""English summaries: the three strategies, chunking of long input, laziness."""

from __future__ import annotations

from pathlib import Path

import pytest
import tinymodels

from arsum.errors import ModelUnavailable, UsageError
from arsum.models.config import STRATEGIES as CONFIG_STRATEGIES
from arsum.models.config import load_config
from arsum.models.engine import build_engine
from arsum.tasks.abstractive import (
    STRATEGIES,
    build_english_summarizer,
    chunk_sentences,
    split_english_sentences,
    strategy_specs,
)
from arsum.tasks.results import ArabicSummary, ScoredSentence
from arsum.tasks.translation import release_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Mr. Smith met Dr. Jones in the U.S. capital. They talked.", ["Mr. Smith met Dr. Jones in the U.S. capital.", "They talked."]),
        ("He said \"Yes.\" Then he left.", ["He said \"Yes.\"", "Then he left."]),
        ("Growth was 3.5 percent. Prices rose.", ["Growth was 3.5 percent.", "Prices rose."]),
        ("J. K. Rowling wrote it. Done", ["J. K. Rowling wrote it.", "Done"]),
        ("no punctuation at all", ["no punctuation at all"]),
        ("   ", []),
    ],
)
def test_split_english_sentences(text: str, expected: list[str]) -> None:
    assert split_english_sentences(text) == expected


def tiny_config(tmp_path: Path, mt5: Path, marian: Path, max_tokens: int) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.tiny-sum]\nsource = "{mt5}"\nfamily = "mt5"\ntasks = ["summarize"]\ntgt_lang = "en"\n'
        f"max_input_tokens = {max_tokens}\n"
        f"[models.tiny-sum.generation]\nnum_beams = 2\nmax_new_tokens = 12\nno_repeat_ngram_size = 2\n"
        f'[models.tiny-mt]\nsource = "{marian}"\nfamily = "marian"\ntasks = ["translate"]\ntgt_lang = "en"\nmax_input_tokens = 200\n'
        f"[models.tiny-mt.generation]\nnum_beams = 1\nmax_new_tokens = 8\n"
        f'[routing.translate]\nen = "tiny-mt"\n'
        f'[routing.summarize]\nenglish = "tiny-sum"\nenglish_summarizer = "tiny-sum"\n',
        encoding="utf-8",
    )
    return path


def arabic_summary(n: int = 3) -> ArabicSummary:
    release = tinymodels.make_release()
    return ArabicSummary(
        sentences=tuple(ScoredSentence(index=s.index, text=s.text, score=1.0) for s in release.sentences[:n]),
        method="test",
    )


def test_chunks_fit_the_model_and_lose_nothing(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 48), {})
    engine = build_engine(config.model("tiny-sum"), device="cpu")
    sentences = [text for _, _, text in release_segments(tinymodels.make_release())]
    chunks = chunk_sentences(engine, sentences, 48)
    assert len(chunks) > 2
    assert max(engine.count_tokens(chunks)) <= 48
    assert " ".join(chunks).split() == " ".join(sentences).split()
    whole = engine.count_tokens([" ".join(sentences)])[0]
    assert whole > 48


def test_crosslingual_long_input_is_chunked_and_says_so(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 48), {})
    summarizer = build_english_summarizer(config, device="cpu")
    summary, warnings = summarizer.summarize(tinymodels.make_release(), arabic_summary())
    assert summary.strategy == "crosslingual" and summary.model == str(tiny_mt5)
    assert summary.chunks > 2
    assert any("chunks for tiny-sum (max 48)" in w and f"into {summary.chunks} chunks" in w for w in warnings)
    assert summary.generation["num_beams"] == 2 and summary.generation["target_token"] == "<extra_id_3>"
    assert summary.text and [s.text for s in summary.sentences] == split_english_sentences(summary.text)
    assert all(s.support is None for s in summary.sentences)


def test_crosslingual_short_input_is_one_chunk(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 512), {})
    short = tinymodels.make_release("عنوان قصير\nزار الرئيس بروكسل. وأجرى مناقشات مفصلة.\nفقرة أخرى.")
    summary, warnings = build_english_summarizer(config, device="cpu").summarize(short, arabic_summary())
    assert summary.chunks == 1 and warnings == () and summary.text


def test_model_override_for_crosslingual(tiny_marian: Path) -> None:
    summarizer = build_english_summarizer(load_config(), model=str(tiny_marian), device="cpu")
    summary, _ = summarizer.summarize(tinymodels.make_release(), arabic_summary())
    assert summary.model == str(tiny_marian) and summary.text


def test_extract_then_translate_keeps_one_sentence_per_extract(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 512), {})
    summarizer = build_english_summarizer(config, strategy="extract-then-translate", device="cpu")
    extract = arabic_summary(4)
    summary, warnings = summarizer.summarize(tinymodels.make_release(), extract)
    assert summary.strategy == "extract-then-translate" and summary.model == str(tiny_marian)
    assert [s.sources for s in summary.sentences] == [(s.index,) for s in extract.sentences]
    assert summary.text == " ".join(s.text for s in summary.sentences) and warnings == ()


def test_translate_then_summarize_records_both_models(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path) -> None:
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 64), {})
    summarizer = build_english_summarizer(config, strategy="translate-then-summarize", device="cpu")
    summary, _ = summarizer.summarize(tinymodels.make_release(), arabic_summary())
    assert summary.strategy == "translate-then-summarize" and summary.model == str(tiny_mt5)
    assert summary.generation["translator"] == str(tiny_marian) and summary.text


def test_construction_is_lazy_and_missing_model_is_reported_at_use() -> None:
    summarizer = build_english_summarizer(load_config())
    with pytest.raises(ModelUnavailable) as err:
        summarizer.summarize(tinymodels.make_release(), arabic_summary())
    assert err.value.hint.startswith("run `arsum models pull crosssum-m2m` where the hub is reachable; offline, use "
                                     "`arsum models import ARCHIVE|FOLDER`") and "-m FOLDER" in err.value.hint


@pytest.mark.parametrize(
    ("strategy", "model", "expected"),
    [
        ("crosslingual", None, {"summarizer": "tiny-sum"}),
        ("crosslingual", "tiny-mt", {"summarizer": "tiny-mt"}),
        ("translate-then-summarize", None, {"translator": "tiny-mt", "english_summarizer": "tiny-sum"}),
        ("translate-then-summarize", "tiny-sum", {"translator": "tiny-sum", "english_summarizer": "tiny-sum"}),
        ("extract-then-translate", None, {"translator": "tiny-mt"}),
    ],
)
def test_strategy_roles_and_model_override(tmp_path: Path, tiny_mt5: Path, tiny_marian: Path, strategy: str,
                                           model: str | None, expected: dict[str, str]) -> None:
    """Each strategy declares its roles; --model replaces the first (main) one only."""
    config = load_config(tiny_config(tmp_path, tiny_mt5, tiny_marian, 64), {})
    specs = strategy_specs(config, strategy, model)
    assert {role: spec.name for role, spec in specs.items()} == expected
    assert tuple(specs) == STRATEGIES[strategy].roles
    summarizer = build_english_summarizer(config, strategy=strategy, model=model, device="cpu")
    summarizer.summarize(tinymodels.make_release(), arabic_summary())
    assert [(run.role, run.name, run.commit) for run in summarizer.model_runs()] == [
        (role, name, None) for role, name in expected.items()]


def test_registry_names_are_the_configurable_ones() -> None:
    assert tuple(STRATEGIES) == CONFIG_STRATEGIES
    assert all(cls.name == name for name, cls in STRATEGIES.items())


def test_unknown_strategy() -> None:
    with pytest.raises(UsageError, match="unknown strategy"):
        build_english_summarizer(load_config(), strategy="magic")
