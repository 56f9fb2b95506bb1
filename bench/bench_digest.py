"""`arsum digest` time and memory at 500, 1,000, 2,000 and 4,000 releases (Arabic only), stage by stage.

Releases are the real day (../shared/eval/wire-day, 1,533 usable articles), then the 260 newspaper articles and the
119 SPA releases (../shared/eval); beyond those, the same articles again under new ids (so the largest sizes have
every story republished once more: more copy links than any real day, the grouping's worst case). Each size runs
in its own process (peak RSS is that process's); the machine is shared, so the load average is recorded, and CPU
time (user+sys) is given beside wall time: under load, wall time measures the neighbours as much as arsum.

    nice python3 bench/bench_digest.py [--sizes 500 1000 2000 4000] [--no-follow-ups]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"


def corpus() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in (EVAL / "wire-day" / "2015-07-25.jsonl").open(encoding="utf-8")]
    rows = [{"id": r["id"], "title": r["title"], "text": r["text"], "source": r["source"]} for r in rows if r["text"].strip()]
    for folder, source in (("newspapers", None), ("spa", "spa")):
        for path in sorted((EVAL / folder).glob("*.txt")):
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            rows.append({"id": path.stem, "title": title.strip(), "text": body.strip(), "source": source or path.stem.split("_")[0]})
    return rows


def releases(n: int) -> list[dict[str, str]]:
    base = corpus()
    out = []
    while len(out) < n:
        round_ = len(out) // len(base)
        for r in base[: n - len(out)]:
            out.append({**r, "id": r["id"] if round_ == 0 else f"{r['id']}~{round_}"})
    return out


def one(n: int, follow_ups: bool) -> dict[str, object]:
    """Runs in the child: digest n releases, timing each stage."""
    from arsum.tasks import digest as d
    from arsum.tasks.pipeline import SummarizeOptions
    from arsum.tasks.settings import Length, resolve_support
    from arsum.text.inputs import releases_from_bytes

    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in releases(n)).encode()
    t0 = time.perf_counter()
    items = [r for r in releases_from_bytes(data, source="bench", name="bench", input_format="jsonl",
                                            max_bytes=len(data) + 1)]
    rel = [r for r in items if not isinstance(r, Exception)]
    t1 = time.perf_counter()
    feats = [d.release_features(r) for r in rel]
    t2 = time.perf_counter()
    vectors = None
    load = embed = 0.0
    if follow_ups:
        from arsum.tasks.support import USEEncoder

        encoder = USEEncoder(threads=1)  # as DigestRun.encoder makes it
        encoder.load()
        t_load = time.perf_counter()
        load = t_load - t2
        vectors = d.embed([f.lead for f in feats], encoder)
        embed = time.perf_counter() - t_load
    t3 = time.perf_counter()
    grouping = d.group(feats, vectors)
    t4 = time.perf_counter()
    run = d.DigestRun(d.DigestOptions(summary=SummarizeOptions(
        length=Length(), english=False, support=resolve_support(used=False))), lambda m: None)
    stories, _ = d.build_stories(rel, feats, grouping, vectors, run.summarize)
    t5 = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "releases": len(rel), "stories": len(stories), "read_s": t1 - t0, "features_s": t2 - t1,
        "encoder_load_s": load, "embed_s": embed, "group_s": t4 - t3, "summaries_s": t5 - t4,
        "total_s": t5 - t0, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024,
        "links": grouping.links,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    parser.add_argument("--no-follow-ups", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one(args.child, not args.no_follow_ups)))
        return
    if not (EVAL / "wire-day").is_dir():
        sys.exit(f"skipped: {EVAL / 'wire-day'} is absent")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print("| releases | stories | read | features | encoder load | headlines embedded | grouping | summaries | "
          "total wall | CPU | peak RSS | load before |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for n in args.sizes:
        load = os.getloadavg()
        extra = ["--no-follow-ups"] if args.no_follow_ups else []
        done = subprocess.run([sys.executable, __file__, "--child", str(n), *extra], env=env, capture_output=True,
                              text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"| {r['releases']} | {r['stories']} | {r['read_s']:.1f} s | {r['features_s']:.1f} s | "
              f"{r['encoder_load_s']:.1f} s | {r['embed_s']:.1f} s | {r['group_s']:.2f} s | {r['summaries_s']:.1f} s | "
              f"{r['total_s']:.1f} s | {r['cpu_s']:.1f} s | {r['peak_rss_mb']:.0f} MB | "
              f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
