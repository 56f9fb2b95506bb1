"""A day's releases as stories: republications, cut and re-headlined copies, an agency's parts and same-day
follow-ups of one event grouped together, each story summarised once.

Grouping never compares all pairs. Three kinds of evidence, each found through an inverted index (blocking):

* lexical: word 5-gram shingles of the body (normalised spelling); two releases sharing at least
  `DigestParams.containment` of the smaller one's shingles are copies (word for word, cut or re-headlined);
* parts: an agency's parts carry one headline with a part label (`إضافة أولى`), or a headline's words in order;
* topical: headline and lead embedded with the sentence encoder arsum ships (USE-m3); releases sharing at least
  `DigestParams.shared_terms` specific terms (content words rare in the day) whose embeddings are close are
  follow-ups. A story only takes such a link while its centroid stays close, so chains cannot drift.

Per-release work (`release_features`, in digest_features.py) is separate from grouping (`group`) so Ray workers
can do the first and the driver the second. Nothing here imports torch, transformers or the CLI; numpy only once embeddings are used.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from arsum.errors import InputError, ModelUnavailable, UsageError, one_line
from arsum.reporting import SILENT, Reporter
from arsum.tasks.digest_features import (  # noqa: F401  (re-exported: bench/, tests)
    _PART_TAIL,
    LEAD_CHARS,
    LEAD_SENTENCES,
    MAX_TITLE_KEY_WORDS,
    SHINGLE,
    Features,
    headline_of,
    part_key,
    release_features,
)
from arsum.tasks.pipeline import Notify, Summarize, SummarizeOptions
from arsum.tasks.results import ReleaseSummary
from arsum.text.arabic import STOPWORDS, tokenize
from arsum.text.release import Release

if TYPE_CHECKING:
    import numpy as np

    from arsum.tasks.support import SentenceEncoder

SortKey = Literal["size", "time"]
SORT_KEYS: tuple[str, ...] = ("size", "time")
DIGEST_SENTENCES = 3  # a story's Arabic summary unless asked otherwise: a digest is read at a glance


@dataclass(frozen=True)
class DigestParams:
    """Grouping thresholds, calibrated on a real day (../shared/eval/wire-day; bench/bench_digest.py)."""

    containment: float = 0.5  # share of the smaller release's shingles another must hold to be a copy
    cut_containment: float = 0.6  # below this share, a short release inside a longer one must not name (in its
    # headline) something rare the longer one never mentions: a telegram cut from one formula for another country
    min_shared_shingles: int = 6  # fewer shared shingles is a formula, not a copy
    max_shingle_df: int = 60  # a shingle in more releases than this is boilerplate (a footer), not evidence
    cosine: float = 0.7  # headline embeddings at least this close (with shared specific terms): one event
    centroid_cosine: float = 0.6  # a topical link joins two groups only while their centroids are this close
    shared_terms: int = 3  # specific terms a topical link needs in common
    rare_share: float = 0.02  # a term in at most this share of the day's releases (and at least rare_min) is specific
    rare_min: int = 20
    name_share: float = 0.005  # and one of the shared terms in at most this share of releases (or name_min): a name
    name_min: int = 8

    def __post_init__(self) -> None:
        for name in ("containment", "cut_containment", "cosine", "centroid_cosine", "rare_share", "name_share"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 < value <= 1):
                raise UsageError(f"digest {name} must be above 0 and at most 1 (got {value!r})")
        for name in ("min_shared_shingles", "max_shingle_df", "shared_terms", "rare_min", "name_min"):
            value = getattr(self, name)
            if not (isinstance(value, int) and value >= 1):
                raise UsageError(f"digest {name} must be a whole number of at least 1 (got {value!r})")


# --------------------------------------------------------------------------- grouping


class _Groups:
    """Union-find over releases, keeping each group's summed unit embedding (its centroid, unnormalised)."""

    def __init__(self, n: int, vectors: np.ndarray | None) -> None:
        self.parent = list(range(n))
        self.sums = vectors.copy() if vectors is not None else None

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        self.parent[rb] = ra
        if self.sums is not None:
            self.sums[ra] += self.sums[rb]

    def centroid_cosine(self, a: int, b: int) -> float:
        import numpy as np

        assert self.sums is not None
        x, y = self.sums[self.find(a)], self.sums[self.find(b)]
        denominator = float(np.linalg.norm(x) * np.linalg.norm(y))
        return float(x @ y) / denominator if denominator else 0.0


