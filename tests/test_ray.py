"""--ray: the same records as one process, through dying workers, interruptions and bad inputs.

One Ray session (2 CPUs, no dashboard) serves the whole module; each run starts its own actors. Outputs are
compared with the single-process `-f jsonl` output by id: both are `json.dumps(to_dict(record))`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO_ROOT, release_texts
from typer.testing import CliRunner

ray = pytest.importorskip("ray")

from arsum.cli.app import app
from arsum.errors import EXIT_INPUT
from arsum.schemas import load_schema
from arsum.tasks.distributed import Cluster, Worker, run_ray
from arsum.tasks.outdir import Job, OutputDir, RunSummary
from arsum.tasks.pipeline import SummarizeOptions

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Iterator[None]:
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import this test module
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """210 releases (fewer records where parts of a release are joined): 119 files, plus one file holding 91 of
    them again as several releases."""
    folder = tmp_path_factory.mktemp("corpus")
    texts = release_texts(119)
    for i, text in enumerate(texts):
        (folder / f"r{i:03d}.txt").write_text(text, encoding="utf-8")
    (folder / "bundle.txt").write_text("\n---\n".join(texts[:91]), encoding="utf-8")
    return folder


def single_process(*args: str) -> dict[str, str]:
    result = runner.invoke(app, [*args, "-f", "jsonl"])
    return {json.loads(line)["id"]: line for line in result.stdout.splitlines()}


def file_by_file(folder: Path, *args: str) -> dict[str, str]:
    """What one process gives for each file of `folder` read alone: Ray reads files apart, so the parts of a
    multi-part release are joined within a file (one process joins them across the run; README)."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.txt")):
        found.update(single_process("summarize", str(path), *args))
    return found


def shards(folder: Path, pattern: str = "part-*.jsonl") -> list[str]:
    return [line for shard in sorted(folder.glob(pattern)) for line in shard.read_text(encoding="utf-8").splitlines()]


def by_id(lines: list[str]) -> dict[str, str]:
    found = {json.loads(line)["id"]: line for line in lines}
    assert len(found) == len(lines), "a record was written twice"
    return found


class DiesOnce(Worker):
    """Kills its own process at its second batch, once per run (a marker file says it already happened)."""

    marker: Path

    def __init__(self, job: Job, threads: int) -> None:
        super().__init__(job, threads)
        self.calls = 0

    def __call__(self, batch):
        self.calls += 1
        if self.calls == 2 and not self.marker.exists():
            self.marker.touch()
            os._exit(1)
        return super().__call__(batch)


class FailsAfterOne(Worker):
    """Raises at its second batch: the job stops, as when a run is interrupted."""

    def __init__(self, job: Job, threads: int) -> None:
        super().__init__(job, threads)
        self.calls = 0

    def __call__(self, batch):
        self.calls += 1
        if self.calls >= 2:
            raise RuntimeError("interrupted on purpose")
        return super().__call__(batch)


NO_ENGLISH = Job("summarize", SummarizeOptions(english=False))


