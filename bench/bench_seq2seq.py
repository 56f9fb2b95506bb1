"""Seq2seq speed, side by side in one run: a naive baseline against arsum's engine and its speed options.

Models are randomly initialised with the real dimensions of the default models (bench/benchmodels.py),
and every configuration is forced to a fixed output length (min_new_tokens = max_new_tokens = 32,
greedy), so random weights cost what real ones do. Each configuration runs in its own subprocess, so
its load time and peak RSS (ru_maxrss) are its own. One warm-up sentence per configuration is not timed.

    python bench/bench_seq2seq.py                 # Marian + mT5-small, 120 SPA sentences, start-up section
    python bench/bench_seq2seq.py --quick         # 24 sentences, Marian only (a smoke run, ~1-2 min)
    python bench/bench_seq2seq.py --workdir DIR   # keep the built/converted models in DIR between runs
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SPA = REPO.parent / "shared" / "eval" / "spa"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

OUTPUT_TOKENS = 32
CONFIGS = ("baseline", "default", "default-full-vocab", "engine", "engine-int8", "ct2-int8", "ct2-float32")
CONFIG_NOTES = {
    "baseline": "one sentence at a time, plain model.generate",
    "default": "what a user gets after `arsum models pull` with no flags: backend auto -> the int8 conversion pull made "
               "(CTranslate2 runs one batch per core side by side on up to 4 cores)",
    "default-full-vocab": "the same conversion without its vocabulary map (vmap.txt): the decoder scores all 62k "
                          "vocabulary entries instead of the target side's 32k (arsum.models.vocabulary)",
    "engine": "arsum engine, --backend transformers (length-sorted token-budget batches, inference_mode, threads)",
    "engine-int8": "arsum engine, --quantize int8 (dynamic int8 linear layers)",
    "ct2-int8": "arsum engine, backend ctranslate2, int8",
    "ct2-float32": "arsum engine, backend ctranslate2, float32",
}
TARGETS = {"default": 20.0, "engine": 7.0, "engine-int8": 14.0, "ct2-int8": 18.0}


@dataclass
class Measurement:
    family: str
    config: str
    sentences: int
    generated_tokens: int
    load_s: float
    run_s: float
    peak_rss_mb: float
    threads: int
    cpu_s: float = 0.0
    load_before: float = 0.0
    load_after: float = 0.0
    backend: str = "transformers"  # what the configuration ran on (`default` chooses it itself)

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.run_s

    @property
    def tokens_per_s(self) -> float:
        return self.generated_tokens / self.run_s


# --- data ------------------------------------------------------------------------------------------------

def spa_sentences() -> list[str]:
    """Every body sentence of the SPA releases, in file order, split by arsum's own release parser."""
    from arsum.text.releases import parse_release

    if not SPA.is_dir():
        raise SystemExit(f"{SPA} not found: the benchmark needs ../shared/eval/spa/ beside the repository")
    sentences: list[str] = []
    for path in sorted(SPA.glob("*.txt")):
        release = parse_release(path.read_text(encoding="utf-8"), id=path.stem, source=str(path))
        sentences.extend(s.text for s in release.sentences)
    return sentences


def pick(sentences: list[str], n: int) -> list[str]:
    """n sentences spread evenly over the corpus (every k-th), so no single release dominates."""
    if n >= len(sentences):
        return sentences
    step = len(sentences) / n
    return [sentences[int(i * step)] for i in range(n)]