def copy_links(features: Sequence[Features], params: DigestParams) -> list[tuple[int, int, float]]:
    """(i, j, containment) for releases sharing enough shingles: an inverted index, boilerplate shingles skipped."""
    postings: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(features):
        for s in f.shingles:
            postings[s].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for members in postings.values():
        if 1 < len(members) <= params.max_shingle_df:
            shared.update(itertools.combinations(members, 2))
    links = []
    for (i, j), count in shared.items():
        smaller = min(len(features[i].shingles), len(features[j].shingles))
        if count >= params.min_shared_shingles and count >= params.containment * smaller:
            links.append((i, j, count / smaller))
    return links


def name_terms(features: Sequence[Features], params: DigestParams) -> frozenset[str]:
    """Headline terms rare in the day (in at most `name_share` of the headlines, or name_min): names."""
    df: Counter[str] = Counter()
    for f in features:
        df.update(f.headline_terms)
    limit = max(params.name_min, math.ceil(params.name_share * len(features)))
    return frozenset(t for t, n in df.items() if n <= limit)


def names_missing(small: Features, large: Features, names: frozenset[str]) -> bool:
    """The short release's headline names something the long one never mentions (`… رئيس المالديف` inside a
    telegram to Tunisia's president): not a cut copy of it."""
    return bool((small.headline_terms & names) - large.words)


def copy_groups(
    features: Sequence[Features], copies: Sequence[tuple[int, int, float]], params: DigestParams
) -> list[tuple[int, int]]:
    """The copy links to follow. A release holding most of another's words and they most of its words is its copy;
    a long release holding short ones (cut copies, or a roundup of several stories) is joined to them only when
    they are copies of each other: a roundup holding two unrelated stories joins the one it shares most with,
    so it never bridges them."""
    size = [len(f.shingles) for f in features]
    names = name_terms(features, params)
    linked = {(min(i, j), max(i, j)) for i, j, _ in copies}
    follow: list[tuple[int, int]] = []
    held: dict[int, list[tuple[float, int]]] = defaultdict(list)  # container -> (shared, contained)
    for i, j, share in copies:
        small, large = (i, j) if size[i] <= size[j] else (j, i)
        shared = share * size[small]
        if shared >= params.containment * size[large]:
            follow.append((i, j))
        elif share >= params.cut_containment or not names_missing(features[small], features[large], names):
            held[large].append((shared, small))
    for large, inside in held.items():
        parts = _Groups(len(inside), None)
        for a, b in itertools.combinations(range(len(inside)), 2):
            x, y = inside[a][1], inside[b][1]
            if (min(x, y), max(x, y)) in linked:
                parts.union(a, b)
        best = max(range(len(inside)), key=lambda k: inside[k])
        root = parts.find(best)
        follow += [(large, small) for k, (_, small) in enumerate(inside) if parts.find(k) == root]
    return follow


