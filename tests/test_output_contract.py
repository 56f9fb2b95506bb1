"""The output contract: every JSON record arsum prints validates against the schema shipped in the package,
the schema requires every field the README documents, and every documented field carries the value that
produced it (a field emptied or dropped fails here, not only a field that vanished)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO_ROOT
from tinymodels import HUB_COMMIT
from typer.testing import CliRunner

from arsum import __version__
from arsum.cli.app import app
from arsum.models.config import load_config
from arsum.schemas import NAMES, SCHEMA_VERSION, load_schema
from arsum.tasks.translation import build_translator
from arsum.text.releases import parse_releases

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"
README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
WIRE = """سياسي / وزير الخارجية يلتقي نظيره الروسي

الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس
التقى وزير الخارجية اليوم نظيره الروسي، وبحثا العلاقات الثنائية.
وأكد الجانبان أهمية التعاون.
// انتهى //
"""
runner = CliRunner()


def run(*args: str, input: str | None = None):  # noqa: A002 - mirrors CliRunner
    return runner.invoke(app, list(args), input=input)


def records(stdout: str, fmt: str) -> list[dict[str, Any]]:
    return json.loads(stdout) if fmt == "json" else [json.loads(line) for line in stdout.splitlines()]


def assert_valid(name: str, items: list[dict[str, Any]]) -> None:
    validator = jsonschema.Draft202012Validator(load_schema(name))
    problems = [f"{list(e.absolute_path)}: {e.message}" for item in items for e in validator.iter_errors(item)]
    assert not problems, problems
    assert items


@pytest.mark.parametrize("name", NAMES)
def test_schema_command_prints_each_versioned_schema(name: str) -> None:
    result = run("schema", name)
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed == load_schema(name)
    assert printed["$id"] == f"urn:arsum:schema:{name}:{SCHEMA_VERSION}"
    refs = re.findall(r'"\$ref": "#/\$defs/(\w+)"', result.stdout)
    assert set(refs) <= set(printed.get("$defs", {}))  # self-contained: every reference resolves in the file


def test_unknown_schema_is_a_usage_error() -> None:
    assert run("schema", "nope").exit_code == 2


# -- the schema requires every field the README documents ------------------------------------------------------


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """The node and every subschema it is made of ($ref, allOf, the non-null branch of oneOf)."""
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}}
    parts = [node]
    for sub in node.get("allOf", []) + [b for b in node.get("oneOf", []) if b.get("type") != "null"]:
        parts += _resolve(sub, defs)
    return parts


def _required_everywhere(example: Any, node: dict[str, Any], defs: dict[str, Any], path: str = "") -> list[str]:
    """Paths of the example's keys that the schema does not require (or does not describe)."""
    parts = _resolve(node, defs)
    if isinstance(example, list):
        items = next((p["items"] for p in parts if "items" in p), None)
        return [f"{path}[]: no items schema"] if items is None and example else [
            miss for element in example for miss in _required_everywhere(element, items, defs, path + "[]")
        ]
    if not isinstance(example, dict):
        return []
    required = {key for p in parts for key in p.get("required", [])}
    missing = []
    for key, value in example.items():
        described = [p["properties"][key] for p in parts if key in p.get("properties", {})]
        if key not in required or not described:
            missing.append(f"{path}.{key}")
        elif isinstance(described[0], dict):
            missing += _required_everywhere(value, described[0], defs, f"{path}.{key}")
    return missing


def test_summarize_schema_requires_every_field_of_the_readme_example() -> None:
    block = re.search(r"For `summarize`, each release is:\s*```json\n(.*?)```", README, re.S)
    assert block, "README lost its summarize example"
    example = json.loads(block.group(1))
    schema = load_schema("summarize")
    assert _required_everywhere(example, schema, schema["$defs"]) == []


def test_translate_schema_requires_every_field_the_readme_lists() -> None:
    paragraph = re.search(r"For `translate`, each release has the same first fields, then (.*?)\n\n", README, re.S)
    assert paragraph, "README lost its description of translate's fields"
    text = re.sub(r"\(role [^)]*\)", "", paragraph.group(1))  # `run (role translator)`: a value, not a field
    pairs = re.search(r"\(`\{(.*?)\}`", text)
    assert pairs, "README lost the fields of translate's pairs"
    top = set(re.findall(r"`(\w+)`", text[: pairs.start()] + text[pairs.end():]))
    pair_fields = set(re.findall(r'"(\w+)"', pairs.group(1)))
    header = set(load_schema("summarize")["$defs"]["release_header"]["required"])
    schema = load_schema("translate")
    assert {"model", "pairs", "warnings"} <= top and {"index", "flags"} <= pair_fields
    assert header | top <= set(schema["required"]) | header
    assert pair_fields <= set(schema["properties"]["pairs"]["items"]["required"])


# -- every format's JSON output validates ----------------------------------------------------------------------

