"""API objects fail fast, refuse bad input as ArsumErrors, take database rows, are safe to share between threads,
and each keyword argument changes what it names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import REPO_ROOT

import arsum
from arsum.errors import ArsumError, InputError, ModelUnavailable, UsageError

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
TEXT = SEED.read_text(encoding="utf-8")
TITLE, _, BODY = TEXT.partition("\n")


# -- construction fails fast -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: arsum.Summarizer(ratio=0.0, english=False), UsageError),
        (lambda: arsum.Summarizer(ratio=1.5, english=False), UsageError),
        (lambda: arsum.Summarizer(sentences=0, english=False), UsageError),
        (lambda: arsum.Summarizer(sentences="3", english=False), UsageError),
        (lambda: arsum.Summarizer(sentences=2, ratio=0.5, english=False), UsageError),
        (lambda: arsum.Summarizer(sentense=3, english=False), UsageError),  # a typo is not a silent default
        (lambda: arsum.Summarizer(english="no"), UsageError),
        (lambda: arsum.Summarizer(english=False, device="gpu"), UsageError),
        (lambda: arsum.Summarizer(english=False, strategy="best"), UsageError),
        (lambda: arsum.Summarizer(english=False, min_support=3), UsageError),
        (lambda: arsum.Summarizer(english=False, notify="stderr"), UsageError),
        (lambda: arsum.Summarizer(english=False, reporter=print), UsageError),
        (lambda: arsum.Summarizer(), ModelUnavailable),  # English wanted, no model downloaded
        (lambda: arsum.Translator(device="gpu"), UsageError),
        (lambda: arsum.Translator(to=None), UsageError),
        (lambda: arsum.Translator(to="en"), ModelUnavailable),
        (lambda: arsum.Translator(backend="onnx"), UsageError),
        (lambda: arsum.Checker(min_support=2.0), UsageError),
        (lambda: arsum.Checker(translation_expected="yes"), UsageError),
    ],
    ids=["ratio-0", "ratio-1.5", "sentences-0", "sentences-str", "both", "typo", "english-str", "device",
         "strategy", "min-support", "notify", "reporter", "english-no-model", "translator-device", "to-None",
         "translator-no-model", "backend", "checker-min-support", "checker-flag"],
)
def test_construction_fails_fast(make, error: type[Exception]) -> None:
    with pytest.raises(error):
        make()


def test_arabic_only_fallback_is_asked_for() -> None:
    notices: list[str] = []
    summarizer = arsum.Summarizer(arabic_only_fallback=True, notify=notices.append, sentences=2)
    assert [n.split(":")[0] for n in notices] == ["English summary skipped"]  # said once, when made
    result = summarizer(TEXT)
    assert result.english_summary is None and len(result.arabic_summary.sentences) == 2


# -- inputs: text, Release, or a database row; refusals name what is wrong ---------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (lambda: arsum.summarize(None, english=False), UsageError, "text_or_release"),
        (lambda: arsum.summarize(TEXT.encode(), english=False), UsageError, "bytes"),
        (lambda: arsum.summarize(42, english=False), UsageError, "int"),
        (lambda: arsum.summarize("Hello world. This is English only.", english=False), InputError, "Arabic"),
        (lambda: arsum.summarize(TEXT + "\ud83d", english=False), InputError, "surrogate"),
        (lambda: arsum.summarize({"id": "r1", "title": TITLE}, english=False), UsageError, "text"),
        (lambda: arsum.summarize({"id": None, "title": TITLE, "text": BODY}, english=False), UsageError, "id"),
        (lambda: arsum.summarize({"id": "r1", "title": TITLE, "text": 5}, english=False), UsageError, "text"),
        (lambda: arsum.summarize({"id": "r1", "title": "Hi", "text": "English."}, english=False), InputError,
         "Arabic"),
        (lambda: arsum.load_releases("./x.txt"), UsageError, "list"),
        (lambda: arsum.load_releases(Path(".")), UsageError, "list"),
        (lambda: arsum.load_releases([1, 2]), UsageError, "int"),
        (lambda: arsum.load_releases([str(SEED)], max_bytes=0), UsageError, "max_bytes"),
        (lambda: arsum.Summarizer(english=False).map(TEXT), UsageError, "iterable"),
        (lambda: list(arsum.Summarizer(english=False).map([TEXT, None])), UsageError, r"items\[1\]"),
        (lambda: arsum.parse_releases(None), UsageError, "text"),
        (lambda: arsum.check(TEXT, None, min_support=0.4), UsageError, "translation"),
    ],
    ids=["None", "bytes", "int", "english-only", "lone-surrogate", "row-without-text", "row-id-None",
         "row-text-int", "row-english", "load-str", "load-path", "load-ints", "max-bytes", "map-str",
         "map-None-item", "parse-None", "check-None"],
)
def test_refusals_are_arsum_errors_naming_the_problem(call, error: type[Exception], named: str) -> None:
    with pytest.raises(error, match=named) as caught:
        call()
    assert isinstance(caught.value, ArsumError) and "\n" not in str(caught.value)


def test_a_database_row_keeps_its_id_and_headline() -> None:
    row = {"id": 1017, "title": TITLE, "text": BODY, "published": "2015-03-02"}  # other columns are left alone
    result = arsum.summarize(row, english=False, sentences=2)
    assert result.release.id == "1017" and result.release.title == TITLE.strip()
    assert len(result.arabic_summary.sentences) == 2
    assert all(s.text in BODY for s in result.arabic_summary.sentences)  # the body, never the given headline


def test_map_takes_texts_rows_and_releases_and_names_texts_by_position() -> None:
    [release] = arsum.load_releases([str(SEED)])
    row = {"id": "row-9", "title": TITLE, "text": BODY}
    summarizer = arsum.Summarizer(english=False, sentences=1)
    ids = [r.release.id for r in summarizer.map([TEXT, row, release, TEXT])]
    assert ids == ["text#1", "row-9", release.id, "text#4"]
    errors: list[InputError] = []
    kept = list(summarizer.map(["English only.", TEXT], on_error=errors.append))
    assert [r.release.id for r in kept] == ["text#2"] and len(errors) == 1


def test_a_record_with_text_from_the_api_can_be_written(tmp_path: Path) -> None:
    record = arsum.to_dict(arsum.summarize(TEXT, english=False))
    (tmp_path / "out.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


# -- threads -------------------------------------------------------------------------------------------------------

THREADS = 8
HAMMER = """
import sys, threading
import arsum
from arsum.models import transformers_backend as tb