def part_links(features: Sequence[Features]) -> list[tuple[int, int]]:
    """Releases whose headlines are one once part labels are removed (an agency's parts, a repeated release)."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(features):
        if f.title_key:
            by_key[f.title_key].append(i)
    return [(members[0], j) for members in by_key.values() for j in members[1:]]


def specific_terms(features: Sequence[Features], params: DigestParams) -> tuple[list[frozenset[str]], Counter[str]]:
    """Each release's headline-and-lead terms that are rare in this day (names, places, specific things), and how
    many releases hold each term."""
    df: Counter[str] = Counter()
    for f in features:
        df.update(f.terms)
    limit = max(params.rare_min, math.ceil(params.rare_share * len(features)))
    return [frozenset(t for t in f.terms if 1 < df[t] <= limit) for f in features], df


def topic_candidates(features: Sequence[Features], params: DigestParams) -> list[tuple[int, int]]:
    """Pairs sharing at least `shared_terms` specific terms, one of them a name (rarer still), found through the
    term index (never all pairs): `القيادة تهنئ رئيس تونس` and `القيادة تهنئ رئيس المالديف` share formula words
    but no name."""
    terms, df = specific_terms(features, params)
    names = max(params.name_min, math.ceil(params.name_share * len(features)))
    postings: dict[str, list[int]] = defaultdict(list)
    for i, ts in enumerate(terms):
        for t in ts:
            postings[t].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    named: set[tuple[int, int]] = set()
    for t, members in postings.items():
        if len(members) > 1:
            pairs = list(itertools.combinations(members, 2))
            shared.update(pairs)
            if df[t] <= names:
                named.update(pairs)
    return [pair for pair, count in shared.items() if count >= params.shared_terms and pair in named]


@dataclass(frozen=True)
class Grouping:
    """Groups of release indices, and how many links of each kind made them (for the record and the bench)."""

    groups: tuple[tuple[int, ...], ...]
    links: dict[str, int] = field(default_factory=dict)


def group(features: Sequence[Features], vectors: np.ndarray | None, params: DigestParams = DigestParams()) -> Grouping:
    """Stories as groups of indices into `features`; every release is in exactly one group.

    `vectors` are the unit embeddings of each release's `lead` (None: lexical and part evidence only).
    """
    n = len(features)
    groups = _Groups(n, vectors)
    copies = copy_links(features, params)
    for i, j in copy_groups(features, copies, params):
        groups.union(i, j)
    parts = part_links(features)
    for i, j in parts:
        groups.union(i, j)
    topical = 0
    if vectors is not None and n:
        candidates = topic_candidates(features, params)
        scored = sorted(
            ((float(vectors[i] @ vectors[j]), i, j) for i, j in candidates), reverse=True
        )
        for cosine, i, j in scored:
            if cosine < params.cosine:
                break
            if groups.find(i) != groups.find(j) and groups.centroid_cosine(i, j) >= params.centroid_cosine:
                groups.union(i, j)
                topical += 1
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[groups.find(i)].append(i)
    ordered = sorted(members.values(), key=lambda m: m[0])
    return Grouping(tuple(tuple(m) for m in ordered), {"copy": len(copies), "part": len(parts), "topic": topical})


# --------------------------------------------------------------------------- stories


@dataclass(frozen=True)
class StoryRelease:
    """One member release of a story, as the reader is shown it."""

    id: str
    source: str  # the input it came from (path, PATH:LINE)
    outlet: str | None  # who published it, where the input says
    title: str | None  # None: the release has no headline
    time: str | None
    part_of: str | None = None  # the id of the release its parts were joined into (its first part), if one


def story_releases(release: Release) -> tuple[StoryRelease, ...]:
    """A release as story members: one per input release, so a release joined from parts lists each part's id."""
    if len(release.parts) <= 1:
        return (StoryRelease(id=release.id, source=release.source, outlet=release.outlet, title=release.title,
                             time=release.time),)
    return tuple(StoryRelease(id=part, source=release.source, outlet=release.outlet, title=release.title,
                              time=release.time, part_of=release.id) for part in release.parts)


@dataclass(frozen=True)
class Story:
    """Releases about one event, with one summary."""

    id: str
    headline: str
    desk: str | None
    representative: str  # id of the member whose headline is shown
    summarized: str  # id of the most complete member, the one summarised
    releases: tuple[StoryRelease, ...]
    sources: int  # outlets carrying it (a member whose outlet is unknown counts as one)
    first: str | None
    last: str | None
    summary: ReleaseSummary  # of the most complete member: Arabic, English when made, support, model runs


@dataclass(frozen=True)
class Digest:
    """A day's stories in reading order, and what produced them."""

    stories: tuple[Story, ...]
    releases: int  # releases read (every one is in exactly one story, shown or not)
    hidden: int  # stories left out by min_sources
    settings: dict[str, Any] = field(default_factory=dict)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed


def _seconds(when: datetime | None) -> float:
    """A time as a sortable number; unknown sorts last."""
    if when is None:
        return math.inf
    return when.timestamp() if when.tzinfo else (when - datetime(1970, 1, 1)).total_seconds()


