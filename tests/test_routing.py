"""Routing checks what it is asked before any work: language codes, --model, --device, and every missing model."""

from __future__ import annotations

import re

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.models.config import load_config, normalize_language
from arsum.models.store import translation_targets, translator_spec

SEED = str(REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt")
runner = CliRunner()
NLLB = "nllb-200-distilled-600m"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "en"), ("EN", "en"), ("en-US", "en"), ("en_GB", "en"), (" fr ", "fr"), ("zh-hant", "zh-Hant"),
     ("zh_Hant_TW", "zh-Hant"), ("fra_Latn", "fr"), ("arb_Arab", "ar"), ("zho_Hant", "zh-Hant"), ("xx", "xx")],
)
def test_language_codes_are_normalised(code: str, expected: str) -> None:
    assert normalize_language(code) == expected


@pytest.mark.parametrize(
    ("target", "model"),
    [("EN", "opus-mt-tc-big-ar-en"), ("en-US", "opus-mt-tc-big-ar-en"), ("FR", NLLB), ("fra_Latn", NLLB), ("zh-Hant", NLLB)],
)
def test_normalised_targets_route_like_their_code(target: str, model: str) -> None:
    assert translator_spec(load_config(), target).name == model


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("translate", "--to", "xx"), "--to xx: arsum cannot translate into it; supported: "),
        (("translate", "--to", "englsh"), "--to englsh: arsum cannot translate into it; supported: "),
        (("translate", "--to", "ar"), "--to ar: that is the source language (--from ar)"),
        (("translate", "--to", "AR-eg"), "--to ar: that is the source language"),
        (("translate", "--to", "fr", "-m", "opus-mt-ar-en"), "--to fr: model opus-mt-ar-en cannot translate into it; supported: en"),
        (("translate", "-m", "./nope"), "./nope: not a configured model (opus-mt-tc-big-ar-en, "),
        (("translate", "-m", "nope"), "nope: not a configured model"),
        (("summarize", "-m", "./nope"), "./nope: not a configured model"),
        (("translate", "--device", "foo"), "--device foo: unknown device (use one of: auto, cpu, cuda, mps)"),
        (("summarize", "--device", "foo"), "--device foo: unknown device"),
    ],
)
def test_refusals_exit_two_in_one_line_before_any_work(args: tuple[str, ...], expected: str) -> None:
    result = runner.invoke(app, [*args, SEED])
    assert result.exit_code == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"arsum: {expected}")
    assert result.stdout == ""


def test_unknown_target_lists_every_supported_code() -> None:
    result = runner.invoke(app, ["translate", "--to", "xx", SEED])
    listed = result.stderr.strip().split("supported: ", 1)[1].split(", ")
    assert listed == translation_targets(load_config()) and len(listed) == 201 and "ar" not in listed


@pytest.mark.parametrize(("target", "model"), [("EN", "opus-mt-tc-big-ar-en"), ("de-AT", NLLB)])
def test_a_normalised_target_asks_for_the_right_model(target: str, model: str) -> None:
    result = runner.invoke(app, ["translate", "--to", target, SEED])
    assert result.exit_code == 1 and f"run `arsum models pull {model}`" in result.stderr


def test_every_missing_model_of_a_strategy_in_one_message() -> None:
    result = runner.invoke(app, ["summarize", "--strategy", "translate-then-summarize", SEED, "-f", "json"])
    assert result.exit_code == 0  # the Arabic summary is still made
    [line] = result.stderr.strip().splitlines()
    assert line == ("arsum: English summary skipped: model opus-mt-tc-big-ar-en and crosssum-m2m: not downloaded; "
                    "run `arsum models pull opus-mt-tc-big-ar-en crosssum-m2m` where the hub is reachable; offline, use "
                    "`arsum models import ARCHIVE|FOLDER` (an archive from `arsum models export`, or a model folder) "
                    "or -m FOLDER")


def test_catalogue_languages_are_real_codes() -> None:
    """No pseudo-codes such as "+190 more": every code is ISO 639 (optionally with a script) and unique."""
    code = re.compile(r"[a-z]{2,3}(-[A-Z][a-z]{3})?")
    config = load_config()
    for spec in config.models.values():
        assert spec.languages and all(code.fullmatch(c) for c in spec.languages), spec.name
    assert len(config.model(NLLB).languages) == 202 and len(config.model("crosssum-m2m").languages) == 45
