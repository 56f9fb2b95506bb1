"""Digest grouping on a real day (../shared/eval/wire-day): republication pairs kept together, wrong merges.

Truth is found independently of arsum's grouping: republication pairs are articles sharing at least half of
the smaller one's word 5-grams (raw words of headline and body, not arsum's normalised shingles); they are split
by their connected component into a calibration part (70%) and a held-aside part (30%). A pair placed in one
story is "specific" when the two share a word 5-gram or at least two rare words (at most 1% of the day's
articles, 4 letters or more) anywhere in headline or body: a rule that never looks at the encoder.

    nice python3 bench/eval_digest.py [--no-encoder] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import re
import sys
import time
import zlib
from pathlib import Path

DAY = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "wire-day" / "2015-07-25.jsonl"
_WORD = re.compile(r"\w+")


def republication_pairs(rows: list[dict]) -> list[tuple[int, int]]:
    grams = []
    for r in rows:
        w = _WORD.findall(r["title"] + "\n" + r["text"])
        grams.append({tuple(w[i:i + 5]) for i in range(len(w) - 4)})
    index: dict[tuple, list[int]] = collections.defaultdict(list)
    for i, g in enumerate(grams):
        for x in g:
            index[x].append(i)
    shared: collections.Counter = collections.Counter()
    for members in index.values():
        shared.update(itertools.combinations(members, 2))
    return sorted((a, b) for (a, b), c in shared.items() if c >= 0.5 * min(len(grams[a]), len(grams[b])) and c)


def components(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return [find(i) for i in range(n)]


def held_aside(component: int, rows: list[dict]) -> bool:
    return zlib.crc32(rows[component]["id"].encode()) % 10 < 3


def specific_rule(rows: list[dict]):
    from arsum.text.arabic import STOPWORDS, normalize

    words = [{w for w in _WORD.findall(normalize(r["title"] + " " + r["text"])) if len(w) >= 4 and w not in STOPWORDS}
             for r in rows]
    grams = []
    for r in rows:
        w = _WORD.findall(normalize(r["title"] + " " + r["text"]))
        grams.append({" ".join(w[i:i + 5]) for i in range(len(w) - 4)})
    df = collections.Counter(w for ws in words for w in ws)
    limit = max(5, len(rows) // 100)
    rare = [{w for w in ws if df[w] <= limit} for ws in words]

    def ok(a: int, b: int) -> bool:
        return len(rare[a] & rare[b]) >= 2 or bool(grams[a] & grams[b])

    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-encoder", action="store_true")
    parser.add_argument("--set", action="append", default=[], help="a DigestParams field, e.g. cosine=0.6")
    args = parser.parse_args()
    if not DAY.exists():
        sys.exit(f"skipped: {DAY} is absent")
    from arsum.tasks.digest import DigestParams, embed, group, release_features
    from arsum.text.inputs import load_releases

    rows = [json.loads(line) for line in DAY.open(encoding="utf-8")]
    rows = [r for r in rows if r["text"].strip()]  # arsum reports empty ones as input errors
    params = DigestParams(**{k: (float(v) if "." in v else int(v)) for k, v in (s.split("=") for s in args.set)})
    t0 = time.perf_counter()
    releases = [r for r in load_releases([str(DAY)], input_format="jsonl") if not isinstance(r, Exception)]
    t1 = time.perf_counter()
    feats = [release_features(r) for r in releases]
    t2 = time.perf_counter()
    vectors = None
    if not args.no_encoder:
        from arsum.tasks.support import USEEncoder

        encoder = USEEncoder(threads=1)  # as DigestRun.encoder makes it
        encoder.load()
        t2b = time.perf_counter()
        vectors = embed([f.lead for f in feats], encoder)
    t3 = time.perf_counter()
    grouping = group(feats, vectors, params)
    t4 = time.perf_counter()
    assert [r.id for r in releases] == [r["id"] for r in rows]
    story = [0] * len(rows)
    for s, members in enumerate(grouping.groups):
        for m in members:
            story[m] = s
    pairs = republication_pairs(rows)
    comp = components(len(rows), pairs)
    ok = specific_rule(rows)
    for name, keep in (("calibration", False), ("held aside", True)):
        part = [(a, b) for a, b in pairs if held_aside(comp[a], rows) == keep]
        together = sum(story[a] == story[b] for a, b in part)
        print(f"{name}: {together}/{len(part)} republication pairs in one story ({together / len(part):.1%})")
    placed = [(a, b) for members in grouping.groups for a, b in itertools.combinations(members, 2)]
    good = sum(ok(a, b) for a, b in placed)
    sizes = collections.Counter(len(m) for m in grouping.groups)
    print(f"pairs placed together: {len(placed)}, sharing specific names/terms: {good} ({good / max(1, len(placed)):.1%})")
    print(f"stories: {len(grouping.groups)}, largest {max(sizes)}, links {grouping.links}")
    enc = f"encoder load {t2b - t2:.1f} s, embed {t3 - t2b:.1f} s" if vectors is not None else "no encoder"
    print(f"read {t1 - t0:.1f} s, features {t2 - t1:.1f} s, {enc}, group {t4 - t3:.2f} s; load {os.getloadavg()}")
    bad = [(a, b) for a, b in placed if not ok(a, b)]
    for a, b in bad[:12]:
        print("  WRONG?", rows[a]["title"][:70], "|", rows[b]["title"][:70])
    missed = [(a, b) for a, b in pairs if story[a] != story[b]]
    for a, b in missed[:8]:
        print("  MISSED", rows[a]["title"][:70], "|", rows[b]["title"][:70])
    spa_parts(params, not args.no_encoder)


def spa_parts(params, use_encoder: bool) -> None:
    """The SPA sample (../shared/eval/spa) digested together with the wire day: are a release's parts one story?
    Truth from the raw headlines: a part's headline is its release's with `إضافة …` (after ` / ` or a space) added."""
    from arsum.tasks.digest import embed, group, release_features
    from arsum.text.inputs import load_releases

    spa = [r for r in load_releases([str(DAY.parent.parent / "spa")]) if not isinstance(r, Exception)]
    day = [r for r in load_releases([str(DAY)], input_format="jsonl") if not isinstance(r, Exception)]
    releases = day + spa
    feats = [release_features(r) for r in releases]
    vectors = None
    if use_encoder:
        from arsum.tasks.support import USEEncoder

        vectors = embed([f.lead for f in feats], USEEncoder(threads=1))
    grouping = group(feats, vectors, params)
    story_of = {}  # input id -> story; a release joined from parts on reading stands for each part
    for s, members in enumerate(grouping.groups):
        for i in members:
            for rid in releases[i].parts or (releases[i].id,):
                story_of[rid] = s
    base: dict[str, list[str]] = collections.defaultdict(list)
    index = (DAY.parent.parent / "spa" / "index.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in index:
        doc, *_, title = line.split("\t")
        head = re.split(r"\s*/?\s*[اإ]ضافة\s", title.strip('"'))[0].strip()
        base[head].append(f"{doc}.txt#1")
    multi = [ids for ids in base.values() if len(ids) > 1]
    whole = sum(len({story_of[i] for i in ids}) == 1 for ids in multi)
    print(f"SPA multi-part releases in one story: {whole}/{len(multi)} (parts: {sum(map(len, multi))}); "
          f"SPA: {len(spa)} releases after joining parts, in {len({story_of[r.id] for r in spa})} stories")
    for ids in multi:
        if len({story_of[i] for i in ids}) > 1:
            print("  SPLIT", ids)


if __name__ == "__main__":
    main()
