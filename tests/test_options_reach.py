"""Options that several commands share do what their help says on each command, not only on the first one tested.

Written from the promise table (tests/promises.toml): each test here is the one that pins an option on a command
that no other test exercised. Tiny models; in-process (CliRunner), so mutation testing sees the code they run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
ENGLISH = "The ministry said on Monday that the new road will open next year.\nIt will link two cities.\n"


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), input=input, env=env)


def _command(name: str, tiny_marian: Path, tmp_path: Path, source: Path | str = SEED) -> list[str]:
    """The command line of `name` on `source`, with what it needs to run offline on tiny models."""
    if name == "summarize":
        return ["summarize", "--no-english", str(source)]
    if name == "translate":
        return ["translate", "--model", str(tiny_marian), "--no-support", str(source)]
    english = tmp_path / "english.txt"
    english.write_text(ENGLISH, encoding="utf-8")
    return ["check", "--translation", str(source), str(english)]


def _records(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["summarize", "translate", "check"])
def test_max_bytes_refuses_a_larger_input_on_every_command(command: str, tiny_marian: Path, tmp_path: Path) -> None:
    size = SEED.stat().st_size
    base = _command(command, tiny_marian, tmp_path)
    refused = run(*base, "--max-bytes", str(size - 1), "-f", "jsonl")
    assert refused.exit_code == 1, refused.stderr
    assert f"above the --max-bytes limit of {size - 1}" in refused.stderr
    assert str(SEED) in refused.stderr and refused.stdout.strip() == ""
    accepted = run(*base, "--max-bytes", str(size), "-f", "jsonl")
    assert accepted.exit_code in (0, 3), accepted.stderr  # check: 3 when it flags something
    assert _records(accepted.stdout)


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_lang_lets_text_without_arabic_through_on_every_command(command: str, tiny_marian: Path, tmp_path: Path) -> None:
    english = tmp_path / "english.txt"
    english.write_text("Title line\n\n" + ENGLISH, encoding="utf-8")
    base = _command(command, tiny_marian, tmp_path, english)
    refused = run(*base, "-f", "jsonl")
    assert refused.exit_code == 1 and "no Arabic text" in refused.stderr and refused.stdout.strip() == ""
    accepted = run(*base, "-f", "jsonl", "--lang", "en")
    assert accepted.exit_code == 0, accepted.stderr
    [record] = _records(accepted.stdout)
    assert record["title"] == "Title line" and record["sentences"] == 2


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_input_format_jsonl_on_every_command(command: str, tiny_marian: Path, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    lines = "".join(json.dumps({"id": f"record-{n}", "text": text}, ensure_ascii=False) + "\n" for n in (1, 2))
    base = _command(command, tiny_marian, tmp_path, "-")
    result = run(*base, "--input-format", "jsonl", "-f", "jsonl", input=lines)
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in _records(result.stdout)] == ["record-1", "record-2"]
    as_text = run(*base, "-f", "jsonl", input=lines)  # the same lines read as text are one release of JSON
    assert [r["id"] for r in _records(as_text.stdout)] == ["stdin#1"]


def test_translate_quiet_silences_notices_not_errors(tiny_marian: Path, tmp_path: Path) -> None:
    base = ["translate", "--model", str(tiny_marian), "--encoder", str(tmp_path / "no-encoder")]  # one notice
    loud = run(*base, str(SEED))
    assert loud.exit_code == 0 and "support scores unavailable" in loud.stderr
    quiet = run(*base, str(SEED), "-q")
    assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == loud.stdout
    missing = tmp_path / "nope.txt"
    failed = run(*base, str(missing), str(SEED), "--quiet")
    assert failed.exit_code == 1 and str(missing) in failed.stderr and "support scores" not in failed.stderr


@pytest.mark.parametrize("command", ["summarize", "translate", "check"])
def test_bidi_changes_the_terminal_formats_only(command: str, tiny_marian: Path, tmp_path: Path) -> None:
    """--bidi shapes and reorders Arabic in rich and text output; the machine formats keep the original text."""
    base = _command(command, tiny_marian, tmp_path)
    for fmt in ("json", "jsonl", "markdown"):
        assert run(*base, "-f", fmt, "--bidi").stdout == run(*base, "-f", fmt, "--no-bidi").stdout
    for fmt in ("rich", "text"):
        plain, shaped = run(*base, "-f", fmt, "--no-bidi"), run(*base, "-f", fmt, "--bidi")
        assert plain.exit_code == shaped.exit_code and plain.exit_code in (0, 3), plain.stderr
        assert shaped.stdout != plain.stdout, fmt


@pytest.mark.parametrize("command", ["summarize", "translate", "check"])
def test_force_is_what_lets_o_replace_a_file(command: str, tiny_marian: Path, tmp_path: Path) -> None:
    base = [*_command(command, tiny_marian, tmp_path), "-f", "jsonl"]
    out = tmp_path / "out.jsonl"
    out.write_text("mine\n", encoding="utf-8")
    refused = run(*base, "-o", str(out))
    assert refused.exit_code == 2 and str(out) in refused.stderr
    assert out.read_text(encoding="utf-8") == "mine\n"
    forced = run(*base, "-o", str(out), "--force")
    assert forced.exit_code in (0, 3), forced.stderr
    written = _records(out.read_text(encoding="utf-8"))
    assert written and written == _records(run(*base).stdout)


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_ray_worker_options_reach_the_cluster(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks import distributed

    seen: list[distributed.Cluster] = []

    def fake_run_ray(job, paths, output_dir, *, cluster, **_: object):
        seen.append(cluster)
        return distributed.RunSummary()

    monkeypatch.setattr(distributed, "run_ray", fake_run_ray)
    ray = ["--ray", "local", "--output-dir", str(tmp_path / "out")]
    extra = ["--no-english"] if command == "summarize" else ["--no-support"]
    assert run(command, str(SEED), *extra, *ray).exit_code == 0
    assert run(command, str(SEED), *extra, *ray, "--workers", "3", "--gpus-per-worker", "0.5",
               "--threads-per-worker", "4").exit_code == 0
    assert seen == [distributed.Cluster("local", None, 0.0, 1), distributed.Cluster("local", 3, 0.5, 4)]


@pytest.mark.parametrize(
    ("cluster", "resources", "size"),
    [
        ({"workers": 5}, {"CPU": 64.0}, 5),
        ({"threads_per_worker": 4}, {"CPU": 16.0}, 4),
        ({"threads_per_worker": 1}, {"CPU": 16.0}, 16),
        ({"threads_per_worker": 32}, {"CPU": 16.0}, 1),
        ({"gpus_per_worker": 0.5, "threads_per_worker": 4}, {"CPU": 16.0, "GPU": 2.0}, 4),
        ({"gpus_per_worker": 1.0}, {"CPU": 16.0}, 1),
    ],
)
def test_worker_pool_follows_the_per_worker_options(cluster: dict[str, Any], resources: dict[str, float], size: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    ray = pytest.importorskip("ray")
    from arsum.tasks import distributed

    monkeypatch.setattr(ray, "cluster_resources", lambda: resources)
    assert distributed._pool_size(distributed.Cluster(**cluster)) == size


def test_summarize_quantize_reaches_the_english_model(hub_models: None, loads: list[tuple[str, str | None]]) -> None:
    for args in ([], ["--quantize", "int8"]):
        result = run("summarize", str(SEED), "--no-support", "--backend", "transformers", "-f", "json", *args)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)[0]["english_summary"] is not None
    assert loads == [("cpu", None), ("cpu", "int8")]


@pytest.fixture
def my_catalogue(tiny_marian: Path, tmp_path: Path) -> Path:
    """A models.toml that adds a model named `mine` (the tiny Marian folder)."""
    path = tmp_path / "conf" / "models.toml"
    path.parent.mkdir()
    path.write_text(
        f'[models.mine]\nsource = "{tiny_marian}"\nfamily = "marian"\ntasks = ["translate"]\n'
        'languages = ["ar", "en"]\nsrc_lang = "ar"\ntgt_lang = "en"\ndescription = "my own"\n',
        encoding="utf-8",
    )
    return path


def test_models_commands_read_the_catalogue_given_by_config(my_catalogue: Path, tiny_marian: Path, tmp_path: Path) -> None:
    config = ["--config", str(my_catalogue)]
    names = {m["name"] for m in json.loads(run("models", "list", "-f", "json", *config).stdout)}
    assert "mine" in names and "opus-mt-tc-big-ar-en" in names
    assert "mine" not in {m["name"] for m in json.loads(run("models", "list", "-f", "json").stdout)}
    path = run("models", "path", "mine", *config)
    assert path.exit_code == 0 and path.stdout.strip() == str(tiny_marian)
    info = run("models", "info", "mine", *config)
    assert info.exit_code == 0 and json.loads(info.stdout)["family"] == "marian"
    for command in (("models", "path", "mine"), ("models", "info", "mine")):
        unknown = run(*command)
        assert unknown.exit_code != 0 and "mine" in unknown.stderr


def test_models_convert_reads_the_catalogue_given_by_config(my_catalogue: Path, tmp_path: Path) -> None:
    pytest.importorskip("ctranslate2")
    out = tmp_path / "mine-ct2"
    unknown = run("models", "convert", "mine", "-o", str(out))
    assert unknown.exit_code != 0 and not out.exists()
    made = run("models", "convert", "mine", "-o", str(out), "--config", str(my_catalogue))
    assert made.exit_code == 0, made.stderr
    assert (out / "model.bin").is_file() and (out / "arsum_ct2.json").is_file()


def test_models_export_force_is_what_lets_o_replace_a_file(hub_models: None, tmp_path: Path) -> None:
    out = tmp_path / "model.tar"
    out.write_bytes(b"mine")
    refused = run("models", "export", "opus-mt-tc-big-ar-en", "-o", str(out))
    assert refused.exit_code == 2 and str(out) in refused.stderr and out.read_bytes() == b"mine"
    forced = run("models", "export", "opus-mt-tc-big-ar-en", "-o", str(out), "--force")
    assert forced.exit_code == 0, forced.stderr
    import tarfile

    with tarfile.open(out) as tar:
        assert "arsum-manifest.json" in tar.getnames()


def test_check_encoder_option_is_the_encoder_used(tiny_marian: Path, tmp_path: Path) -> None:
    base = [*_command("check", tiny_marian, tmp_path), "-f", "json"]
    default = run(*base)
    assert default.exit_code in (0, 3), default.stderr
    assert json.loads(default.stdout)[0]["support"]["encoder"] == "use-m3"
    missing = tmp_path / "no-encoder"
    result = run(*base, "--encoder", str(missing))
    assert result.exit_code == 1 and str(missing) in result.stderr and "[" not in result.stdout


class _OneEncoder:
    """Every text the same vector: support 1.0 everywhere, without loading an encoder."""

    name = "one"

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        return np.ones((len(texts), 2)) / np.sqrt(2)


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_no_support_scores_nothing_and_support_scores_everything(command: str, tiny_marian: Path, tiny_mt5: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from arsum.tasks import support

    monkeypatch.setattr(support, "get_encoder", lambda name=None, revision=None: _OneEncoder())
    model = tiny_mt5 if command == "summarize" else tiny_marian
    for flag, scored in (("--support", True), ("--no-support", False)):
        result = run(command, "--model", str(model), str(SEED), "-f", "json", flag)
        assert result.exit_code == 0, result.stderr
        [record] = json.loads(result.stdout)
        items = record["english_summary"]["sentences"] if command == "summarize" else record["pairs"]
        assert items and (record["support"] is not None) is scored
        assert [item["support"] is not None for item in items] == [scored] * len(items)


@pytest.mark.parametrize("command", ["summarize", "translate"])
def test_backend_option_picks_the_runtime(command: str, tiny_marian: Path, converted: dict[str, Path],
                                          tmp_path: Path) -> None:
    path = tmp_path / "models.toml"
    path.write_text(
        f'[models.mine]\nsource = "{tiny_marian}"\nct2_path = "{converted["marian"]}"\nfamily = "marian"\n'
        'tasks = ["translate"]\nlanguages = ["ar", "en"]\nsrc_lang = "ar"\ntgt_lang = "en"\n',
        encoding="utf-8",
    )
    strategy = ["--strategy", "extract-then-translate"] if command == "summarize" else []
    used = {}
    for backend in ("transformers", "ctranslate2", "auto"):
        result = run(command, *strategy, "--model", "mine", "--config", str(path), str(SEED), "--no-support",
                     "-f", "json", "--backend", backend)
        assert result.exit_code == 0, result.stderr
        [record] = json.loads(result.stdout)
        used[backend] = [m["backend"] for m in record["run"]["models"]]
    assert used == {"transformers": ["transformers"], "ctranslate2": ["ctranslate2"], "auto": ["ctranslate2"]}
