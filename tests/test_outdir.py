"""--output-dir without --ray: the same shards, manifest and resume as a Ray run (one code path, outdir.py), in
one process. The resume promises are pinned here by counting what reaches the model, not by reading the folder.

Written as a hostile user (or a dying machine) would treat the folder: interrupted runs, a second run at once,
damaged shards and manifests, files of the user's own among arsum's, inputs whose names collide.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import release_texts
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.errors import EXIT_INPUT, EXIT_USAGE
from arsum.tasks.outdir import Job, OutputDir, RunSummary, run_local
from arsum.tasks.pipeline import Notify, Process, SummarizeOptions, TranslateOptions
from arsum.text.release import Release

runner = CliRunner()
ARSUM = (sys.executable, "-m", "arsum")
NO_ENGLISH = ("--no-english",)
SHARD_NAME = re.compile(r"(part|errors)-\d{8}T\d{6}-[0-9a-f]{6}-\d{5}\.jsonl")


@dataclass
class Calls:
    """Every release id a model was given, in order; `stop_after` interrupts the run as Ctrl-C would."""

    ids: list[str] = field(default_factory=list)
    stop_after: int | None = None


@dataclass(frozen=True)
class CountingJob(Job):
    calls: Calls = field(default_factory=Calls)

    def build(self, notify: Notify) -> Process:
        process = super().build(notify)
        calls = self.calls

        class Counting:
            window = process.window

            def __call__(self, releases: list[Release]) -> list:
                if calls.stop_after is not None and len(calls.ids) + len(releases) > calls.stop_after:
                    raise KeyboardInterrupt
                calls.ids.extend(r.id for r in releases)
                return process(releases)

        return Counting()


def counting(stop_after: int | None = None) -> CountingJob:
    return CountingJob("summarize", SummarizeOptions(english=False), Calls(stop_after=stop_after))


def records(folder: Path, pattern: str = "part-*.jsonl") -> dict[str, dict]:
    lines = [line for shard in sorted(folder.glob(pattern)) for line in shard.read_text(encoding="utf-8").splitlines()]
    found = {json.loads(line)["id"]: json.loads(line) for line in lines}
    assert len(found) == len(lines), "a record was written twice"
    return found


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def single_process(*args: str) -> dict[str, dict]:
    result = runner.invoke(app, [*args, "-f", "jsonl"])
    return {json.loads(line)["id"]: json.loads(line) for line in result.stdout.splitlines()}


def write_corpus(folder: Path, count: int, bad: bool = False) -> Path:
    folder.mkdir(parents=True)
    for i, text in enumerate(release_texts(count, real=False)):
        (folder / f"r{i:03d}.txt").write_text(text, encoding="utf-8")
    if bad:
        (folder / "binary.txt").write_bytes(b"\x00\x01\x02")
        (folder / "english.txt").write_text("Only English here.\n", encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """40 releases and 2 unusable inputs."""
    return write_corpus(tmp_path / "in", 40, bad=True)


def test_resume_never_sends_a_finished_release_to_the_model_again(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = counting(stop_after=20)
    with pytest.raises(KeyboardInterrupt):
        run_local(first, [str(corpus)], out)
    done = records(out)
    assert 0 < len(done) <= 20 and sorted(done) == sorted(first.calls.ids)  # finished work is kept on Ctrl-C
    assert manifest(out)["status"] == "interrupted"

    second = counting()
    summary = run_local(second, [str(corpus)], out)
    assert not set(second.calls.ids) & set(done), "a release already in DIR reached the model again"
    assert sorted(done) + sorted(second.calls.ids) == sorted(records(out))
    assert (summary.written, summary.skipped, summary.errors) == (40 - len(done), len(done), 2)
    assert {k: v for k, v in records(out).items()} == single_process("summarize", str(corpus), *NO_ENGLISH)

    third = counting()
    summary = run_local(third, [str(corpus)], out)
    assert third.calls.ids == [] and (summary.written, summary.skipped, summary.errors) == (0, 40, 2)
    errors = records(out, "errors-*.jsonl")
    assert sorted(e["source"] for e in errors.values()) == sorted(str(corpus / n) for n in ("binary.txt", "english.txt"))
    m = manifest(out)
    assert m["counts"] == {"releases": 40, "errors": 2} and m["status"] == "complete"
    assert [(r["status"], r["written"], r["errors"]) for r in m["runs"]] == [
        ("interrupted", len(done), 2), ("complete", 40 - len(done), 2), ("complete", 0, 2)
    ]


def test_failed_inputs_are_read_again_and_counted_on_every_rerun(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)]
    for written in (40, 0):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_INPUT, result.stderr
        assert sum("binary.txt" in line or "english.txt" in line for line in result.stderr.splitlines()) == 2
        assert f"{written} releases written, 2 errors, {40 - written} already there" in result.stderr
    (corpus / "binary.txt").write_text(release_texts(41, real=False)[40], encoding="utf-8")  # the user fixes one
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_INPUT and "1 releases written, 1 errors, 40 already there" in result.stderr
    assert len(records(out, "errors-*.jsonl")) == 2 and len(records(out)) == 41


def test_shards_and_manifest_are_written_to_a_temporary_name_then_renamed(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def spy(src: str | Path, dst: str | Path) -> None:
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    out = tmp_path / "out"
    run_local(counting(), [str(corpus)], out)
    written = {p.name for p in out.iterdir() if SHARD_NAME.fullmatch(p.name) or p.name == "manifest.json"}
    assert written == {dst.name for _, dst in renames} and len(written) >= 3
    for src, dst in renames:
        assert src.parent == dst.parent == out and src.name.startswith(f".{dst.name}.") and src.name.endswith(".tmp")


def test_ids_are_unique_per_input_file(tmp_path: Path) -> None:
    """Two release.txt in two folders are two releases; a later run with a third folder is not skipped."""
    texts = release_texts(3, real=False)
    for folder, text in zip("abc", texts):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "release.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    a, b, c = (str(tmp_path / f) for f in "abc")
    first = runner.invoke(app, ["summarize", a, b, f"{a}/release.txt", *NO_ENGLISH, "--output-dir", str(out)])
    assert first.exit_code == 0 and "2 releases written" in first.stderr  # the same file named twice: once
    assert sorted(records(out)) == ["a/release.txt#1", "b/release.txt#1"]
    later = runner.invoke(app, ["summarize", c, *NO_ENGLISH, "--output-dir", str(out)])
    assert later.exit_code == 0 and "1 releases written, 0 errors, 0 already there" in later.stderr
    assert sorted(records(out)) == ["a/release.txt#1", "b/release.txt#1", "c/release.txt#1"]
    assert {r["title"] for r in records(out).values()} == {t.splitlines()[0] for t in texts}


def test_repeated_json_line_ids_are_refused_with_both_places_never_dropped(tmp_path: Path) -> None:
    texts = release_texts(4, real=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "feed.jsonl").write_text("".join(
        json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n" for rid, text in zip(["x", "y", "x"], texts)
    ), encoding="utf-8")
    (tmp_path / "b" / "feed.jsonl").write_text(json.dumps({"text": texts[3]}, ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "a" / "plain.jsonl").write_text(json.dumps({"text": texts[3]}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["summarize", str(tmp_path / "a"), str(tmp_path / "b"), "--input-format", "jsonl", *NO_ENGLISH,
            "--output-dir", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_INPUT
    refused = [line for line in result.stderr.splitlines() if "feed.jsonl:3" in line]
    assert len(refused) == 1 and "feed.jsonl:1" in refused[0] and '"x"' in refused[0]
    assert sorted(records(out)) == ["a/plain.jsonl:1", "b/feed.jsonl:1", "x", "y"]  # default ids: per file
    assert [e["source"] for e in records(out, "errors-*.jsonl").values()] == [str(tmp_path / "a" / "feed.jsonl") + ":3"]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (["summarize"], ["summarize", "-n", "5"], "was written without --sentences, this run gives --sentences 5"),
        (["summarize", "--ratio", "0.5"], ["summarize"], "was written with --ratio 0.5, this run leaves --ratio out"),
        (["summarize", "--no-support"], ["summarize"], "was written with --no-support, this run gives --support"),
        (["summarize", "--min-support", "0.3"], ["summarize", "--min-support", "0.4"],
         "with --min-support 0.3, this run gives --min-support 0.4"),
        (["summarize"], ["translate"], "holds the output of `arsum summarize`, not of `arsum translate`"),
        (["translate", "--to", "fr"], ["translate"], "was written with --to fr, this run gives --to en"),
        (["summarize"], ["summarize", "--split", "never"], "was written with --split auto, this run gives --split never"),
    ],
)
def test_a_rerun_with_other_options_is_refused_naming_the_option(
    before: list[str], after: list[str], expected: str, corpus: Path, tmp_path: Path
) -> None:
    out = ["--output-dir", str(tmp_path / "out")]
    extra = {"summarize": [*NO_ENGLISH], "translate": ["--model", str(tmp_path / "no-such-model")]}
    if before[0] == "translate":  # no model needed: a manifest as a translate run writes it
        OutputDir(tmp_path / "out", Job("translate", TranslateOptions(target="fr")), None, []).close(RunSummary(), "complete")
    else:
        first = runner.invoke(app, [before[0], str(corpus), *extra[before[0]], *before[1:], *out])
        assert first.exit_code == EXIT_INPUT, first.stderr
    second = runner.invoke(app, [after[0], str(corpus), *extra[after[0]], *after[1:], *out])
    assert second.exit_code == EXIT_USAGE and second.stderr.count("\n") == 1, second.stderr
    assert expected in second.stderr and "{" not in second.stderr


def test_an_output_dir_inside_an_input_folder_is_refused(corpus: Path) -> None:
    for out in (corpus, corpus / "out", corpus / "out" / "deeper"):
        result = runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)])
        assert result.exit_code == EXIT_USAGE and "--output-dir outside the inputs" in result.stderr
    assert not (corpus / "out").exists()


def test_a_second_run_into_the_same_folder_is_refused_while_the_first_holds_it(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = OutputDir(out, counting(), None, [str(corpus)])
    try:
        result = runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)])
        assert result.exit_code == EXIT_USAGE and result.stderr.count("\n") == 1
        assert f"another arsum run (pid {os.getpid()}) is writing there" in result.stderr
        assert not list(out.glob("part-*"))
    finally:
        holder.close(RunSummary(), "complete")
    assert runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)]).exit_code == EXIT_INPUT


def test_only_the_runs_own_temporary_files_are_removed(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = {".notes.tmp": "a", ".part-draft.jsonl.tmp": "b", "notes.txt": "c", ".manifest.json.tmp": "d"}
    for name, text in mine.items():
        (out / name).write_text(text, encoding="utf-8")
    stale = out / ".part-20260101T000000-abcdef-00001.jsonl.0123abcd.tmp"  # a run that died while writing
    stale.write_text('{"id": "cut', encoding="utf-8")
    run_local(counting(), [str(corpus)], out)
    assert not stale.exists()
    assert {name: (out / name).read_text(encoding="utf-8") for name in mine} == mine


def _cut_shard(out: Path) -> Path:
    shard = min(out.glob("part-*.jsonl"))
    shard.write_bytes(shard.read_bytes()[:-40])
    return shard


def _append(data: bytes) -> Callable[[Path], Path]:
    def damage(out: Path) -> Path:
        shard = min(out.glob("part-*.jsonl"))
        shard.write_bytes(shard.read_bytes() + data)
        return shard

    return damage


def _linked_shard(out: Path) -> Path:
    shard = min(out.glob("part-*.jsonl"))
    target = out.parent / "elsewhere.jsonl"
    shard.rename(target)
    shard.symlink_to(target)
    return shard


def _foreign_shard(out: Path) -> Path:
    path = out / "part-mine.jsonl"
    path.write_text('{"id": "x", "source": "y"}\n', encoding="utf-8")
    return path


def _manifest(data: bytes) -> Callable[[Path], Path]:
    def damage(out: Path) -> Path:
        (out / "manifest.json").write_bytes(data)
        return out / "manifest.json"

    return damage


def _manifest_fifo(out: Path) -> Path:
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json")
    return out / "manifest.json"


def _linked_lock(out: Path) -> Path:
    (out / ".arsum.lock").unlink()
    (out / ".arsum.lock").symlink_to(out.parent / "victim")
    return out / ".arsum.lock"


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_cut_shard, "cut short"),
        (_append(b"\xff\xfe\n"), "not valid UTF-8"),
        (_append(b'{"id": \n'), "not JSON"),
        (_append(b'{"title": "no id"}\n'), "not an arsum record"),
        (_append(b"[" * 100_000 + b"\n"), "not JSON"),
        (_linked_shard, "not a regular file"),
        (_foreign_shard, "was not written by arsum"),
        (_manifest(b'{"command": "summarize", "sett'), "not valid JSON"),
        (_manifest(b"\xff\xfe{}"), "not valid UTF-8"),
        (_manifest(b'{"command": 7, "settings": {}}'), "not an arsum manifest"),
        (_manifest(b'{"command": "summarize", "settings": {}, "runs": {"a": 1}}'), "not an arsum manifest"),
        (_manifest(b"[]"), "not an arsum manifest"),
        (_manifest(b" " * (9 << 20)), "bytes, not a manifest arsum wrote"),
        (_manifest_fifo, "not a regular file"),
        (_linked_lock, "cannot open the lock"),
    ],
    ids=lambda value: value if isinstance(value, str) else getattr(value, "__name__", "damage"),
)
def test_a_damaged_folder_is_named_with_the_fix_never_an_internal_error(
    damage: Callable[[Path], Path], problem: str, corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run_local(counting(), [str(corpus)], out)
    named = damage(out)
    result = runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)])
    assert result.exit_code == EXIT_USAGE, result.stderr
    assert result.stderr.count("\n") == 1 and "internal error" not in result.stderr
    assert str(named) in result.stderr and problem in result.stderr
    assert not (out.parent / "victim").exists()


def test_a_damaged_shard_deleted_as_told_is_redone(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_local(counting(), [str(corpus)], out)
    shard = _cut_shard(out)
    message = runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", str(out)]).stderr
    assert "delete this file and run again" in message
    lost = len(shard.read_text(encoding="utf-8", errors="replace").splitlines())
    shard.unlink()
    again = counting()
    run_local(again, [str(corpus)], out)
    assert len(again.calls.ids) == lost and len(records(out)) == 40


def test_output_dir_refuses_an_output_file_and_other_formats(corpus: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    for extra, message in [(["-o", str(tmp_path / "x.jsonl")], "-o FILE is for"), (["-f", "markdown"], "-f markdown")]:
        result = runner.invoke(app, ["summarize", str(corpus), *NO_ENGLISH, "--output-dir", out, *extra])
        assert result.exit_code == EXIT_USAGE and message in result.stderr
    stdin = runner.invoke(app, ["summarize", "-", *NO_ENGLISH, "--output-dir", out], input="نص")
    assert stdin.exit_code == EXIT_USAGE and "not stdin" in stdin.stderr


def test_translate_into_an_output_dir_equals_one_process(tiny_marian: Path, tmp_path: Path) -> None:
    folder = write_corpus(tmp_path / "in", 5)
    args = ["translate", str(folder), "--model", str(tiny_marian), "--no-support"]
    out = tmp_path / "out"
    result = runner.invoke(app, [*args, "--output-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    assert records(out) == single_process(*args) and len(records(out)) == 5
    assert manifest(out)["models"] and manifest(out)["command"] == "translate"


# --------------------------------------------------------------------------- as a process: signals


def _fifo_behind(tmp_path: Path, count: int) -> tuple[Path, Path]:
    """A corpus, and a FIFO given after it: arsum blocks reading the FIFO once every release before it is done,
    which is when the test interrupts it (no timing involved)."""
    folder = write_corpus(tmp_path / "in", count)
    fifo = tmp_path / "later.txt"
    os.mkfifo(fifo)
    return folder, fifo


def _interrupt_at_fifo(args: list[str], fifo: Path, signum: int) -> subprocess.CompletedProcess:
    proc = subprocess.Popen([*ARSUM, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    with open(fifo, "w", encoding="utf-8"):  # returns once arsum opened the FIFO: all before it is finished
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.mark.parametrize(("signum", "code", "said"), [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_killed_local_run_keeps_every_finished_record_and_resumes(
    signum: int, code: int, said: str, tmp_path: Path
) -> None:
    folder, fifo = _fifo_behind(tmp_path, 48)
    out = tmp_path / "out"
    stopped = _interrupt_at_fifo(["summarize", str(folder), str(fifo), *NO_ENGLISH, "--output-dir", str(out)], fifo, signum)
    assert stopped.returncode == code, stopped.stderr
    assert all(line.startswith("arsum: ") for line in stopped.stderr.splitlines()) and said in stopped.stderr
    assert "the same command resumes" in stopped.stderr
    kept = len(records(out))  # every release of every finished window (48, unless a window is above 48)
    assert kept > 0 and manifest(out)["status"] == "interrupted"
    assert f"{kept} releases written" in stopped.stderr
    resumed = runner.invoke(app, ["summarize", str(folder), *NO_ENGLISH, "--output-dir", str(out)])
    assert resumed.exit_code == 0 and f"{48 - kept} releases written, 0 errors, {kept} already there" in resumed.stderr
    # the first run also named the FIFO, so its ids are relative to the folder above both (`in/r000.txt#1`)
    assert sorted(records(out)) == sorted(f"in/{name}" for name in single_process("summarize", str(folder), *NO_ENGLISH))
    assert {r["source"]: {**r, "id": None} for r in records(out).values()} == {
        r["source"]: {**r, "id": None} for r in single_process("summarize", str(folder), *NO_ENGLISH).values()
    }


def test_ctrl_c_on_o_says_what_was_discarded_and_points_to_output_dir(tmp_path: Path) -> None:
    folder, fifo = _fifo_behind(tmp_path, 48)
    target = tmp_path / "all.jsonl"
    stopped = _interrupt_at_fifo(["summarize", str(folder), str(fifo), *NO_ENGLISH, "-o", str(target)], fifo,
                                 signal.SIGINT)
    assert stopped.returncode == 130 and not target.exists() and not list(tmp_path.glob(".all.jsonl*"))
    said = [line for line in stopped.stderr.splitlines() if "discarded" in line]
    assert len(said) == 1 and "--output-dir" in said[0]
    discarded = int(re.search(r"(\d+) finished records discarded", said[0]).group(1))
    assert 0 < discarded <= 48


# --------------------------------------------------------------------------- remote JSON lines under --max-bytes


def test_remote_json_lines_are_read_a_line_at_a_time_under_max_bytes(tmp_path: Path) -> None:
    """A 256 MB remote feed with one endless line: refused as that line, never held in memory whole."""
    pytest.importorskip("pyarrow")
    import tracemalloc

    from arsum.tasks.outdir import InputOptions, read_any

    feed = tmp_path / "feed.jsonl"
    good = json.dumps({"id": "ok", "text": release_texts(1, real=False)[0]}, ensure_ascii=False).encode()
    with open(feed, "wb") as handle:
        handle.write(good + b"\n")
        handle.truncate(len(good) + 1 + (256 << 20))  # a sparse tail of NUL bytes, no newline
    tracemalloc.start()
    try:
        items = list(read_any(f"file://{feed}", InputOptions("jsonl", max_bytes=100_000)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [getattr(i, "id", None) for i in items][:1] == ["ok"]
    assert len(items) == 2 and "above the --max-bytes limit" in str(items[1])
    assert peak < 64 << 20, f"{peak} bytes held for a feed read under --max-bytes 100000"


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        ({"length": {"count": None}}, {"length": {"count": 4}}, "without --sentences, this run gives --sentences 4"),
        ({"english": True}, {"english": False}, "with --english, this run gives --no-english"),
        ({"models": {"config_path": "a.toml"}}, {"models": {"config_path": None}}, "with --config a.toml, this run leaves --config out"),
        ({"support": {"revision": None}}, {"support": {"revision": "abc"}}, 'the setting support.revision = null, this run gives the setting support.revision = "abc"'),
        ({"target": "fr", "new_field": 1}, {"target": "fr", "newer_field": 2}, None),  # fields of another version
    ],
)
def test_settings_difference_names_the_option_or_the_setting(before: dict, now: dict, expected: str | None) -> None:
    from arsum.tasks.outdir import settings_difference

    found = settings_difference(before, now)
    assert found == expected or (expected is not None and found is not None and found.endswith(expected))


def test_parts_of_a_release_in_several_files_are_joined_as_in_one_process(tmp_path: Path) -> None:
    from test_feeds import P1, P2, P3

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("a.txt", P1), ("b.txt", P2), ("c.txt", P3)):
        (folder / name).write_text(text, encoding="utf-8")
    for extra, count in (([], 1), (["--keep-parts"], 3)):
        out = tmp_path / f"out{count}"
        result = runner.invoke(app, ["summarize", str(folder), *NO_ENGLISH, *extra, "--output-dir", str(out)])
        assert result.exit_code == 0, result.stderr
        assert records(out) == single_process("summarize", str(folder), *NO_ENGLISH, *extra) and len(records(out)) == count
    assert records(tmp_path / "out1")["a.txt#1"]["parts"] == ["a.txt#1", "b.txt#1", "c.txt#1"]
    other = runner.invoke(app, ["summarize", str(folder), *NO_ENGLISH, "--keep-parts", "--output-dir", str(tmp_path / "out1")])
    assert other.exit_code == EXIT_USAGE and "this run gives --keep-parts" in other.stderr


def test_web_addresses_are_read_as_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """http(s) inputs go to arsum's own reader (not pyarrow's): the same records and ids (the address) as one
    process, and a page that cannot be had is an error record."""
    import test_web

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("ARSUM_OFFLINE", raising=False)
    server = test_web.ThreadingHTTPServer(("127.0.0.1", 0), test_web._Handler)
    thread = test_web.threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        urls = [f"{base}/article.html", f"{base}/missing"]
        out = tmp_path / "out"
        result = runner.invoke(app, ["summarize", *urls, *NO_ENGLISH, "--output-dir", str(out)])
        single = single_process("summarize", *urls, *NO_ENGLISH)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == EXIT_INPUT, result.stderr
    assert records(out) == single and list(single) == [f"{urls[0]}#1"]
    assert [e["source"] for e in records(out, "errors-*.jsonl").values()] == [urls[1]]


def test_a_later_run_from_another_folder_keeps_the_first_runs_ids_and_adds_its_own(tmp_path: Path) -> None:
    """day1/ then day2/, each with a release.txt: the second is not taken for the first (issue 23's lost release)."""
    for day, text in zip(("day1", "day2"), release_texts(2, real=False)):
        (tmp_path / day).mkdir()
        (tmp_path / day / "release.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    for day, line in (("day1", "1 releases written, 0 errors, 0 already there"),
                      ("day2", "1 releases written, 0 errors, 0 already there"),
                      ("day1", "0 releases written, 0 errors, 1 already there")):
        result = runner.invoke(app, ["summarize", str(tmp_path / day), *NO_ENGLISH, "--output-dir", str(out)])
        assert result.exit_code == 0 and line in result.stderr, result.stderr
    assert sorted(records(out)) == ["../day2/release.txt#1", "release.txt#1"]
    assert manifest(out)["id_roots"] == {"local": f"{os.path.realpath(tmp_path / 'day1')}/"}