def spa_text_lines() -> list[str]:
    return [line for path in sorted(SPA.glob("*.txt"))
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# --- models ----------------------------------------------------------------------------------------------

def prepare_models(workdir: Path, families: list[str], *, small: bool, configs: list[str]) -> dict[str, float]:
    """Build each benchmark model once (and its CTranslate2 conversions); returns seconds spent per step."""
    import benchmodels

    spent: dict[str, float] = {}
    lines = spa_text_lines()
    for family in families:
        folder = workdir / family
        if not (folder / "config.json").is_file():
            start = time.perf_counter()
            benchmodels.build(family, folder, lines, small=small)
            spent[f"build {family}"] = time.perf_counter() - start
        _fix_output_length(folder)
        if "default" in configs or "default-full-vocab" in configs:  # the conversion `arsum models pull` makes
            from arsum.models.convert import ensure_conversion

            start = time.perf_counter()
            conversion = ensure_conversion(default_spec(family, workdir), folder)
            spent[f"convert {family} as models pull does"] = time.perf_counter() - start
            kept = json.loads((conversion / "arsum_ct2.json").read_text(encoding="utf-8")).get("output_vocabulary")
            share = f"{kept['kept']} of {kept['of']}" if kept else "all"
            print(f"# {family}: the decoder may write {share} vocabulary entries", flush=True)
            if "default-full-vocab" in configs:
                from arsum.models.vocabulary import VMAP_FILE

                full = full_vocab_folder(family, workdir)
                shutil.rmtree(full, ignore_errors=True)
                shutil.copytree(conversion, full, ignore=shutil.ignore_patterns(VMAP_FILE))
        for quantization in ("int8", "float32"):
            out = workdir / f"{family}-ct2-{quantization}"
            if f"ct2-{quantization}" in configs and not (out / "model.bin").is_file():
                from arsum.models.convert import convert_model

                start = time.perf_counter()
                convert_model(folder, out, quantization, force=True)  # type: ignore[arg-type]
                spent[f"convert {family} {quantization}"] = time.perf_counter() - start
    return spent


def full_vocab_folder(family: str, workdir: Path) -> Path:
    return workdir / f"{family}-ct2-int8-full-vocab"


def _fix_output_length(folder: Path) -> None:
    """min_new_tokens = max_new_tokens in generation_config.json: every path generates exactly 32 tokens.

    Both backends honour the folder's generation defaults, so arsum's own code paths run unmodified.
    No forced </s> at the last step, so transformers and CTranslate2 decode the same number of steps.
    """
    path = folder / "generation_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(min_new_tokens=OUTPUT_TOKENS, max_new_tokens=OUTPUT_TOKENS)
    config.pop("forced_eos_token_id", None)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


# --- one configuration (runs in a subprocess) ------------------------------------------------------------

def run_config(family: str, config: str, workdir: Path, sentences: list[str]) -> Measurement:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import warnings

    warnings.simplefilter("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    folder = workdir / family
    if config == "baseline":
        return _run_baseline(family, folder, sentences)
    return _run_engine(family, config, workdir, sentences)


def _run_baseline(family: str, folder: Path, sentences: list[str]) -> Measurement:
    """What a first attempt looks like: load, then generate sentence by sentence with defaults."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    if os.environ.get("ARSUM_THREADS"):  # --threads: the same count for every configuration
        torch.set_num_threads(int(os.environ["ARSUM_THREADS"]))
    start = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(folder)).eval()
    load_s = time.perf_counter() - start
    kwargs = dict(num_beams=1, do_sample=False, min_new_tokens=OUTPUT_TOKENS, max_new_tokens=OUTPUT_TOKENS)

    def one(sentence: str) -> int:
        encoded = tokenizer([sentence], return_tensors="pt")
        output = model.generate(**encoded, **kwargs)
        return _generated_length(output[0, 1:].tolist(), model.generation_config.eos_token_id)

    one(sentences[0])  # warm-up, not timed
    load_before, cpu, start = os.getloadavg()[0], _cpu_s(), time.perf_counter()
    generated = sum(one(s) for s in sentences)
    run_s = time.perf_counter() - start
    return Measurement(family, "baseline", len(sentences), generated, load_s, run_s, _peak_rss_mb(),
                       torch.get_num_threads(), _cpu_s() - cpu, load_before, os.getloadavg()[0])


def default_spec(family: str, workdir: Path) -> Any:
    """A catalogue entry as models.toml writes one: no backend, device or quantization chosen (all defaults)."""
    from arsum.models.config import GenerationSettings, ModelSpec

    return ModelSpec(name=f"bench-{family}", source=str(workdir / family), family=family,
                     generation=GenerationSettings(num_beams=1, max_new_tokens=OUTPUT_TOKENS))


def _run_engine(family: str, config: str, workdir: Path, sentences: list[str]) -> Measurement:
    """arsum's own path: build_engine on a spec, exactly as `arsum translate` does."""
    from dataclasses import replace

    from arsum.models.engine import build_engine

    if config == "default":
        engine = build_engine(default_spec(family, workdir))  # device auto, no --quantize, backend auto
    elif config == "default-full-vocab":
        engine = build_engine(replace(default_spec(family, workdir), ct2_path=str(full_vocab_folder(family, workdir))))
    else:
        quantize = config.split("-", 1)[1] if "-" in config else None
        ct2_folder = str(workdir / f"{family}-ct2-{quantize}") if config.startswith("ct2-") else None
        spec = replace(default_spec(family, workdir), backend="ctranslate2" if ct2_folder else "transformers",
                       ct2_path=ct2_folder)
        engine = build_engine(spec, device="cpu", quantize=quantize)
    ct2 = engine.spec.backend == "ctranslate2"
    counter = {"tokens": 0}
    start = time.perf_counter()
    loaded = engine.backend.loaded  # type: ignore[attr-defined]
    load_s = time.perf_counter() - start
    if ct2:
        loaded.translator = _CountingTranslator(loaded.translator, counter)
    else:
        _count_generate(loaded.model, counter)
    engine.generate(sentences[:1])  # warm-up, not timed
    counter["tokens"] = 0
    load_before, cpu, start = os.getloadavg()[0], _cpu_s(), time.perf_counter()
    outputs = engine.generate(sentences).texts
    run_s = time.perf_counter() - start
    assert len(outputs) == len(sentences)
    return Measurement(family, config, len(sentences), counter["tokens"], load_s, run_s, _peak_rss_mb(),
                       _threads(ct2), _cpu_s() - cpu, load_before, os.getloadavg()[0], engine.spec.backend)


class _CountingTranslator:
    """Counts generated tokens without changing what CTranslate2 does."""

    def __init__(self, translator: Any, counter: dict[str, int]) -> None:
        self._translator = translator
        self._counter = counter

    def translate_batch(self, *args: Any, **kwargs: Any) -> Any:
        results = self._translator.translate_batch(*args, **kwargs)
        self._counter["tokens"] += sum(len(r.hypotheses[0]) for r in results)
        return results


def _count_generate(model: Any, counter: dict[str, int]) -> None:
    """Counts tokens up to and including each row's first </s> (what a real model would have produced)."""
    original = model.generate
    eos = model.generation_config.eos_token_id

    def generate(*args: Any, **kwargs: Any) -> Any:
        output = original(*args, **kwargs)
        counter["tokens"] += sum(_generated_length(row, eos) for row in output[:, 1:].tolist())
        return output

    model.generate = generate


def _generated_length(row: list[int], eos: int | None) -> int:
    return row.index(eos) + 1 if eos is not None and eos in row else len(row)


def _threads(ct2: bool) -> int:
    if ct2:
        from arsum.models.device import thread_count

        return thread_count()
    import torch

    return torch.get_num_threads()


def _peak_rss_mb() -> float:
    """This process's own high-water mark: VmHWM resets at exec, unlike ru_maxrss (which a child inherits)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    scale = 1 if sys.platform != "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / scale


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- start-up ----------------------------------------------------------------------------------------------

def startup_commands(release: Path) -> list[tuple[str, list[str]]]:
    # The console script of this interpreter's install; a pyenv-style shim on PATH would add its own start-up.
    script = Path(sys.executable).parent / "arsum"
    arsum = str(script) if script.is_file() else shutil.which("arsum")
    cli = [arsum] if arsum else [sys.executable, "-m", "arsum"]
    return [
        ('python -c "import typer, rich"', [sys.executable, "-c", "import typer, rich"]),
        ("arsum --help", [*cli, "--help"]),
        (f"arsum summarize {release.name} (no model)", [*cli, "summarize", str(release)]),
        (f"arsum summarize --no-english {release.name}", [*cli, "summarize", "--no-english", str(release)]),
    ]


def measure_startup(runs: int) -> list[dict[str, Any]]:
    """Median wall time of each command over `runs` runs, interleaved so drift hits all alike."""
    release = sorted(SPA.glob("*.txt"))[0]
    commands = startup_commands(release)
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "HF_HOME": empty, "HF_HUB_CACHE": str(Path(empty) / "hub"), "HF_HUB_OFFLINE": "1",
               "XDG_CONFIG_HOME": empty, "XDG_CACHE_HOME": empty}
        env.pop("ARSUM_CONFIG", None)
        times: dict[str, list[float]] = {label: [] for label, _ in commands}
        codes: dict[str, int] = {}
        for _ in range(runs):
            for label, argv in commands:
                start = time.perf_counter()
                done = subprocess.run(argv, env=env, capture_output=True)
                times[label].append(time.perf_counter() - start)
                codes[label] = done.returncode
    base = statistics.median(times[commands[0][0]])
    return [{"command": label, "median_s": statistics.median(times[label]), "ratio": statistics.median(times[label]) / base,
             "exit": codes[label]} for label, _ in commands]


# --- report ------------------------------------------------------------------------------------------------

def _median_run(group: list[Measurement]) -> Measurement:
    """The run with the median speed (the lower middle one for an even count): a real run, not an average."""
    ordered = sorted(group, key=lambda m: m.sentences_per_s)
    return ordered[(len(ordered) - 1) // 2]


def table(measurements: list[Measurement]) -> str:
    rows = ["| model | configuration | sentences | sentences/s | tokens/s | vs baseline | target | load s | peak RSS MB "
            "| threads | CPU s / sentence | load avg |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for family in dict.fromkeys(m.family for m in measurements):
        group = [m for m in measurements if m.family == family]
        base = next((m for m in group if m.config == "baseline"), None)
        for m in group:
            ratio = f"{m.sentences_per_s / base.sentences_per_s:.1f}x" if base else "-"
            target = f"≥{TARGETS[m.config]:.0f}x" if m.config in TARGETS and family == "marian" else ""
            rows.append(f"| {family} | {m.config} | {m.sentences} | {m.sentences_per_s:.2f} | {m.tokens_per_s:.0f} | {ratio} "
                        f"| {target} | {m.load_s:.1f} | {m.peak_rss_mb:.0f} | {m.threads} | {m.cpu_s / m.sentences:.2f} "
                        f"| {m.load_before:.1f}→{m.load_after:.1f} |")
    return "\n".join(rows)


def startup_table(rows: list[dict[str, Any]], runs: int) -> str:
    lines = [f"| command (median of {runs}) | wall s | vs import typer, rich | exit |", "|---|---:|---:|---:|"]
    lines += [f"| `{r['command']}` | {r['median_s']:.3f} | {r['ratio']:.2f}x | {r['exit']} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="24 sentences, Marian only, 3 start-up runs")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up section (no models built)")
    parser.add_argument("--sentences", type=int, help="sentences per configuration (default 120; mT5 gets --mt5-sentences)")
    parser.add_argument("--mt5-sentences", type=int, help="sentences for the mT5-small model (default 60)")
    parser.add_argument("--baseline-sentences", type=int, help="the baseline runs every k-th of those sentences "
                        "(default: a third); one-at-a-time throughput does not depend on how many")
    parser.add_argument("--families", default=None, help="comma list of marian,mt5 (default both)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma list of {','.join(CONFIGS)}")
    parser.add_argument("--workdir", type=Path, help="keep built models here (default: a temporary folder)")
    parser.add_argument("--startup-runs", type=int, default=None, help="runs per start-up command (default 7; 0 skips)")
    parser.add_argument("--threads", type=int, help="threads for every configuration (sets ARSUM_THREADS; "
                        "default: arsum's own choice, all cores, and torch's default for the baseline)")
    parser.add_argument("--small-models", action="store_true", help="tiny dimensions: tests the harness, not speed")
    parser.add_argument("--repeats", type=int, default=1, help="run every configuration this many times, interleaved "
                        "(config A, B, C, A, B, C, ...), and report each one's median run with the range of all runs")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--worker", nargs=2, metavar=("FAMILY", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    n = args.sentences or (24 if args.quick else 120)
    n_mt5 = args.mt5_sentences or (n if args.sentences or args.quick else 60)
    families = (args.families or ("marian" if args.quick else "marian,mt5")).split(",")
    configs = args.configs.split(",")
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:  # a misspelt name would otherwise run as the plain engine
        parser.error(f"unknown configuration(s) {', '.join(unknown)} (use: {', '.join(CONFIGS)})")
    startup_runs = args.startup_runs if args.startup_runs is not None else (3 if args.quick else 7)
    corpus = spa_sentences()

    if args.worker:
        family, config = args.worker
        chosen = pick(corpus, n if family == "marian" else n_mt5)
        if config == "baseline":
            chosen = pick(chosen, args.baseline_sentences or max(1, len(chosen) // 3))
        measurement = run_config(family, config, args.workdir, chosen)
        print(json.dumps(asdict(measurement)))
        return 0

    if args.startup_only:
        runs = startup_runs or 7
        print(f"# load average {os.getloadavg()[0]:.2f}")
        print(startup_table(measure_startup(runs), runs))
        return 0

    temporary = None
    workdir = args.workdir
    if workdir is None:
        temporary = tempfile.TemporaryDirectory(prefix="arsum-bench-")
        workdir = Path(temporary.name)
    workdir.mkdir(parents=True, exist_ok=True)
    if args.threads:
        os.environ["ARSUM_THREADS"] = str(args.threads)
    os.environ["XDG_CACHE_HOME"] = str(workdir / "cache")  # arsum's conversion cache, for `default` and its workers
    print(f"# {len(corpus)} SPA body sentences; Marian uses {min(n, len(corpus))}, mT5 {min(n_mt5, len(corpus))}; "
          f"{OUTPUT_TOKENS} output tokens each, greedy; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}",
          flush=True)
    spent = prepare_models(workdir, families, small=args.small_models, configs=configs)
    for step, seconds in spent.items():
        print(f"# {step}: {seconds:.1f} s", flush=True)
    runs: dict[tuple[str, str], list[Measurement]] = {}
    started = time.perf_counter()
    for family, _, config in ((f, r, c) for f in families for r in range(max(1, args.repeats)) for c in configs):
        cmd = [sys.executable, __file__, "--worker", family, config, "--workdir", str(workdir),
               "--sentences", str(n), "--mt5-sentences", str(n_mt5)]
        if args.baseline_sentences:
            cmd += ["--baseline-sentences", str(args.baseline_sentences)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"# {family} {config} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            return 1
        m = Measurement(**json.loads(done.stdout.strip().splitlines()[-1]))
        runs.setdefault((family, config), []).append(m)
        print(f"# {family:6} {config:12} {m.backend:12} {m.sentences_per_s:6.2f} sent/s  {m.tokens_per_s:6.0f} tok/s  "
              f"n {m.sentences} tokens {m.generated_tokens}  load {m.load_s:.1f} s  RSS {m.peak_rss_mb:.0f} MB  "
              f"cpu {m.cpu_s:.0f} s  run {m.run_s:.0f} s  loadavg {m.load_before:.1f}->{m.load_after:.1f}", flush=True)
    print(f"# configurations took {time.perf_counter() - started:.0f} s; load average now {os.getloadavg()[0]:.2f}\n")
    measurements = [_median_run(group) for group in runs.values()]
    print(table(measurements))
    if args.repeats > 1:
        print(f"\nMedian of {args.repeats} interleaved runs per row; every run's sentences/s:")
        for (family, config), group in runs.items():
            print(f"- {family} {config}: {', '.join(f'{m.sentences_per_s:.2f}' for m in group)}")
    for config in configs:
        print(f"- {config}: {CONFIG_NOTES[config]}")
    startup: list[dict[str, Any]] = []
    if startup_runs > 0:
        startup = measure_startup(startup_runs)
        print()
        print(startup_table(startup, startup_runs))
    if args.json:
        args.json.write_text(json.dumps({"measurements": [asdict(m) for m in measurements], "startup": startup}, indent=2))
    if temporary is not None:
        temporary.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
