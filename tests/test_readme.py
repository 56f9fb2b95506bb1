"""Every `arsum` command in the README's bash blocks runs and gives what it says, on tiny models where one is needed.

Commands run in-process (CliRunner, `arsum` standing for `python -m arsum`) inside a folder holding the files the
examples name (release.txt, releases/, releases.jsonl); a user models.toml points the README's model names at the
tests' tiny models. Pipes, `<`, `>` and `cat` are played by a small interpreter; `jq` runs when it is installed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, fake_hub_download
from typer.testing import CliRunner

from arsum.cli.app import app

README = REPO_ROOT / "README.md"
SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def readme_commands() -> list[str]:
    """Each `arsum …` command of the README's bash blocks, comments dropped (`a && arsum b` gives `arsum b`)."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    commands = []
    for line in (ln for block in blocks for ln in block.splitlines()):
        code = re.split(r"\s+#\s", " " + line, maxsplit=1)[0].strip()
        for part in code.split("&&"):
            if re.search(r"(^|\|\s*)([A-Z_]+=\S*\s+)*arsum\s", part.strip()):
                commands.append(part.strip())
    return list(dict.fromkeys(commands))


COMMANDS = readme_commands()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, tiny_models: dict[str, Path]) -> Path:
    """The files the examples name (release.txt, releases/, releases.jsonl, seeds/, summary.en, source.ar, …) and a
    models.toml that maps the README's model names to tiny models."""
    root = tmp_path_factory.mktemp("readme")
    text = SEED.read_text(encoding="utf-8")
    (root / "release.txt").write_text(text, encoding="utf-8")
    (root / "releases").mkdir()
    for k in (1, 2):
        (root / "releases" / f"r{k}.txt").write_text(text, encoding="utf-8")
    record = {"id": "r1", "title": text.splitlines()[0], "text": "\n".join(text.splitlines()[2:])}
    (root / "releases.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds")
    english = "Hikmet Hajiyev took part in the NATO-Azerbaijan political dialogue in Brussels on 12 and 13 May.\n"
    (root / "summary.en").write_text(english, encoding="utf-8")
    (root / "translation.en").write_text(english * 3, encoding="utf-8")
    body = [line for line in text.splitlines()[2:] if line.strip()][:3]
    (root / "source.ar").write_text("\n".join(body) + "\n", encoding="utf-8")
    (root / "reference.en").write_text(english * len(body), encoding="utf-8")
    names = {
        "crosssum-m2m": "mt5", "opus-mt-tc-big-ar-en": "marian", "opus-mt-ar-en": "marian",
        "nllb-200-distilled-600m": "nllb",
    }
    (root / "models.toml").write_text(
        "".join(
            f'[models.{name}]\nsource = "{tiny_models[kind]}"\n[models.{name}.generation]\nnum_beams = 1\nmax_new_tokens = 8\n\n'
            for name, kind in names.items()
        ),
        encoding="utf-8",
    )
    return root


def check_output(command: str, out: str) -> None:
    """What the command says it prints: JSON for -f json / *.json, one object a line for jsonl, else some text."""
    assert out.strip(), command
    if re.search(r"(-f|--format) json(\s|$)", command):
        assert isinstance(json.loads(out), list)
    elif re.search(r"(-f|--format) jsonl|--input-format jsonl", command):
        assert all(isinstance(json.loads(line), dict) for line in out.splitlines())


