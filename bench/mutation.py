"""Mutation testing of the core modules with mutmut 3.x (a benchmark, not CI: it takes tens of minutes).

Each module runs in its own scratch copy of the repository, with a mutmut configuration that mutates only
that module and runs only the test files that exercise it, so one module finishes on its own and the
repository is never touched. Prints, per module, the mutant counts and the survival rate, and the survivors'
names (inspect one with `mutmut show NAME` in the scratch folder printed).

    pip install mutmut        # 3.x
    PYTHONPATH=$PWD nice -n 10 python3 bench/mutation.py                      # every core module
    PYTHONPATH=$PWD nice -n 10 python3 bench/mutation.py arsum/tasks/support.py  # one module
    ... --sample '*__mutmut_*[05]'   # a systematic 1-in-5 sample of each function's mutants (when time is short)
    ... --changed origin/main        # only the listed modules that a change touches (whole modules, every mutant)
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# module -> the tests that exercise it, as pytest arguments (mutmut further narrows to the tests reaching each function)
MODULES: dict[str, list[str]] = {
    "arsum/text/arabic.py": ["tests/test_arabic.py", "tests/test_properties.py", "tests/test_releases.py"],
    "arsum/text/releases.py": ["tests/test_releases.py", "tests/test_properties.py"],
    "arsum/text/furniture.py": ["tests/test_releases.py", "tests/test_properties.py"],
    "arsum/text/feeds.py": ["tests/test_feeds.py", "tests/test_releases.py"],
    "arsum/text/parts.py": ["tests/test_feeds.py"],
    "arsum/tasks/extractive.py": ["tests/test_extractive.py", "tests/test_properties.py"],
    "arsum/tasks/number_check.py": ["tests/test_number_readings.py", "tests/test_check.py", "tests/test_support.py", "-k",
                                    "readings or numbers or annotate or check"],
    "arsum/tasks/support.py": ["tests/test_support.py"],
    "arsum/cli/output.py": [  # the in-process tests: a subprocess would run the mutated code outside mutmut's view
        "tests/test_output_module.py", "tests/test_output_paths.py", "tests/test_process.py", "tests/test_cli.py", "-k",
        "test_output_module or (test_output_paths and not stdin) or ordinary_permissions or disk_full_on_the_output or unwritable"
        " or output_file_is_written or never_overwrites or no_partial_output",
    ],
    "arsum/models/engine.py": ["tests/test_engine.py", "tests/test_backends.py"],
    # the modules first mutated for issue 26 (in-process tests only: a subprocess runs the code outside mutmut's view)
    "arsum/api.py": ["tests/test_api.py", "tests/test_api_objects.py", "tests/test_api_run_ray.py", "tests/test_digest.py"],
    "arsum/tasks/pipeline.py": ["tests/test_pipeline.py", "tests/test_api.py", "tests/test_support.py"],
    "arsum/tasks/translation.py": ["tests/test_translation.py", "tests/test_pipeline.py", "-k", "translat or window"],
    "arsum/schemas/__init__.py": ["tests/test_output_contract.py"],
    "arsum/tasks/check.py": ["tests/test_check.py"],
    "arsum/models/install.py": ["tests/test_install.py", "tests/test_model_safety.py"],
    "arsum/models/config.py": ["tests/test_config.py", "tests/test_backend_settings.py", "tests/test_settings.py"],
    "arsum/models/ctranslate2_backend.py": ["tests/test_ct2_backend.py", "tests/test_backends.py"],
    "arsum/tasks/distributed.py": ["tests/test_ray.py"],
}
COPY = ["arsum", "tests", "seeds", "bench", "models.toml", "README.md"]  # bench: tests import its helpers (rouge, tinymodels)


def _setup_cfg(module: str, tests: list[str]) -> str:
    lines = "\n".join(f"    {t}" for t in tests)
    return (
        "[mutmut]\n"
        "source_paths = arsum\n"
        "also_copy =\n    models.toml\n    seeds\n    bench\n    README.md\n"
        f"only_mutate = {module}\n"
        f"pytest_add_cli_args_test_selection =\n{lines}\n"
        "pytest_add_cli_args = -p no:cacheprovider -q\n"
        # a mutant that loops is a timeout after 5x its tests' normal time (the default 15x wastes a shared CPU);
        # mutmut's CPU limit is (tests' time + constant) x multiplier x 2, and a forked run also collects and imports
        # the test files (10-15 CPU s here): with the default constant of 1 s every mutant of a fast function was a
        # "timeout" whether its tests failed or not, so survivors were counted as detected
        "timeout_multiplier = 5.0\n"
        "timeout_constant = 30.0\n"
        # torch is not fork-safe once a test has run a model: fork workers from a clean server
        "process_isolation = forkserver\n"
    )


# mutmut's exit-code classes (mutmut/stats.py): a mutant counts as tested when its tests ran to a verdict
KILLED, SURVIVED, NO_TESTS, TIMEOUT = {1, 3}, {0}, {5, 33}, {36, -24, 24, 152, 255}


def _tally(exit_codes: dict[str, int | None]) -> dict[str, object]:
    counts = {"killed": 0, "timeout": 0, "survived": 0, "no_tests": 0, "not_checked": 0, "other": 0}
    survivors = []
    for name, code in exit_codes.items():
        if code is None:
            counts["not_checked"] += 1
        elif code in KILLED:
            counts["killed"] += 1
        elif code in TIMEOUT:
            counts["timeout"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
            survivors.append(name)
        elif code in NO_TESTS:
            counts["no_tests"] += 1
            survivors.append(name + " (no test reaches it)")
        else:
            counts["other"] += 1
    return {"counts": counts, "survivors": sorted(survivors)}


def run_module(module: str, scratch: Path, max_children: int, sample: str | None) -> dict:
    """Mutate one module in a fresh scratch copy; return its counts, survivors and wall time."""
    work = scratch / Path(module).stem
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, work / name)
    (work / "setup.cfg").write_text(_setup_cfg(module, MODULES[module]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"HF_HUB_OFFLINE": "1"}
    env.setdefault("ARSUM_HYPOTHESIS_EXAMPLES", "40")  # property tests, once per mutant: fewer examples each
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *([sample] if sample else [])],
        cwd=work, env=env, capture_output=True, text=True,
    )
    wall = time.perf_counter() - start
    metas = list((work / "mutants").rglob("*.py.meta"))
    if run.returncode != 0 or not metas:
        return {"module": module, "error": (run.stdout + run.stderr)[-2000:], "wall_s": wall}
    codes = {k: v for meta in metas for k, v in json.loads(meta.read_text())["exit_code_by_key"].items()}
    if sample:
        codes = {k: v for k, v in codes.items() if fnmatch.fnmatch(k, sample)}
    return {"module": module, **_tally(codes), "wall_s": wall, "scratch": str(work)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(MODULES), help="modules to mutate (default: all core ones)")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/arsum-mutation"))
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--sample", help="only mutants whose name matches this glob, e.g. '*__mutmut_*[05]' (1 in 5)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--changed", metavar="REF", help="only the modules that `git diff REF` touches (a run CI can afford)")
    args = parser.parse_args()
    modules = args.modules
    if args.changed:
        diff = subprocess.run(["git", "diff", "--name-only", args.changed, "--"], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        modules = [m for m in modules if m in diff.stdout.splitlines()]
        print(f"modules changed since {args.changed}: {', '.join(modules) or 'none with a test selection'}", flush=True)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"no test selection for {', '.join(unknown)}: add it to MODULES")
    results = []
    for module in modules:
        load = os.getloadavg()
        result = run_module(module, args.scratch, args.max_children, args.sample)
        result["loadavg_before"] = load
        results.append(result)
        if "error" in result:
            print(f"{module}: mutmut failed after {result['wall_s']:.0f} s\n{result['error']}", flush=True)
            continue
        c = result["counts"]
        tested = c["killed"] + c["timeout"] + c["survived"]
        print(
            f"{module}: {tested} tested: killed {c['killed']}, timeout {c['timeout']}, survived {c['survived']}"
            f" ({c['survived'] / max(tested, 1):.1%}); no test reaches {c['no_tests']}; not checked {c['not_checked']}"
            f" ({result['wall_s']:.0f} s, load {load[0]:.1f}); scratch {result['scratch']}",
            flush=True,
        )
        for name in result["survivors"]:
            print(f"    survived: {name}", flush=True)
    counted = [r["counts"] for r in results if "counts" in r]
    survived = sum(c["survived"] + c["no_tests"] for c in counted)
    tested = sum(c["killed"] + c["timeout"] + c["survived"] + c["no_tests"] for c in counted)
    if tested:
        print(f"TOTAL: {tested} mutants, {survived} survived or reached by no test ({survived / tested:.1%}); "
              f"{sum(r['wall_s'] for r in results):.0f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
