"""BLEU and chrF (sacrebleu) of a configured translator on the Arabic-English sets in ../shared/eval/parallel/.

Goes through arsum's own translation path (build_translator: routing, --model, backend, batching), so the
scores are what `arsum translate --to en` gives. With real weights, opus-mt-tc-big-ar-en should land near
the OPUS-MT leaderboard figure on flores200-devtest (42.8 BLEU, chrF 0.672); on a tiny random model the
scores are near zero, which proves the harness, not a model.

    python bench/eval_translation.py                       # the routed English translator, both sets
    python bench/eval_translation.py --model opus-mt-ar-en --limit 200
    python bench/eval_translation.py --model /path/to/model/folder --sets flores200_devtest
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARALLEL = REPO.parent / "shared" / "eval" / "parallel"
SETS = ("flores200_devtest", "tico19_test")
sys.path.insert(0, str(REPO))


@dataclass
class Score:
    set: str
    sentences: int
    bleu: float
    chrf: float
    seconds: float
    signature_bleu: str
    signature_chrf: str

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.seconds if self.seconds else float("inf")


def read_set(name: str, limit: int | None) -> tuple[list[str], list[str]]:
    folder = PARALLEL / name
    if not folder.is_dir():
        raise SystemExit(f"{folder} not found: the evaluation needs ../shared/eval/parallel/ beside the repository")
    sources = (folder / "source.ar").read_text(encoding="utf-8").splitlines()
    references = (folder / "reference.en").read_text(encoding="utf-8").splitlines()
    if len(sources) != len(references):
        raise SystemExit(f"{folder}: {len(sources)} sources but {len(references)} references")
    return sources[:limit], references[:limit]


def score(name: str, hypotheses: list[str], references: list[str], seconds: float) -> Score:
    from sacrebleu.metrics import BLEU, CHRF

    bleu, chrf = BLEU(), CHRF()
    return Score(
        set=name, sentences=len(hypotheses),
        bleu=bleu.corpus_score(hypotheses, [references]).score,
        chrf=chrf.corpus_score(hypotheses, [references]).score,
        seconds=seconds,
        signature_bleu=str(bleu.get_signature()), signature_chrf=str(chrf.get_signature()),
    )


def table(model: str, scores: list[Score], load_s: float) -> str:
    rows = [f"model: {model} (load {load_s:.1f} s)", "",
            "| set | sentences | BLEU | chrF | chrF (0-1) | seconds | sentences/s |", "|---|---:|---:|---:|---:|---:|---:|"]
    rows += [f"| {s.set} | {s.sentences} | {s.bleu:.1f} | {s.chrf:.1f} | {s.chrf / 100:.3f} | {s.seconds:.1f} "
             f"| {s.sentences_per_s:.2f} |" for s in scores]
    if scores:
        rows += ["", f"sacrebleu: {scores[0].signature_bleu} / {scores[0].signature_chrf}"]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="configured model name, local folder or hub id (default: routing translate.en)")
    parser.add_argument("--config", type=Path, help="a models.toml merged over the packaged one")
    parser.add_argument("--sets", default=",".join(SETS), help=f"comma list of {','.join(SETS)}")
    parser.add_argument("--limit", type=int, help="first N sentence pairs of each set")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--quantize", choices=("int8", "float32"))
    parser.add_argument("--save", type=Path, help="write hypotheses (SET.hyp.en) and scores.json into this folder")
    args = parser.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from arsum.errors import ArsumError
    from arsum.models.config import load_config
    from arsum.tasks.translation import build_translator

    try:
        config = load_config(args.config)
        translator = build_translator(config, target="en", model=args.model, device=args.device, quantize=args.quantize)
        start = time.perf_counter()
        translator.engine.count_tokens(["تحميل"])  # loads the model, so load time is not charged to the first set
        load_s = time.perf_counter() - start
        scores = []
        for name in args.sets.split(","):
            sources, references = read_set(name, args.limit)
            start = time.perf_counter()
            hypotheses = list(translator.translate(sources).texts)
            seconds = time.perf_counter() - start
            if len(hypotheses) != len(sources):
                raise SystemExit(f"{name}: {len(hypotheses)} translations for {len(sources)} sentences")
            scores.append(score(name, hypotheses, references, seconds))
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{name}.hyp.en").write_text("\n".join(hypotheses) + "\n", encoding="utf-8")
    except ArsumError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    label = f"{translator.name} ({translator.model_id}{', ' + args.quantize if args.quantize else ''})"
    print(table(label, scores, load_s))
    if args.save:
        (args.save / "scores.json").write_text(json.dumps([asdict(s) for s in scores], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