Argv = Callable[[dict[str, Path]], list[str]]
CASES: dict[str, tuple[str, Argv]] = {
    "summarize-no-english": ("summarize", lambda m: ["--no-english"]),
    "summarize-no-model": ("summarize", lambda m: []),
    "summarize-crosslingual": ("summarize", lambda m: ["--model", str(m["mt5"])]),
    "summarize-no-support": ("summarize", lambda m: ["--model", str(m["mt5"]), "--no-support"]),
    "summarize-extract-then-translate": (
        "summarize", lambda m: ["--model", str(m["marian"]), "--strategy", "extract-then-translate"]),
    "translate": ("translate", lambda m: ["--model", str(m["marian"])]),
    "translate-no-support": ("translate", lambda m: ["--model", str(m["marian"]), "--no-support"]),
}


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("case", list(CASES))
def test_json_output_validates(tiny_models: dict[str, Path], case: str, fmt: str) -> None:
    command, argv = CASES[case]
    text = SEED.read_text(encoding="utf-8")
    result = run(command, *argv(tiny_models), "-f", fmt, "-", input=text + "\n---\n" + WIRE)
    assert result.exit_code == 0, result.stderr
    items = records(result.stdout, fmt)
    assert len(items) == 2
    assert_valid(command, items)


def test_a_record_with_a_field_too_many_or_too_few_is_invalid() -> None:
    [good] = records(run("summarize", str(SEED), "--no-english", "-f", "json").stdout, "json")
    validator = jsonschema.Draft202012Validator(load_schema("summarize"))
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "extra": 1})
    assert not validator.is_valid({k: v for k, v in good.items() if k != "desk"})
    assert not validator.is_valid({**good, "arabic_method": {**good["arabic_method"], "settings": {}}})


# -- every documented field carries its value -----------------------------------------------------------------


def _seed_release():  # noqa: ANN202
    [release] = parse_releases(SEED.read_text(encoding="utf-8"), source="s", name="s", encoding="utf-8")
    return release


def test_summarize_fields_carry_their_values(hub_models: None) -> None:
    result = run("summarize", str(SEED), "-f", "json", "-n", "2")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    weights = json.loads((REPO_ROOT / "arsum" / "data" / "extractive_weights.json").read_text(encoding="utf-8"))
    expected_release = _seed_release()
    assert (release["id"], release["source"], release["encoding"]) == (
        "azerbaijan_nato_dialogue.txt#1", str(SEED), "utf-8")
    assert (release["title"], release["subtitle"]) == (expected_release.title, expected_release.subtitle)
    assert release["sentences"] == len(expected_release.sentences) == 14
    assert release["arabic_method"] == {
        "method": "arsum-extractive-1",
        "settings": {"count": 2, "requested_count": 2, "ratio": None, "mmr_lambda": weights["mmr_lambda"],
                     "weights_version": weights["version"]},
    }
    body = {s.index: s.text for s in expected_release.sentences}
    assert [body[s["index"]] for s in release["arabic_summary"]] == [s["text"] for s in release["arabic_summary"]]
    assert all(isinstance(s["score"], float) for s in release["arabic_summary"])
    english = release["english_summary"]
    assert english["model"] == "csebuetnlp/mT5_m2m_crossSum_enhanced"
    assert (english["revision"], english["strategy"]) == ("main", "crosslingual")
    split = [int(n) for w in release["warnings"] for n in re.findall(r"split into (\d+) chunks", w)]
    assert split == [english["chunks"]] and english["chunks"] > 1  # the tiny tokenizer needs several chunks
    assert english["generation"] == {"num_beams": 4, "max_new_tokens": 84, "no_repeat_ngram_size": 2,
                                     "length_penalty": 1.0, "target_token": "<extra_id_3>"}
    assert english["text"] and english["sentences"]
    assert release["support"] == {"encoder": "use-m3", "min_support": 0.4}
    assert release["run"] == {"arsum": __version__, "models": [
        {"role": "summarizer", "name": "crosssum-m2m", "source": "csebuetnlp/mT5_m2m_crossSum_enhanced",
         "revision": "main", "commit": HUB_COMMIT, "backend": "transformers", "device": "cpu", "compute_type": "float32", "quantize": None, "conversion": None,
         "conversion_format": None, "vocabulary_map": False}]}
    for sentence in english["sentences"]:
        assert sentence["text"] in english["text"]
        assert sentence["sources"] and all(-2 <= i < 14 for i in sentence["sources"])  # -1 title, -2 subtitle
        assert ("low-support" in sentence["flags"]) == (sentence["support"] < 0.4)


def test_ratio_is_recorded() -> None:
    [release] = json.loads(run("summarize", str(SEED), "--no-english", "-f", "json", "--ratio", "0.5").stdout)
    assert release["arabic_method"]["settings"] | {"mmr_lambda": 0, "weights_version": ""} == {
        "count": 7, "requested_count": None, "ratio": 0.5, "mmr_lambda": 0, "weights_version": ""}


