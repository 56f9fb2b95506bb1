"""Start-up time of arsum commands against `python -c "import typer, rich"`, with and without cached bytecode.

    python bench/bench_startup.py [--runs 30]

Each command runs --runs times, all commands interleaved round-robin so load drift hits them alike; medians, min
and max in ms, and the median's ratio to the baseline's. arsum runs as its console script does, from a copy of the
package in a temporary folder: "cold" has no bytecode for arsum (a fresh clone, PYTHONDONTWRITEBYTECODE so it stays
cold), "warm" was compiled first (every later run). Dependencies keep their installed bytecode in both. Caches and
config point into the temporary folder, offline, so no model is found (the default summarize path says so once).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
ENTRY = "import sys; from arsum.cli import main; sys.argv[0] = 'arsum'; main()"
COMMANDS = {
    "arsum --help": ["--help"],
    "summarize --no-english -f json": ["summarize", str(SEED), "--no-english", "-f", "json"],
    "summarize -f json (no model)": ["summarize", str(SEED), "-f", "json"],
    "summarize --no-english -f rich": ["summarize", str(SEED), "--no-english", "-f", "rich"],
}


def package_copy(dest: Path, compiled: bool, completion: bool = True) -> Path:
    """arsum and models.toml copied without __pycache__; compiled ahead of time when `compiled`.

    `completion=False` switches typer's shell completion options off in the copy, to measure what they cost.
    """
    shutil.copytree(ROOT / "arsum", dest / "arsum", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "models.toml", dest / "arsum" / "models.toml")
    if not completion:  # the root's --show-completion/--install-completion options (arsum.cli.completion) left out
        app = dest / "arsum" / "cli" / "app.py"
        source = app.read_text(encoding="utf-8")
        options = "    show_completion: ShowCompletionOpt = None,\n    install_completion: InstallCompletionOpt = None,\n"
        assert options in source
        app.write_text(source.replace(options, ""), encoding="utf-8")
    if compiled:
        compileall.compile_dir(dest / "arsum", quiet=1)
    return dest


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of one run, started in the package copy's folder (`-c` puts the working folder first on sys.path)."""
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd=env["ARSUM_BENCH_CWD"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arsum-startup-") as tmp:
        base_env = {
            **os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": f"{tmp}/cache", "XDG_CONFIG_HOME": f"{tmp}/config",
            "HF_HOME": f"{tmp}/hf", "COLUMNS": "100", "ARSUM_BENCH_CWD": tmp,
        }
        base_env.pop("ARSUM_CONFIG", None)
        base_env.pop("PYTHONPATH", None)
        variants: dict[str, tuple[list[str], dict[str, str]]] = {
            "baseline: import typer, rich": ([sys.executable, "-c", "import typer, rich"], base_env),
        }
        for mode, compiled in (("warm", True), ("cold", False)):
            folder = package_copy(Path(tmp) / mode, compiled)
            env = {**base_env, "PYTHONPATH": str(folder), "ARSUM_BENCH_CWD": str(folder)}
            if not compiled:
                env["PYTHONDONTWRITEBYTECODE"] = "1"
            for name, argv in COMMANDS.items():
                variants[f"{mode}: {name}"] = ([sys.executable, "-c", ENTRY, *argv], env)
        folder = package_copy(Path(tmp) / "no-completion", compiled=True, completion=False)
        env = {**base_env, "PYTHONPATH": str(folder), "ARSUM_BENCH_CWD": str(folder)}
        variants["warm: arsum --help, completion off"] = ([sys.executable, "-c", ENTRY, "--help"], env)
        for argv, env in variants.values():  # one untimed run each: file system caches
            timed(argv, env)
        times: dict[str, list[float]] = {name: [] for name in variants}
        load_before = os.getloadavg()
        for _ in range(args.runs):
            for name, (argv, env) in variants.items():
                times[name].append(timed(argv, env))
        load_after = os.getloadavg()
    baseline = statistics.median(times["baseline: import typer, rich"])
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, interleaved")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"{'command':<46} {'median ms':>9} {'min':>7} {'max':>7} {'x baseline':>10}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<46} {median:9.1f} {min(values):7.1f} {max(values):7.1f} {median / baseline:9.2f}x")


if __name__ == "__main__":
    main()
