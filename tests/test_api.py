"""The public Python API: light to import, the README example runs, and the records are the CLI's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

import arsum
from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()


def cli_jsonl(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def as_json(record: object) -> dict:
    """What the CLI's JSON of a record reads back as (tuples become lists)."""
    return json.loads(json.dumps(arsum.to_dict(record), ensure_ascii=False))


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
                          check=False)


def test_import_arsum_is_light_and_exports_lazily() -> None:
    code = (
        "import sys, arsum\n"
        "heavy = ('torch', 'transformers', 'typer', 'rich', 'arsum.api')\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "arsum.Summarizer, arsum.to_dict, arsum.load_releases\n"
        "print([m for m in heavy[:4] if m in sys.modules])\n"
    )
    result = python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[]", "[]"]


def test_readme_python_example_runs() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    [example] = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    result = python(example)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and lines[-1] == "azerbaijan_nato_dialogue.txt#1 2"


@pytest.mark.parametrize("options", ["english=False", "arabic_only_fallback=True"])
def test_one_liner_from_the_issue(options: str) -> None:
    """Without an English model, Arabic-only summaries are asked for (English wanted and missing raises)."""
    result = python(f"import arsum; print(arsum.summarize(open({str(SEED)!r}).read(), {options}).arabic_summary)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ArabicSummary(sentences=(ScoredSentence(index=")


def test_map_gives_the_records_the_cli_prints(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    two = tmp_path / "two.txt"
    two.write_text(text + "\n---\n" + text, encoding="utf-8")
    summarizer = arsum.Summarizer(english=False, sentences=2)
    got = [as_json(r) for r in summarizer.map(arsum.load_releases([str(SEED), str(two)]))]
    assert got == cli_jsonl("summarize", str(SEED), str(two), "--no-english", "-n", "2")
    assert len(got) == 3


def test_translate_gives_the_record_the_cli_prints(tiny_marian: Path) -> None:
    [release] = arsum.load_releases([str(SEED)])
    record = as_json(arsum.translate(release, model=str(tiny_marian), support=False))
    assert [record] == cli_jsonl("translate", str(SEED), "--model", str(tiny_marian), "--no-support")


def test_check_gives_the_record_arsum_check_prints(tmp_path: Path) -> None:
    english = tmp_path / "summary.en"
    english.write_text("The president met the delegation in Brussels. 45 ministers came.\n", encoding="utf-8")
    [release] = arsum.load_releases([str(SEED)])
    result = runner.invoke(app, ["check", str(SEED), str(english), "-f", "json"])
    assert result.exit_code in (0, 3), result.stderr  # 3: something was flagged
    got = arsum.check(release, english.read_text(encoding="utf-8")).to_dict()
    expected = json.loads(result.stdout)
    expected = expected[0] if isinstance(expected, list) else expected
    got = json.loads(json.dumps(got, ensure_ascii=False))
    assert got.pop("id") == release.id and expected.pop("id") == str(SEED)  # `arsum check` names it by its path
    assert got == expected


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: arsum.Summarizer(sentences=2, ratio=0.5), arsum.UsageError),
        (lambda: arsum.summarize(SEED.read_text(encoding="utf-8") + "\n---\nعنوان\n\nنص آخر.", english=False),
         arsum.InputError),
        (lambda: list(arsum.Summarizer(english=False).map(arsum.load_releases(["/no/such/file.txt"]))),
         arsum.InputError),
    ],
    ids=["sentences-and-ratio", "two-releases-in-one-text", "bad-input-raises-by-default"],
)
def test_errors_are_arsum_errors(call, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()
