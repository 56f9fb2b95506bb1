"""`arsum check --aligned` on damaged copies of a real reference translation: does it flag exactly the damage?

Run from the repository root:  python bench/eval_check_damage.py [--set flores200_devtest] [--seed 7]

The English reference of ../shared/eval/parallel/SET is damaged four ways, each on its own copy, at random lines:
  blank     k lines emptied (a translator skipped them)      -> exactly those lines flagged missing-translation
  spaces    k lines made of spaces or an RLM only            -> the same
  separator U+2028, U+2029, \\x1c, \\x85 put inside k lines    -> no pair shifted, nothing else changes
  swapped   k lines replaced by other lines of the same file -> how many the support threshold flags
The files go through the same reading as the command (check_files), so line splitting is what users get.
Printed: counts, whether every other pair kept its clean flags, and os.getloadavg().
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARALLEL = ROOT.parent / "shared" / "eval" / "parallel"
SEPARATORS = ("\u2028", "\u2029", "\x1c", "\x85")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="flores200_devtest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--damaged", type=int, default=50, help="lines damaged in each copy")
    args = parser.parse_args()
    folder = PARALLEL / args.set
    if not folder.is_dir():
        sys.exit(f"{folder}: not found (../shared/eval is needed)")

    from arsum.tasks.check import MISSING_TRANSLATION, check_files
    from arsum.tasks.support import CachedEncoder, get_encoder

    encoder = CachedEncoder(get_encoder())  # every copy shares most lines: each text is encoded once
    source = folder / "source.ar"
    english = (folder / "reference.en").read_text(encoding="utf-8").split("\n")
    if english and english[-1] == "":
        english = english[:-1]
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        def run(lines: list[str]):
            path = Path(tmp) / "english.en"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return check_files(str(source), str(path), aligned=True, encoder=encoder)

        clean = run(english)
        clean_flags = [p.flags for p in clean.pairs]
        print(f"{args.set}: {len(english)} lines; clean run flags {sum(1 for f in clean_flags if f)} pairs")
        for kind in ("blank", "spaces", "separator", "swapped"):
            chosen = sorted(rng.sample(range(len(english)), args.damaged))
            damaged = list(english)
            for i in chosen:
                if kind == "blank":
                    damaged[i] = ""
                elif kind == "spaces":
                    damaged[i] = rng.choice(["   ", "\t", "\u200f", " \u200e "])
                elif kind == "separator":
                    words = damaged[i].split(" ")
                    cut = rng.randrange(1, max(2, len(words)))
                    damaged[i] = " ".join(words[:cut]) + rng.choice(SEPARATORS) + " ".join(words[cut:])
                else:
                    damaged[i] = english[(i + rng.randrange(1, len(english))) % len(english)]
            result = run(damaged)
            assert len(result.pairs) == len(english), (kind, len(result.pairs))
            shifted = sum(1 for p, line in zip(result.pairs, damaged, strict=True) if p.translation != line)
            others_same = all(result.pairs[i].flags == clean_flags[i] for i in range(len(english)) if i not in chosen)
            if kind in ("blank", "spaces"):
                hit = [i for i, p in enumerate(result.pairs) if MISSING_TRANSLATION in p.flags]
                print(f"  {kind:9} {args.damaged} damaged: {len(hit)} flagged missing-translation, "
                      f"exactly the damaged lines: {hit == chosen}; pairs shifted: {shifted}; "
                      f"other pairs unchanged: {others_same}")
            elif kind == "separator":
                changed = sum(1 for i in chosen if result.pairs[i].flags != clean_flags[i])
                print(f"  {kind:9} {args.damaged} damaged: pairs shifted: {shifted}; other pairs unchanged: "
                      f"{others_same}; damaged lines whose flags changed: {changed}")
            else:
                hit = sum(1 for i in chosen if "low-support" in result.pairs[i].flags)
                print(f"  {kind:9} {args.damaged} damaged: {hit} flagged low-support ({hit / args.damaged:.0%}); "
                      f"other pairs unchanged: {others_same}")
    print(f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
