"""Each documented option and ARSUM_* variable changes what it says, through the CLI (tiny models installed in
the test's hub cache under the shipped models' ids, so routing is the real one)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.text.releases import parse_releases

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # noqa: A002
    return CliRunner().invoke(app, list(args), input=input, env=env)


def one(result) -> dict[str, Any]:  # noqa: ANN001
    assert result.exit_code == 0, result.stderr
    [record] = json.loads(result.stdout)
    return record


def low(items: list[dict[str, Any]]) -> list[bool]:
    return ["low-support" in item["flags"] for item in items]


# -- support threshold: option > file > default ----------------------------------------------------------------


def test_min_support_option_drives_summary_flags_and_wins_over_models_toml(hub_models: None, tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text("[support]\nmin_support = 1.0\n", encoding="utf-8")
    from_file = one(run("summarize", str(SEED), "-f", "json", "--config", str(config)))
    assert from_file["support"]["min_support"] == 1.0
    sentences = from_file["english_summary"]["sentences"]
    assert sentences and all(low(sentences))  # nothing reaches 1.0
    option = one(run("summarize", str(SEED), "-f", "json", "--config", str(config), "--min-support", "-1"))
    assert option["support"]["min_support"] == -1.0
    assert not any(low(option["english_summary"]["sentences"]))
    # between the two: the flag follows each sentence's own score against the option
    scores = sorted(s["support"] for s in sentences)
    middle = (scores[0] + scores[-1]) / 2 if scores[0] != scores[-1] else scores[0]
    mid = one(run("summarize", str(SEED), "-f", "json", "--min-support", str(middle)))
    assert low(mid["english_summary"]["sentences"]) == [s["support"] < middle for s in mid["english_summary"]["sentences"]]


def test_encoder_option_over_environment_over_file(tiny_marian: Path, tmp_path: Path) -> None:
    """ARSUM_ENCODER beats models.toml; --encoder beats both (the encoder is recorded in `support`)."""
    config = tmp_path / "models.toml"
    config.write_text('[support]\nencoder = "from-file"\n', encoding="utf-8")
    args = ["translate", "--model", str(tiny_marian), str(SEED), "-f", "json", "--config", str(config)]
    env_only = run(*args, env={"ARSUM_ENCODER": "use-m3"})
    assert one(env_only)["support"]["encoder"] == "use-m3"
    both = run(*args, "--encoder", "from-option", env={"ARSUM_ENCODER": "use-m3"})
    file_only = run(*args)
    for result, name in ((both, "from-option"), (file_only, "from-file")):
        assert result.exit_code == 0, result.stderr  # an unusable encoder is one notice; the run goes on
        [notice] = result.stderr.splitlines()
        assert notice.startswith("arsum: support scores unavailable: ") and name in notice


# -- devices and quantization ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        ([], {}, ("cpu", None)),
        (["--device", "cpu"], {"ARSUM_DEVICE": "cuda"}, ("cpu", None)),
        (["--quantize", "int8", "--device", "cpu"], {}, ("cpu", "int8")),
        (["--device", "cpu"], {"ARSUM_QUANTIZE": "int8"}, ("cpu", "int8")),
    ],
    ids=["auto-is-cpu-here", "option-over-ARSUM_DEVICE", "quantize-option", "ARSUM_QUANTIZE"],
)
def test_device_and_quantize_reach_the_model(tiny_marian: Path, loads: list, args: list[str], env: dict[str, str],
                                             expected: tuple[str, str | None]) -> None:
    result = run("translate", "--model", str(tiny_marian), str(SEED), "-f", "json", "--no-support", *args, env=env)
    assert one(result)["pairs"]
    assert loads == [expected]


@pytest.mark.parametrize(("args", "env"), [(["--device", "cuda"], {}), ([], {"ARSUM_DEVICE": "cuda"})])
def test_unavailable_device_is_a_usage_error(tiny_marian: Path, loads: list, args: list[str], env: dict[str, str]) -> None:
    result = run("translate", "--model", str(tiny_marian), str(SEED), "--no-support", *args, env=env)
    assert result.exit_code == 2
    assert result.stderr == "arsum: --device cuda: no CUDA device is available\n"
    assert loads == []


def test_arsum_debug_shows_the_traceback_of_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks import extractive

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError("boom")

    monkeypatch.setattr(extractive.ExtractiveSummarizer, "summarize", broken)
    plain = run("summarize", str(SEED), "--no-english")
    assert plain.exit_code == 1 and "Traceback" not in plain.stderr
    debug = run("summarize", str(SEED), "--no-english", env={"ARSUM_DEBUG": "1"})
    assert isinstance(debug.exception, ValueError) and str(debug.exception) == "boom"


def test_arsum_config_is_read(hub_models: None, tmp_path: Path) -> None:
    config = tmp_path / "models.toml"
    config.write_text("[models.opus-mt-tc-big-ar-en.generation]\nnum_beams = 1\n", encoding="utf-8")
    record = one(run("translate", str(SEED), "-f", "json", "--no-support", env={"ARSUM_CONFIG": str(config)}))
    assert record["generation"]["num_beams"] == 1
    assert one(run("translate", str(SEED), "-f", "json", "--no-support"))["generation"]["num_beams"] == 4


# -- languages and strategies ------------------------------------------------------------------------------------


def test_translate_to_french_routes_to_the_multilingual_model(hub_models: None) -> None:
    french = one(run("translate", str(SEED), "--to", "fr", "-f", "json", "--no-support"))
    german = one(run("translate", str(SEED), "--to", "de", "-f", "json", "--no-support"))
    assert (french["model"], french["source_lang"], french["target_lang"]) == ("facebook/nllb-200-distilled-600M", "ar", "fr")
    assert german["target_lang"] == "de"
    assert [p["translation"] for p in french["pairs"]] != [p["translation"] for p in german["pairs"]]


def test_translate_from_english(hub_models: None, tmp_path: Path) -> None:
    """--from en: English input is not refused for lacking Arabic, and the numbers check runs the other way."""
    english = tmp_path / "release.txt"
    english.write_text("Minister meets delegation\n\nThe minister met 25 delegates in Riyadh.\n", encoding="utf-8")
    refused = run("translate", str(english), "--to", "fr", "-f", "json", "--no-support")
    assert refused.exit_code == 1 and "no Arabic text" in refused.stderr
    record = one(run("translate", str(english), "--from", "en", "--to", "fr", "-f", "json"))
    assert (record["source_lang"], record["target_lang"]) == ("en", "fr")
    [body] = [p for p in record["pairs"] if "25 delegates" in p["source"]]
    assert ("number-not-in-source:25" in body["flags"]) == ("25" not in body["translation"])


def test_every_strategy_through_the_cli(hub_models: None) -> None:
    results = {
        strategy: one(run("summarize", str(SEED), "-f", "json", "--strategy", strategy, "--no-support"))
        for strategy in ("crosslingual", "translate-then-summarize", "extract-then-translate")
    }
    for strategy, record in results.items():
        assert record["english_summary"]["strategy"] == strategy
    cross = results["crosslingual"]["english_summary"]
    assert cross["model"] == "csebuetnlp/mT5_m2m_crossSum_enhanced" and "translator" not in cross["generation"]
    both = results["translate-then-summarize"]["english_summary"]
    assert both["model"] == "csebuetnlp/mT5_m2m_crossSum_enhanced"
    assert (both["generation"]["translator"], both["generation"]["translator_revision"]) == (
        "Helsinki-NLP/opus-mt-tc-big-ar-en", "main")
    extract = results["extract-then-translate"]
    assert extract["english_summary"]["model"] == "Helsinki-NLP/opus-mt-tc-big-ar-en"
    picked = [s["index"] for s in extract["arabic_summary"]]
    assert [s["sources"] for s in extract["english_summary"]["sentences"]] == [[i] for i in picked]


# -- what the reader sees -------------------------------------------------------------------------------------------


def test_continued_release_is_warned_about() -> None:
    text = SEED.read_text(encoding="utf-8").rstrip() + "\n// يتبع //\n"
    result = run("summarize", "--no-english", "-f", "jsonl", "-", input=text + "---\n" + SEED.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.stderr
    continued, complete = (json.loads(line) for line in result.stdout.splitlines())
    assert [w for w in continued["warnings"] if "continues" in w] == ["release continues in a later part (// يتبع //)"]
    assert not [w for w in complete["warnings"] if "continues" in w]
    assert all("يتبع" not in s["text"] for s in continued["arabic_summary"])


def test_translate_text_format_keeps_paragraphs(tiny_marian: Path) -> None:
    """One line per sentence, a blank line between paragraphs (heading first), --- between releases."""
    text = SEED.read_text(encoding="utf-8")
    result = run("translate", "--model", str(tiny_marian), "-f", "text", "--no-support", "-", input=text + "\n---\n" + text)
    assert result.exit_code == 0, result.stderr
    [release] = parse_releases(text, source="s", name="s", encoding="utf-8")
    paragraph_sizes = [sum(1 for s in release.sentences if s.paragraph == p)
                       for p in sorted({s.paragraph for s in release.sentences})]
    assert len(paragraph_sizes) > 1
    first, second = result.stdout.split("\n---\n")
    for output in (first, second):
        blocks = re.split(r"\n\n", output.strip("\n"))
        assert [len(block.splitlines()) for block in blocks] == [2, *paragraph_sizes]  # title + subtitle, then body