def test_desk_and_dateline_are_reported() -> None:
    result = run("summarize", "--no-english", "-f", "jsonl", "-", input=WIRE)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["desk"], record["dateline"]) == ("سياسي", "الرياض 25 شوال 1436 هـ الموافق 10 أغسطس 2015 م واس")
    assert (record["byline"], record["timestamp"], record["end_marker"]) == (None, None, "// انتهى //")
    assert record["title"] == "وزير الخارجية يلتقي نظيره الروسي" and record["sentences"] == 2


def test_translate_fields_carry_their_values(hub_models: None) -> None:
    result = run("translate", str(SEED), "-f", "json")
    assert result.exit_code == 0, result.stderr
    [release] = json.loads(result.stdout)
    assert (release["model"], release["revision"]) == ("Helsinki-NLP/opus-mt-tc-big-ar-en", "main")
    assert (release["source_lang"], release["target_lang"]) == ("ar", "en")
    assert release["generation"] == {"num_beams": 4, "max_new_tokens": 256, "no_repeat_ngram_size": 0,
                                     "length_penalty": 1.0}
    assert release["support"] == {"encoder": "use-m3", "min_support": 0.4}
    assert release["run"] == {"arsum": __version__, "models": [
        {"role": "translator", "name": "opus-mt-tc-big-ar-en", "source": "Helsinki-NLP/opus-mt-tc-big-ar-en",
         "revision": "main", "commit": HUB_COMMIT, "backend": "transformers", "device": "cpu", "compute_type": "float32", "quantize": None, "conversion": None,
         "conversion_format": None, "vocabulary_map": True}]}  # opus-mt: the decoder writes its target vocabulary only
    expected = _seed_release()
    assert [(p["index"], p["paragraph"], p["source"]) for p in release["pairs"]] == [
        (-1, -1, expected.title), (-2, -1, expected.subtitle),
        *((s.index, s.paragraph, s.text) for s in expected.sentences),
    ]
    assert len({p["paragraph"] for p in release["pairs"]}) > 2  # the seed has several body paragraphs
    for pair in release["pairs"]:
        assert ("low-support" in pair["flags"]) == (pair["support"] < 0.4)
    assert any(pair["flags"] for pair in release["pairs"])  # random weights: some translation is unsupported
    low = [w for w in release["warnings"] if " below 0.40" in w]
    assert len(low) == sum("low-support" in p["flags"] for p in release["pairs"])
    sources = [p["source"] for p in release["pairs"]]
    direct = build_translator(load_config(), target="en", device="cpu").translate(sources).texts
    assert [p["translation"] for p in release["pairs"]] == list(direct)


# -- arsum check: both modes, both JSON formats, and every field the README's tables list --------------------------

ENGLISH = "The foreign minister met his Russian counterpart in Riyadh.\nBoth sides stressed cooperation in 2015.\n"


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("aligned", [False, True], ids=["document", "aligned"])
def test_check_records_validate(tmp_path: Path, fmt: str, aligned: bool) -> None:
    source, english = tmp_path / "source.ar", tmp_path / "english.en"
    if aligned:
        source.write_text("التقى وزير الخارجية نظيره الروسي.\nوأكد الجانبان أهمية التعاون عام 2014.\n", encoding="utf-8")
    else:
        source.write_text(WIRE, encoding="utf-8")
    english.write_text(ENGLISH, encoding="utf-8")
    result = run("check", *(["--aligned"] if aligned else []), str(source), str(english), "-f", fmt)
    assert result.exit_code in (0, 3), result.stderr  # 3: something was flagged (2015 is not in the Arabic)
    items = records(result.stdout, fmt)
    assert_valid("check", items)
    assert len(items) == (2 if aligned else 1)
    if aligned:
        assert [p["index"] for p in items] == [0, 1] and items[1]["flags"] == ["number-not-in-source:2015"]
    else:
        assert items[0]["mode"] == "document" and len(items[0]["sentences"]) == 2


def _table_fields(heading: str) -> set[str]:
    """The `field` names of the first table after `heading` in the README's check section."""
    section = README.split("## Checking a translation or summary made elsewhere", 1)[1]
    table = section.split(heading, 1)[1].split("\n\n", 2)[1]
    return set(re.findall(r"^\| `(\w+)` \|", table, re.M))


@pytest.mark.parametrize(("heading", "definition"), [("**Document mode**", "document"), ("**Aligned mode**", "aligned_pair")])
def test_check_schema_requires_every_field_the_readme_lists(heading: str, definition: str) -> None:
    documented = _table_fields(heading)
    assert documented, f"README lost the field table of {heading}"
    required = set(load_schema("check")["$defs"][definition]["required"])
    assert documented <= required, documented - required