loads = []
real = tb._load
tb._load = lambda *a, **k: (loads.append(1), real(*a, **k))[1]
text = open(sys.argv[2], encoding="utf-8").read()
start = threading.Barrier({threads})
results, errors = [], []

def one(shared):
    try:
        start.wait()
        translator = shared or arsum.Translator(model=sys.argv[1], backend="transformers", support=False)
        results.append(arsum.to_dict(translator(text)))
    except BaseException as error:
        errors.append(repr(error))

shared = arsum.Translator(model=sys.argv[1], backend="transformers", support=False) if sys.argv[3] == "shared" else None
threads = [threading.Thread(target=one, args=(shared,)) for _ in range({threads})]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(loads), len(results), len({{str(r) for r in results}}), errors)
"""


@pytest.mark.parametrize("mode", ["shared", "one-each"])
def test_eight_threads_on_a_fresh_interpreter_load_once_without_error(tiny_marian: Path, mode: str) -> None:
    """One fresh Translator hammered by 8 threads, and 8 Translators made at once (transformers not yet imported:
    its lazy module and arsum's model cache raced): one load, 8 equal records, no error."""
    result = subprocess.run(
        [sys.executable, "-c", HAMMER.format(threads=THREADS), str(tiny_marian), str(SEED), mode],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT, check=False,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=3) == ["1", str(THREADS), "1", "[]\n"] or result.stdout.strip() == (
        f"1 {THREADS} 1 []"
    ), result.stdout


def test_threads_share_one_summarizer_in_process() -> None:
    summarizer = arsum.Summarizer(english=False, sentences=2)
    expected = arsum.to_dict(summarizer(TEXT))
    got: list[object] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            got.append(arsum.to_dict(summarizer(TEXT)))
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and got == [expected] * THREADS


# -- each keyword argument changes what it names ----------------------------------------------------------------


def test_translator_source_changes_the_record(tiny_marian: Path) -> None:
    arabic = arsum.Translator(model=str(tiny_marian), support=False)
    assert arabic(TEXT).source_lang == "ar"
    persian = arsum.Translator(model=str(tiny_marian), support=False, source="fa")
    assert persian(TEXT).source_lang == "fa"


def test_translator_without_arabic_needs_another_source(tiny_marian: Path) -> None:
    english_text = "A headline\n\nThe minister met the delegation. They spoke about trade."
    with pytest.raises(InputError, match="Arabic"):
        arsum.Translator(model=str(tiny_marian), support=False)(english_text)
    record = arsum.Translator(model=str(tiny_marian), support=False, source="fa")(english_text)
    assert record.source_lang == "fa" and record.pairs


def test_check_min_support_changes_threshold_and_flags() -> None:
    english = "The minister opened the exhibition. Oil prices rose sharply in Tokyo."
    loose = arsum.check(TEXT, english, min_support=-1.0)
    strict = arsum.check(TEXT, english, min_support=1.0)
    assert (loose.min_support, strict.min_support) == (-1.0, 1.0)
    assert not any("low-support" in s.flags for s in loose.sentences)
    assert all("low-support" in s.flags for s in strict.sentences)


def test_checker_is_made_once_and_reused() -> None:
    checker = arsum.Checker(min_support=0.5)
    first = checker(TEXT, "The minister opened the exhibition.")
    again = checker({"id": "row", "title": TITLE, "text": BODY}, "The minister opened the exhibition.")
    assert first.min_support == again.min_support == 0.5 and again.id == "row"


def test_drop_unsupported_removes_what_min_support_flags(hub_models: None) -> None:
    kept = arsum.summarize(TEXT, min_support=1.0)
    dropped = arsum.summarize(TEXT, min_support=1.0, drop_unsupported=True)
    assert kept.english_summary is not None and kept.english_summary.sentences
    assert dropped.english_summary is not None
    assert len(dropped.english_summary.sentences) < len(kept.english_summary.sentences)


# -- model management --------------------------------------------------------------------------------------------


def test_models_functions_are_the_cli_commands(tmp_path: Path) -> None:
    from arsum.models.config import load_config

    assert [status.name for status in arsum.models.list()] == list(load_config().models)
    with pytest.raises(ModelUnavailable):
        arsum.models.export("opus-mt-ar-en", tmp_path / "x.tar")
    with pytest.raises(UsageError):
        arsum.models.pull(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        arsum.models.import_(tmp_path / "missing.tar")


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [({"command": "digest"}, "command"), ({"paths": "releases/"}, "paths"), ({"sentenses": 2}, "sentenses")],
)
def test_run_ray_refuses_before_starting_ray(tmp_path: Path, kwargs: dict[str, object], named: str) -> None:
    args = {"command": "summarize", "paths": [str(SEED)], "english": False} | kwargs
    with pytest.raises(UsageError, match=named):
        arsum.run_ray(args.pop("command"), args.pop("paths"), tmp_path / "out", **args)  # type: ignore[arg-type]


# -- the run record is the loaded runtime's ------------------------------------------------------------------------


def test_run_record_says_how_the_model_ran(tiny_marian: Path) -> None:
    """`--quantize int8` and float weights give different outputs: the record tells them apart."""
    records = {
        quantize: arsum.to_dict(arsum.translate(TEXT, model=str(tiny_marian), support=False, device="cpu",
                                                backend="transformers", quantize=quantize))["run"]["models"][0]
        for quantize in (None, "int8")
    }
    assert records[None]["device"] == records["int8"]["device"] == "cpu"
    assert (records[None]["quantize"], records["int8"]["quantize"]) == (None, "int8")
    assert records[None]["compute_type"] == "float32" and records["int8"]["compute_type"] == "int8"
    assert records[None]["conversion"] is None and records[None]["backend"] == "transformers"


def test_to_dict_is_the_printed_json_without_a_round_trip(tiny_marian: Path) -> None:
    """Records are derived from the dataclasses by one normaliser: no tuples left to compare unequal."""
    for record in (arsum.summarize(TEXT, english=False), arsum.translate(TEXT, model=str(tiny_marian))):
        as_dict = arsum.to_dict(record)
        assert as_dict == json.loads(json.dumps(as_dict, ensure_ascii=False))
        assert type(json.loads(json.dumps(as_dict))["run"]["models"]) is type(as_dict["run"]["models"]) is list
