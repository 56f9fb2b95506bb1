"""Windows of releases (tasks/pipeline.py, tasks/translation.py): releases are batched for speed, but each result
is its own release's, in input order, with only its own warnings, whatever the window size.

The support encoder is a fake (deterministic vectors from a hash of the text), so support scores, flags and
warnings vary from sentence to sentence without a real encoder; the models are the tiny ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.api import parse_releases
from arsum.cli.app import app
from arsum.tasks import pipeline
from arsum.tasks.translation import release_segments

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
WINDOW_SIZES = [1, 3, 16]  # one at a time, windows of 3, 3, 3 and 2, all in one


class HashEncoder:
    """Unit vectors in 3 dimensions from a hash of each text: cosines spread over [-1, 1], the same every run."""

    name = "hash-encoder"

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            vector = np.frombuffer(digest[:12], dtype=np.int32).astype(np.float64)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows).reshape(len(texts), 3)


@pytest.fixture
def hash_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks import support

    monkeypatch.setattr(support, "get_encoder", lambda name=None, revision=None: HashEncoder())


def _releases_text(count: int) -> str:
    """`count` releases of unequal, shuffled lengths (1 to 9 body sentences), each with its own title."""
    sentences = [s.text for s in next(iter(parse_releases(SEED.read_text(encoding="utf-8")))).sentences]
    lengths = [(k * 5) % 9 + 1 for k in range(count)]  # 1, 6, 2, 7, 3, 8, 4, 9, 5, 1, ...: never sorted
    releases = []
    for k, length in enumerate(lengths):
        body = [sentences[(k + i) % len(sentences)] for i in range(length)]
        releases.append(f"بيان رقم {k + 1} عن الحوار\n\n" + "\n".join(body))
    return "\n---\n".join(releases) + "\n"


def _run(*args: str, input: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "-f", "jsonl"], input=input)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _expected(text: str) -> list[Any]:
    return list(parse_releases(text, name="stdin"))


@pytest.mark.parametrize("window", WINDOW_SIZES)
def test_translate_output_is_in_input_order_whatever_the_window(
    window: int, tiny_marian: Path, hash_encoder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "TRANSLATE_WINDOW", window)
    text = _releases_text(11)
    records = _run("translate", "--model", str(tiny_marian), input=text)
    expected = _expected(text)
    assert [r["id"] for r in records] == [f"stdin#{k}" for k in range(1, 12)]
    for record, release in zip(records, expected, strict=True):
        assert record["title"] == release.title
        assert [(p["index"], p["source"]) for p in record["pairs"]] == [(i, t) for i, _, t in release_segments(release)]


@pytest.mark.parametrize("window", [3, 16])
def test_translations_do_not_depend_on_the_window(
    window: int, tiny_marian: Path, hash_encoder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release translated in a window of others gets the same pairs, supports and warnings as alone."""
    text = _releases_text(7)
    monkeypatch.setattr(pipeline, "TRANSLATE_WINDOW", 1)
    alone = _run("translate", "--model", str(tiny_marian), input=text)
    monkeypatch.setattr(pipeline, "TRANSLATE_WINDOW", window)
    assert _run("translate", "--model", str(tiny_marian), input=text) == alone


@pytest.mark.parametrize("window", WINDOW_SIZES)
def test_summarize_output_is_in_input_order_whatever_the_window(
    window: int, hub_models: None, hash_encoder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "SUMMARIZE_WINDOW", window)
    text = _releases_text(11)
    records = _run("summarize", "--backend", "transformers", input=text)
    assert [r["id"] for r in records] == [f"stdin#{k}" for k in range(1, 12)]
    for record, release in zip(records, _expected(text), strict=True):
        assert record["title"] == release.title and record["sentences"] == len(release.sentences)
        body = [s.text for s in release.sentences]
        assert [s["text"] for s in record["arabic_summary"]] == [body[s["index"]] for s in record["arabic_summary"]]
        assert record["english_summary"]["sentences"] and record["support"] is not None
        assert all(s["support"] is not None for s in record["english_summary"]["sentences"])
    if window > 1:  # the same records as one release at a time
        monkeypatch.setattr(pipeline, "SUMMARIZE_WINDOW", 1)
        assert _run("summarize", "--backend", "transformers", input=text) == records


