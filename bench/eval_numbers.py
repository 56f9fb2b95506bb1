"""Numbers check on Arabic-English reference pairs: false flags on faithful pairs, changed digits caught.

Run from the repository root:  python bench/eval_numbers.py [--show 20]

- faithful pairs: every pair of ../shared/eval/parallel/ whose English side has a digit; a flag is a false alarm.
- changed digit: in each such pair, every maximal run of ASCII digits in the English side in turn has one digit
  replaced by another (seeded); the pair must then be flagged. The rule is independent of how the check reads
  numbers: a digit glued to letters (H5N1) or after `.`/`,` counts like any other.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsum.tasks.number_check import check_numbers  # noqa: E402

PARALLEL = ROOT.parent / "shared" / "eval" / "parallel"
SETS = ("flores200_devtest", "tico19_test")
DIGITS = re.compile(r"[0-9]+")


def load_pairs(name: str) -> list[tuple[str, str]]:
    folder = PARALLEL / name
    ar = (folder / "source.ar").read_text(encoding="utf-8").splitlines()
    en = (folder / "reference.en").read_text(encoding="utf-8").splitlines()
    assert len(ar) == len(en), name
    return list(zip(ar, en, strict=True))


def changed_digit(english: str, run: re.Match[str], rng: random.Random) -> str:
    """The sentence with one digit of `run` replaced by a different digit."""
    pos = run.start() + rng.randrange(len(run.group()))
    digit = rng.choice([d for d in "0123456789" if d != english[pos]])
    return english[:pos] + digit + english[pos + 1 :]


def evaluate(pairs: list[tuple[str, str]], rng: random.Random) -> dict[str, list]:
    false_flags, misses, faithful, changed = [], [], 0, 0
    for ar, en in pairs:
        runs = list(DIGITS.finditer(en))
        if not runs:
            continue
        faithful += 1
        flagged = check_numbers(en, ar)
        if flagged:
            false_flags.append((ar, en, flagged))
        for run in runs:
            altered = changed_digit(en, run, rng)
            changed += 1
            if not check_numbers(altered, ar):
                misses.append((ar, altered, run.group()))
    return {"false": false_flags, "miss": misses, "faithful": [faithful], "changed": [changed]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="print this many false flags and misses per set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print("| set | faithful pairs with a digit | falsely flagged | changed digits | caught | time |")
    print("|---|---|---|---|---|---|")
    shown = []
    for name in SETS:
        pairs = load_pairs(name)
        t = time.perf_counter()
        r = evaluate(pairs, random.Random(args.seed))
        dt = time.perf_counter() - t
        faithful, changed = r["faithful"][0], r["changed"][0]
        print(
            f"| {name} | {faithful} | {len(r['false'])} ({len(r['false']) / faithful:.1%}) | {changed} | "
            f"{changed - len(r['miss'])} ({1 - len(r['miss']) / changed:.1%}) | {dt:.2f} s |"
        )
        shown.append((name, r))
    print(f"\nload average (1/5/15 min) at start: {load}; at end: "
          + " / ".join(f"{v:.2f}" for v in os.getloadavg()))
    for name, r in shown:
        for ar, en, flagged in r["false"][: args.show]:
            print(f"\nFALSE {name}: {flagged}\n  EN {en}\n  AR {ar}")
        for ar, en, run in r["miss"][: args.show]:
            print(f"\nMISS {name}: {run}\n  EN {en}\n  AR {ar}")


if __name__ == "__main__":
    main()