def _times(members: Sequence[Release]) -> tuple[str | None, str | None]:
    """(first, last) publication times where the inputs give them, as written."""
    known = sorted((_seconds(t), r.time) for r in members if (t := _time(r.time)) is not None)
    if not known:
        return None, None
    return known[0][1], known[-1][1]


def representative(
    indices: Sequence[int], vectors: np.ndarray | None, releases: Sequence[Release]
) -> int:
    """The member closest to the story's centroid (the most representative headline); without embeddings, the
    member whose headline words the others' headlines share most (a lexical medoid)."""
    if len(indices) == 1:
        return indices[0]
    if vectors is not None:
        block = vectors[list(indices)]
        centre = block.sum(axis=0)
        return indices[int((block @ centre).argmax())]
    words = {i: set(tokenize(headline_of(releases[i]))) - STOPWORDS for i in indices}

    def overlap(i: int) -> float:
        return sum(len(words[i] & words[j]) / (len(words[i] | words[j]) or 1) for j in indices if j != i)

    return max(indices, key=lambda i: (overlap(i), -i))


def source_count(members: Sequence[Release]) -> int:
    outlets = {r.outlet for r in members if r.outlet}
    return len(outlets) + sum(1 for r in members if not r.outlet)


def _desk(members: Sequence[Release], chosen: Release) -> str | None:
    if chosen.desk:
        return chosen.desk
    desks = Counter(r.desk for r in members if r.desk)
    return desks.most_common(1)[0][0] if desks else None


Summarise = Callable[[list[Release]], list[ReleaseSummary]]


def build_stories(
    releases: Sequence[Release],
    features: Sequence[Features],
    grouping: Grouping,
    vectors: np.ndarray | None,
    summarise: Summarise,
    *,
    sort: SortKey = "size",
    min_sources: int = 1,
    window: int = 16,
) -> tuple[list[Story], int]:
    """Stories in reading order (desk, then size or time), only those carried by `min_sources` outlets;
    the most complete member of each shown story is summarised (a window at a time). Returns (stories, hidden)."""
    if sort not in SORT_KEYS:
        raise UsageError(f"digest sort must be one of {', '.join(SORT_KEYS)} (got {sort!r})")
    drafts = []
    hidden = 0
    for indices in grouping.groups:
        members = [releases[i] for i in indices]
        sources = source_count(members)
        if sources < min_sources:
            hidden += 1
            continue
        rep = releases[representative(indices, vectors, releases)]
        complete = releases[max(indices, key=lambda i: (len(releases[i].sentences), features[i].size, -i))]
        first, last = _times(members)
        drafts.append((indices, members, sources, rep, complete, first, last))

    def order(draft: tuple[Any, ...]) -> tuple[Any, ...]:
        indices, members, sources, rep, _, first, _ = draft
        desk = _desk(members, rep)
        stamp = _seconds(_time(first))
        key = (-sources, -len(indices), stamp) if sort == "size" else (stamp, -sources, -len(indices))
        return (desk is None, desk or "", *key, indices[0])

    drafts.sort(key=order)
    stories: list[Story] = []
    for start in range(0, len(drafts), window):
        chunk = drafts[start:start + window]
        summaries = summarise([d[4] for d in chunk])
        for (indices, members, sources, rep, complete, first, last), summary in zip(chunk, summaries, strict=True):
            stories.append(Story(
                id=f"story-{len(stories) + 1}",
                headline=_PART_TAIL.sub("", headline_of(rep)).strip() or headline_of(rep),
                desk=_desk(members, rep),
                representative=rep.id,
                summarized=complete.id,
                releases=tuple(m for r in members for m in story_releases(r)),
                sources=sources,
                first=first,
                last=last,
                summary=summary,
            ))
    return stories, hidden


def embed(leads: list[str], encoder: SentenceEncoder, batch: int = 256, progress: Callable[[int], None] | None = None
          ) -> np.ndarray:
    """Unit embeddings of every release's headline and lead, a batch at a time."""
    import numpy as np

    parts = []
    for start in range(0, len(leads), batch):
        parts.append(encoder.encode(leads[start:start + batch]))
        if progress is not None:
            progress(min(batch, len(leads) - start))
    return np.concatenate(parts) if parts else np.zeros((0, 512), dtype=np.float32)