def run_pipeline(command: str, root: Path) -> str:
    """Run `cat F | NAME=VALUE arsum … < F > F (or >> F) | jq …` the way a shell would; returns the last stdout."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|<>")
    lexer.whitespace_split = True
    tokens = list(lexer)
    stages: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            stages.append([])
        else:
            stages[-1].append(token)
    data: str | None = None
    for stage in stages:
        argv, redirect_in, redirect_out, append = [], None, None, False
        it = iter(stage)
        for token in it:
            if token == "<":
                redirect_in = next(it)
            elif token in (">", ">>"):
                redirect_out, append = Path(next(it)).expanduser(), token == ">>"
            else:
                argv.append(str(Path(token).expanduser()) if token.startswith("~") else token)
        if redirect_in:
            data = (root / redirect_in).read_text(encoding="utf-8")
        if argv[0] == "cat":
            data = (root / argv[1]).read_text(encoding="utf-8")
            continue
        if argv[0] == "jq":
            if shutil.which("jq") is None:
                continue  # its input was already checked as JSON lines
            done = subprocess.run(argv, input=data, capture_output=True, text=True, check=False, timeout=60)
            assert done.returncode == 0, done.stderr
            data = done.stdout
            continue
        env = dict(a.split("=", 1) for a in argv if re.fullmatch(r"[A-Z_]+=\S*", a))
        argv = argv[len(env):]
        assert argv[0] == "arsum", command
        result = CliRunner().invoke(app, argv[1:], input=data, env=env)
        allowed = (0, 3) if argv[1] == "check" else (0,)  # README: check exits 3 when it flags something
        assert result.exit_code in allowed, f"{command}\n{result.stderr}"
        data = result.stdout
        if re.search(r"--output-dir \S", command):  # the records are in the folder; stdout is empty
            folder = root / re.search(r"--output-dir (\S+)", command).group(1)
            assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["status"] == "complete"
            check_output(command, "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("part-*.jsonl"))))
        elif not re.search(r"-o \S", command):
            check_output(command, data)
        if redirect_out:
            with (root / redirect_out).open("a" if append else "w", encoding="utf-8") as sink:
                sink.write(data)
    return data or ""


def test_the_readme_has_examples() -> None:
    assert len(COMMANDS) >= 15
    assert any(c.startswith("arsum summarize seeds/") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_example_runs(
    command: str, workdir: Path, tiny_models: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    (workdir / "home").mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(workdir / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("ARSUM_CONFIG", str(workdir / "models.toml"))
    if "--ray" in command:  # s3:// input, a ray:// head: no cluster here; --ray local is run by test_ray.py
        pytest.skip("needs a Ray instance or cluster (test_ray.py runs --ray local in one shared Ray session)")
    if "convert" in command or "ct2" in command:
        pytest.importorskip("ctranslate2")
    converted = workdir / "home" / ".cache" / "arsum" / "ct2" / "opus-mt-tc-big-ar-en-int8"
    if "/ct2/" in command and not converted.exists():  # uses the conversion the README makes one line before
        run_pipeline("arsum models convert opus-mt-tc-big-ar-en --quantization int8", workdir)
    for target in re.findall(r"-o (\S+)", command):
        (workdir / target).unlink(missing_ok=True)
    if "models convert" in command:
        shutil.rmtree(converted, ignore_errors=True)
    if re.search(r"models (export|import)", command):
        # the packaged catalogue, where crosssum-m2m is a hub id, its snapshot faked in this test's own HF cache
        # by the tiny mT5 (whose weights are not the catalogue's 2.35 GB and whose langid_map has two of its 45
        # languages, which import compares: said here)
        tiny_size = workdir / "tiny-size.toml"
        tiny_size.write_text('[models.crosssum-m2m]\ndownload_mb = 1\nlanguages = ["ar", "en"]\n', encoding="utf-8")
        monkeypatch.setenv("ARSUM_CONFIG", str(tiny_size))
        snapshot = fake_hub_download(tiny_models["mt5"], "csebuetnlp/mT5_m2m_crossSum_enhanced")
        if "import" in command:  # the archive the export line makes, then a machine that has nothing yet
            (workdir / "crosssum.tar").unlink(missing_ok=True)
            run_pipeline("arsum models export crosssum-m2m -o crosssum.tar", workdir)
            shutil.rmtree(snapshot.parents[1])
    run_pipeline(command, workdir)
    for target in re.findall(r"(?:-o|>) (\S+)", command):
        path = workdir / Path(target).expanduser()
        if path.suffix == ".tar":  # `models export`: an archive, not text
            assert tarfile.is_tarfile(path), command
            continue
        check_output(command, path.read_text(encoding="utf-8"))


def test_the_screenshot_is_of_the_current_output() -> None:
    assert "(docs/summarize-seed.svg)" in README.read_text(encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "screenshot.py"), "--check"],
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
