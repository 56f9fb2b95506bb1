"""Speed of the extractive path per release (parse + summarize) over ../shared/eval/spa.

  python bench/bench_extractive.py [--repeat 3]

Reads every release once (file reading is not timed), then times parse_releases + ExtractiveSummarizer
.summarize in-process; prints ms/release (mean, p50, p95) and releases/s. Writes nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsum.tasks.extractive import ExtractiveSummarizer  # noqa: E402
from arsum.text.releases import parse_releases  # noqa: E402

SPA_DIR = ROOT.parent / "shared" / "eval" / "spa"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus (first pass included)")
    args = ap.parse_args()
    files = sorted(SPA_DIR.glob("*.txt"))
    if not files:
        sys.exit(f"no releases under {SPA_DIR}")
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in files]
    summarizer = ExtractiveSummarizer()
    times: list[float] = []
    n_sent: list[int] = []
    for _ in range(args.repeat):
        for name, text in texts:
            t0 = time.perf_counter()
            for rel in parse_releases(text, source=name, name=name, encoding="utf-8"):
                summarizer.summarize(rel)
                if len(n_sent) < len(texts):
                    n_sent.append(len(rel.sentences))
            times.append(1000.0 * (time.perf_counter() - t0))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    mean = statistics.fmean(times)
    print(f"{len(files)} SPA files x {args.repeat} passes; body sentences per release: "
          f"median {statistics.median(n_sent)}, max {max(n_sent)}")
    print(f"ms/release: mean {mean:.2f}, p50 {statistics.median(times):.2f}, p95 {p95:.2f}; "
          f"{1000.0 / mean:.0f} releases/s (one process, parse + summarize)")


if __name__ == "__main__":
    main()