def test_200_releases_equal_single_process_though_a_worker_dies(corpus: Path, tmp_path: Path) -> None:
    expected = file_by_file(corpus, "--no-english")
    total = len(expected)
    assert 150 < total <= 210
    dies = type("Dies", (DiesOnce,), {"marker": tmp_path / "died"})
    out = tmp_path / "out"
    summary = run_ray(NO_ENGLISH, [str(corpus)], out, cluster=Cluster(workers=2, batch_size=16), worker=dies)
    assert (tmp_path / "died").exists(), "the injected failure did not happen"
    assert by_id(shards(out)) == expected
    assert (summary.written, summary.errors) == (total, 0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and manifest["counts"] == {"releases": total, "errors": 0}

    again = runner.invoke(app, ["summarize", str(corpus), "--no-english", "--ray", "local", "--output-dir", str(out)])
    assert again.exit_code == 0, again.stderr
    assert f"0 releases written, 0 errors, {total} already there" in again.stderr
    assert by_id(shards(out)) == expected


def test_interrupted_run_resumes_without_loss_or_duplicates(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(Exception, match="interrupted on purpose"):
        run_ray(NO_ENGLISH, [str(corpus)], out, cluster=Cluster(workers=1, batch_size=16), worker=FailsAfterOne)
    first = by_id(shards(out))
    expected = file_by_file(corpus, "--no-english")
    assert len(first) < len(expected)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "interrupted"
    torn = out / ".part-20260101T000000-0123ab-00001.jsonl.0123abcd.tmp"
    torn.write_text('{"id": "torn', encoding="utf-8")  # a write cut short when a run died
    (out / ".notes.tmp").write_text("the user's own file", encoding="utf-8")

    summary = run_ray(NO_ENGLISH, [str(corpus)], out, cluster=Cluster(workers=1))
    assert summary.written == len(expected) - len(first) and summary.skipped == len(first)
    assert by_id(shards(out)) == expected
    assert not torn.exists() and (out / ".notes.tmp").read_text(encoding="utf-8") == "the user's own file"


def test_bad_inputs_are_error_records_and_the_rest_goes_on(tmp_path: Path) -> None:
    """Local and file:// paths (the pyarrow route of s3://, gs://, hdfs://) among bad files and a missing one."""
    good = tmp_path / "in"
    good.mkdir()
    for name in ("a.txt", "b.txt"):
        (good / name).write_bytes(SEED.read_bytes())
    (good / "binary.txt").write_bytes(b"\x00\x01\x02")
    (good / "english.txt").write_text("Just an English line.\n", encoding="utf-8")
    remote = tmp_path / "remote"
    remote.mkdir()
    (remote / "c.txt").write_bytes(SEED.read_bytes())
    (remote / "empty.txt").write_bytes(b"")
    missing = tmp_path / "missing.txt"
    inputs = [str(good), f"file://{remote}", str(missing)]

    single = runner.invoke(app, ["summarize", *inputs[:1], str(remote), str(missing), "--no-english", "-f", "jsonl"])
    out = tmp_path / "out"
    result = runner.invoke(app, ["summarize", *inputs, "--no-english", "--ray", "local", "--output-dir", str(out)])
    assert result.exit_code == single.exit_code == EXIT_INPUT
    expected = {json.loads(line)["id"]: json.loads(line) for line in single.stdout.splitlines()}
    assert {k: json.loads(v) for k, v in by_id(shards(out)).items()} == {
        k: {**v, "source": v["source"].replace(str(remote), f"file://{remote}")} for k, v in expected.items()
    }
    errors = {json.loads(line)["id"]: json.loads(line) for line in shards(out, "errors-*.jsonl")}
    problems = {e["source"].replace(f"file://{remote}", str(remote)): e["message"] for e in errors.values()}
    single_problems = dict(line.removeprefix("arsum: ").rsplit(": ", 1) for line in single.stderr.splitlines())
    assert problems == single_problems and len(problems) == 4
    assert all(e["id"] == e["source"] for e in errors.values())
    error_schema = jsonschema.Draft202012Validator(load_schema("error"))
    assert [m.message for e in errors.values() for m in error_schema.iter_errors(e)] == []
    summarize_schema = jsonschema.Draft202012Validator(load_schema("summarize"))
    assert [m.message for line in shards(out) for m in summarize_schema.iter_errors(json.loads(line))] == []
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["counts"] == {"releases": 3, "errors": 4}


@pytest.mark.parametrize(
    ("command", "fixture", "extra"),
    [("summarize", "tiny_mt5", ("--no-support",)), ("translate", "tiny_marian", ("--no-support",))],
)
def test_tiny_model_records_equal_single_process(
    command: str, fixture: str, extra: tuple[str, ...], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Two actors each load the model once; batches are cut differently from the single process, records are not."""
    model = request.getfixturevalue(fixture)
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(release_texts(10)):
        (folder / f"r{i}.txt").write_text(text, encoding="utf-8")
    args = [command, str(folder), "--model", str(model), *extra]
    expected = single_process(*args)
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--ray", "local", "--output-dir", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.stderr
    assert by_id(shards(out)) == expected and len(expected) == 10
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["models"] == sorted(
        {m for line in expected.values() for m in _models(json.loads(line))}
    )


def _models(record: dict) -> list[str]:
    found = [(record.get("model"), record.get("revision"))]
    if record.get("english_summary"):
        found.append((record["english_summary"]["model"], record["english_summary"]["revision"]))
    return [f"{m}@{r}" if r else m for m, r in found if m]


def test_ray_usage_errors(tmp_path: Path) -> None:
    for args, message in [
        (["--ray", "local"], "--ray needs --output-dir"),
        (["--ray", "local", "--output-dir", str(tmp_path / "o"), "-o", str(tmp_path / "x.jsonl")], "-o FILE is for"),
        (["--ray", "local", "--output-dir", str(tmp_path / "o"), "-f", "json"], "-f json is for"),
    ]:
        result = runner.invoke(app, ["summarize", str(SEED), "--no-english", *args])
        assert result.exit_code == 2 and message in result.stderr
    out = tmp_path / "out"
    OutputDir(out, NO_ENGLISH, Cluster(), [str(SEED)]).close(RunSummary(), "complete")
    other = runner.invoke(app, ["summarize", str(SEED), "--no-english", "-n", "5", "--ray", "local", "--output-dir", str(out)])
    assert other.exit_code == 2
    assert "was written without --sentences, this run gives --sentences 5" in other.stderr
    assert "{" not in other.stderr  # the option, not a settings dict


def test_a_ray_folder_equals_a_local_one_for_colliding_names_and_repeated_ids(tmp_path: Path) -> None:
    """Two release.txt in two folders, a file named twice, a JSON-lines feed repeating an id: the Ray run writes
    exactly what the one-process --output-dir run writes (ids per file; the repeat refused, naming both)."""
    texts = release_texts(4, real=False)
    for name, text in zip("ab", texts):
        (tmp_path / name).mkdir()
        (tmp_path / name / "release.txt").write_text(text, encoding="utf-8")
    inputs = [str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a" / "release.txt")]
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "day.jsonl").write_text("".join(
        json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n" for rid, text in zip("xyx", texts[1:])
    ), encoding="utf-8")
    for run, args in enumerate(([*inputs, "--no-english"], [str(feed), "--input-format", "jsonl", "--no-english"])):
        folders = {}
        for mode in ("local", "ray"):
            out = tmp_path / f"{mode}-{run}"
            extra = ["--ray", "local"] if mode == "ray" else []
            result = runner.invoke(app, ["summarize", *args, *extra, "--output-dir", str(out)])
            assert result.exit_code == (EXIT_INPUT if "jsonl" in args else 0), result.stderr
            folders[mode] = (by_id(shards(out)), by_id(shards(out, "errors-*.jsonl")))
        assert folders["ray"] == folders["local"]
        if run == 0:
            assert sorted(folders["ray"][0]) == ["a/release.txt#1", "b/release.txt#1"]
    results, errors = folders["ray"]
    assert sorted(results) == ["x", "y"] and [json.loads(e)["id"] for e in errors.values()] == [f"{feed}/day.jsonl:3"]
    assert "day.jsonl:1" in next(iter(errors.values()))


def test_a_model_that_cannot_load_is_one_line_with_the_one_process_exit_status(tmp_path: Path) -> None:
    args = ["translate", str(SEED), "--model", str(tmp_path / "no-such-model")]
    single = runner.invoke(app, [*args, "-f", "jsonl"])
    result = runner.invoke(app, [*args, "--ray", "local", "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == single.exit_code == 2
    assert result.stderr == single.stderr and result.stderr.count("\n") == 1


def test_sigterm_ends_a_ray_run_as_one_process_does_and_ray_stays_off_the_terminal(tmp_path: Path) -> None:
    """A real `arsum … --ray local` (its own Ray instance), sent SIGTERM while a Ray reader waits on a FIFO: exit
    143 and arsum's lines only (no core_worker.cc line, no native stack dump, nothing on stdout); the folder resumes."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i, text in enumerate(release_texts(12, real=False)):
        (folder / f"r{i:02d}.txt").write_text(text, encoding="utf-8")
    fifo = tmp_path / "later.txt"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("ARSUM_RAY_LOGS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "arsum", "summarize", str(folder), str(fifo), "--no-english", "--ray", "local",
         "--output-dir", str(out), "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    with open(fifo, "w", encoding="utf-8"):  # returns once a Ray reader opened the FIFO: the run is under way
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert stdout == "" and stderr and all(line.startswith("arsum: ") for line in stderr.splitlines()), stderr
    assert "terminated (SIGTERM)" in stderr and "the same command resumes" in stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "interrupted"
    assert (out / "ray-driver.log").is_file()
    kept = by_id(shards(out))
    summary = run_ray(NO_ENGLISH, [str(folder)], out, cluster=Cluster(workers=1))
    assert summary.skipped == len(kept) and summary.written == 12 - len(kept)
    assert len(by_id(shards(out))) == 12
