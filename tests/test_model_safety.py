"""A model folder is data, never code: a pickle payload or `auto_map` remote code must not run, and a broken
folder is one notice (`summarize` keeps the Arabic summary, exit 0) or one error (`translate`, exit 1)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from tinymodels import PicklePayload, broken_copy, remote_code_copy
from typer.testing import CliRunner

from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def run(*args: str):  # noqa: ANN202
    return CliRunner().invoke(app, list(args))


def test_malicious_pickle_in_pytorch_model_bin_never_runs(tiny_marian_bin: Path, tmp_path: Path) -> None:
    import torch

    folder = tmp_path / "evil-bin"
    shutil.copytree(tiny_marian_bin, folder)
    marker = tmp_path / "pwned"
    state = torch.load(folder / "pytorch_model.bin", weights_only=True)
    torch.save({**state, "payload": PicklePayload(marker)}, folder / "pytorch_model.bin")
    result = run("translate", "--model", str(folder), str(SEED), "--no-support", "-f", "jsonl")
    assert not marker.exists()
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("arsum: model ") and "pytorch_model.bin cannot be loaded" in line


def test_auto_map_remote_code_in_config_json_never_runs(tiny_marian: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    folder = remote_code_copy(tiny_marian, tmp_path / "evil-auto-map", marker, "MarianMTModel", "AutoModelForSeq2SeqLM")
    result = run("translate", "--model", str(folder), str(SEED), "--no-support", "-f", "jsonl")
    assert not marker.exists()
    assert result.exit_code == 0, result.stderr  # the built-in Marian code loads the weights; evil.py is ignored
    assert json.loads(result.stdout)["pairs"]


BROKEN = [
    ("config-json", "tiny_marian", "not valid JSON"),
    ("truncated", "tiny_marian", "model.safetensors cannot be loaded"),
    ("truncated-bin", "tiny_marian_bin", "pytorch_model.bin cannot be loaded"),
    ("tokenizer-too-big", "tiny_marian", "tokenizer has 352 tokens but the model's embedding has only 302 rows"),
]


@pytest.fixture
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    how, source, problem = request.param
    return broken_copy(request.getfixturevalue(source), tmp_path / f"broken-{how}", how), problem


@pytest.mark.parametrize("broken", BROKEN, ids=[b[0] for b in BROKEN], indirect=True)
def test_broken_model_summarize_keeps_the_arabic_summary_with_one_notice(broken: tuple[Path, str]) -> None:
    folder, problem = broken
    text = SEED.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        app, ["summarize", "--model", str(folder), "--strategy", "extract-then-translate", "-f", "jsonl", "-"],
        input=text + "\n---\n" + text,
    )
    assert result.exit_code == 0, result.stderr
    [notice] = result.stderr.splitlines()  # once for the run, not once per release
    assert notice.startswith("arsum: English summary skipped: model ") and problem in notice
    records = [json.loads(line) for line in result.stdout.splitlines()]
    arabic_only = json.loads(run("summarize", str(SEED), "--no-english", "-f", "jsonl").stdout)["arabic_summary"]
    assert len(records) == 2 and arabic_only
    for record in records:
        assert record["arabic_summary"] == arabic_only and record["english_summary"] is None
        assert any(problem in w for w in record["warnings"])


@pytest.mark.parametrize("broken", BROKEN, ids=[b[0] for b in BROKEN], indirect=True)
def test_broken_model_translate_is_one_error_and_exit_1(broken: tuple[Path, str]) -> None:
    folder, problem = broken
    result = run("translate", "--model", str(folder), str(SEED), "-f", "jsonl")
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("arsum: model ") and problem in line