def _support_warnings(record: dict[str, Any]) -> list[str]:
    return [w for w in record["warnings"] if re.search(r": (support|number) ", w)]


def _flag_count(items: list[dict[str, Any]]) -> int:
    return sum(1 for item in items for flag in item["flags"] if flag == "low-support" or flag.startswith("number-"))


@pytest.mark.parametrize("window", [3, 16])
def test_translate_support_warnings_belong_to_their_release(
    window: int, tiny_marian: Path, hash_encoder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "TRANSLATE_WINDOW", window)
    records = _run("translate", "--model", str(tiny_marian), input=_releases_text(9))
    counts = []
    for record in records:
        warnings = _support_warnings(record)
        assert len(warnings) == _flag_count(record["pairs"]), (record["id"], warnings)
        for pair in record["pairs"]:
            if "low-support" in pair["flags"]:
                label = f"sentence {pair['index'] + 1}" if pair["index"] >= 0 else {-1: "title", -2: "subtitle"}[pair["index"]]
                assert any(w.startswith(f"translation {label}: support {pair['support']:.2f}") for w in warnings)
        counts.append(len(warnings))
    assert len(set(counts)) > 1 and max(counts) > 0  # the window mixes releases with and without warnings


@pytest.mark.parametrize("window", [3, 8])
def test_summary_support_warnings_belong_to_their_release(
    window: int, hub_models: None, hash_encoder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "SUMMARIZE_WINDOW", window)
    records = _run("summarize", "--backend", "transformers", input=_releases_text(9))
    counts = []
    for record in records:
        sentences = record["english_summary"]["sentences"]
        warnings = _support_warnings(record)
        assert len(warnings) == _flag_count(sentences), (record["id"], warnings)
        for n, sentence in enumerate(sentences, start=1):
            if "low-support" in sentence["flags"]:
                assert any(w.startswith(f"english summary sentence {n}: support {sentence['support']:.2f}")
                           for w in warnings)
        counts.append(len(warnings))
    assert len(set(counts)) > 1 and max(counts) > 0


@pytest.fixture
def short_translator(tmp_path: Path) -> Path:
    """A models.toml where the default English translator takes only 40 tokens: long sentences are cut."""
    path = tmp_path / "models.toml"
    path.write_text("[models.opus-mt-tc-big-ar-en]\nmax_input_tokens = 40\n", encoding="utf-8")
    return path


def _truncation(record: dict[str, Any], model: str) -> list[str]:
    return [w for w in record["warnings"] if "truncated" in w and model in w]


@pytest.mark.parametrize("strategy", ["translate-then-summarize", "extract-then-translate"])
def test_summary_keeps_the_translators_truncation_warnings(strategy: str, hub_models: None, short_translator: Path) -> None:
    short = "خبر قصير\n\nقال الوزير اليوم.\n"
    text = SEED.read_text(encoding="utf-8") + "\n---\n" + short
    records = _run("summarize", "--strategy", strategy, "--config", str(short_translator), "--no-support",
                   "--backend", "transformers", "-n", "5", input=text)
    long_release, short_release = records
    assert _truncation(long_release, "opus-mt-tc-big-ar-en"), long_release["warnings"]
    assert not _truncation(short_release, "opus-mt-tc-big-ar-en"), short_release["warnings"]


def test_translate_truncation_warning_only_on_the_long_release(tiny_marian: Path, tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text(
        f'[models.mine]\nsource = "{tiny_marian}"\nfamily = "marian"\ntasks = ["translate"]\nmax_input_tokens = 40\n'
        'languages = ["ar", "en"]\nsrc_lang = "ar"\ntgt_lang = "en"\n',
        encoding="utf-8",
    )
    short = "خبر قصير\n\nقال الوزير اليوم.\n"
    records = _run("translate", "--model", "mine", "--config", str(config), "--no-support",
                   input=short + "\n---\n" + SEED.read_text(encoding="utf-8") + "\n---\n" + short)
    assert [bool(_truncation(r, "mine")) for r in records] == [False, True, False]