def story_to_dict(story: Story) -> dict[str, Any]:
    """One story as its -f json/jsonl record (`arsum schema digest`); the summary fields are summarize's."""
    from dataclasses import asdict

    from arsum.tasks.results import summary_to_dict

    summary = summary_to_dict(story.summary)
    return {
        "id": story.id,
        "headline": story.headline,
        "desk": story.desk,
        "sources": story.sources,
        "first": story.first,
        "last": story.last,
        "representative": story.representative,
        "summarized": story.summarized,
        "releases": [asdict(r) for r in story.releases],
        **{k: summary[k] for k in ("arabic_summary", "arabic_method", "english_summary", "support", "warnings", "run")},
    }


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class DigestOptions:
    """Everything a digest run needs, validated once (the CLI and `arsum.Digester` build it)."""

    summary: SummarizeOptions
    sort: str = "size"
    min_sources: int = 1
    topical: bool = True  # link follow-ups with the sentence encoder (off: copies and parts only)
    params: DigestParams = DigestParams()

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            raise UsageError(f"--sort must be one of {', '.join(SORT_KEYS)} (got {self.sort!r})")
        if isinstance(self.min_sources, bool) or not isinstance(self.min_sources, int) or self.min_sources < 1:
            raise UsageError(f"--min-sources must be a whole number of at least 1 (got {self.min_sources!r})")


class DigestRun:
    """Reads a stream of releases into stories: features as releases arrive, then grouping, then summaries.

    The summariser (and its English model, when asked for) is built once; the encoder loads at the first run.
    """

    def __init__(self, options: DigestOptions, notify: Notify) -> None:
        self.options = options
        self.notify = notify
        self.summarize = Summarize(options.summary, notify)
        self._encoder: SentenceEncoder | None = None
        self._encoder_failed = False

    def encoder(self) -> SentenceEncoder | None:
        """The sentence encoder for follow-ups; None (with one notice) when it cannot be loaded."""
        if not self.options.topical or self._encoder_failed:
            return None
        if self._encoder is None:
            from arsum.tasks.support import USEEncoder

            try:
                # The thresholds are calibrated for the default encoder. One thread: headlines are short, and on a
                # busy 2-core machine two threads took 10 s for 500 headlines where one took 1.4 s (bench_digest).
                self._encoder = USEEncoder(threads=1)
                self._encoder.load()
            except ModelUnavailable as error:
                self._encoder_failed = True
                self.notify(f"follow-ups not linked (copies and parts still are): {one_line(error)}")
                return None
        return self._encoder

    def __call__(
        self, items: Iterable[Release | InputError], on_error: Callable[[InputError], None],
        reporter: Reporter = SILENT,
    ) -> Digest:
        releases: list[Release] = []
        features: list[Features] = []
        with reporter.track("reading releases", None) as bar:
            for item in items:
                if isinstance(item, InputError):
                    on_error(item)
                    continue
                releases.append(item)
                features.append(release_features(item))
                bar.advance()
        vectors = None
        encoder = self.encoder() if releases else None
        if encoder is not None:
            with reporter.track("headlines", len(releases)) as bar:
                vectors = embed([f.lead for f in features], encoder, progress=bar.advance)
        grouping = group(features, vectors, self.options.params)
        shown = sum(1 for g in grouping.groups if source_count([releases[i] for i in g]) >= self.options.min_sources)
        with reporter.track("stories", shown) as bar:

            def summarise(chunk: list[Release]) -> list[ReleaseSummary]:
                out = self.summarize(chunk)
                bar.advance(len(chunk))
                return out

            stories, hidden = build_stories(
                releases, features, grouping, vectors, summarise,
                sort=self.options.sort, min_sources=self.options.min_sources,
            )
        settings = {
            "sort": self.options.sort, "min_sources": self.options.min_sources,
            "encoder": getattr(encoder, "name", None), "links": grouping.links,
            "params": {k: getattr(self.options.params, k) for k in DigestParams.__dataclass_fields__},
        }
        return Digest(stories=tuple(stories), releases=len(releases), hidden=hidden, settings=settings)
