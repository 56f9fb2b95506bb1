"""Settings reach the runtime: what ctranslate2 is given (not arsum's record of it), and a user's
`[models.X.generation]` table merged key by key over the packaged one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT
from typer.testing import CliRunner

from arsum.cli.app import app
from arsum.models.config import GenerationSettings, default_config_path, load_config

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


@pytest.fixture
def ct2_given(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every ctranslate2.Translator arsum makes during the test."""
    ctranslate2 = pytest.importorskip("ctranslate2")
    real = ctranslate2.Translator
    given: list[dict[str, Any]] = []

    def recording(path: str, **kwargs: Any) -> Any:
        given.append({"path": path, **kwargs})
        return real(path, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", recording)
    return given


@pytest.mark.parametrize(("args", "env", "compute_type"), [
    ([], {}, "default"),
    (["--quantize", "int8"], {}, "int8"),
    ([], {"ARSUM_QUANTIZE": "int8"}, "int8"),
])
def test_ctranslate2_is_given_the_quantization(converted: dict[str, Path], ct2_given: list[dict[str, Any]],
                                               args: list[str], env: dict[str, str], compute_type: str) -> None:
    folder = converted["marian"]
    result = CliRunner().invoke(app, ["translate", "--model", str(folder), str(SEED), "--no-support", "-f", "json",
                                      *args], env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["run"]["models"][0]["backend"] == "ctranslate2"
    assert [(g["path"], g["compute_type"], g["device"]) for g in ct2_given] == [(str(folder), compute_type, "cpu")]


@pytest.mark.parametrize("quantize", [None, "int8", "float32"])
def test_every_ctranslate2_quantization_reaches_the_runtime(converted: dict[str, Path], ct2_given: list[dict[str, Any]],
                                                          quantize: str | None) -> None:
    from arsum.models.ctranslate2_backend import CTranslate2Backend
    from arsum.models.store import resolve_model

    spec = resolve_model(load_config(None, {}), str(converted["marian"]))
    backend = CTranslate2Backend(spec, device="cpu", quantize=quantize, folder=converted["marian"])
    assert backend.generate(["مرحبا"], GenerationSettings(num_beams=1, max_new_tokens=4), None)
    assert [g["compute_type"] for g in ct2_given] == [quantize or "default"]


def _default_generation() -> dict[str, GenerationSettings]:
    config = load_config(None, {"XDG_CONFIG_HOME": "/nonexistent"})
    return {name: spec.generation for name, spec in config.models.items()}


CHANGES = {"num_beams": 3, "max_new_tokens": 77, "no_repeat_ngram_size": 4, "length_penalty": 1.7}


@pytest.mark.parametrize("name", sorted(_default_generation()))
@pytest.mark.parametrize("key", sorted(CHANGES))
def test_a_users_generation_table_is_merged_over_the_default(name: str, key: str, tmp_path: Path) -> None:
    """Setting one generation key changes that key only; the packaged values of the others stay."""
    default = _default_generation()[name]
    assert getattr(default, key) != CHANGES[key]
    user = tmp_path / "models.toml"
    user.write_text(f"[models.{name}.generation]\n{key} = {CHANGES[key]}\n", encoding="utf-8")
    merged = load_config(user, {}).model(name).generation
    assert merged == dataclasses.replace(default, **{key: CHANGES[key]})


def test_the_default_catalogue_sets_generation_values_of_its_own() -> None:
    """Else the merge test could not tell a merge from a table replaced by the built-in defaults."""
    assert default_config_path().is_file()
    assert any(g != GenerationSettings() for g in _default_generation().values())


@pytest.mark.parametrize("name", sorted(_default_generation()))
def test_redefining_other_keys_of_a_model_keeps_its_generation(name: str, tmp_path: Path) -> None:
    user = tmp_path / "models.toml"
    user.write_text(f'[models.{name}]\ndescription = "mine"\nmax_input_tokens = 100\n', encoding="utf-8")
    spec = load_config(user, {}).model(name)
    assert (spec.description, spec.max_input_tokens) == ("mine", 100)
    assert spec.generation == _default_generation()[name]


@pytest.mark.parametrize(("value", "named"), [
    ("true", "a boolean"), ("3", "an integer"), ("1.5", "a number"), ("['a']", "a list"), ("{ a = 1 }", "a table"),
    ("1979-05-27", "date"),
])
def test_a_wrong_type_in_models_toml_names_the_type_given(value: str, named: str, tmp_path: Path) -> None:
    """`must be a string, not a boolean`: the message says what the file holds, so the user sees the mistake."""
    from arsum.errors import ConfigError

    path = tmp_path / "models.toml"
    path.write_text(f"[models.x]\nsource = {value}\nfamily = 'marian'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    assert err.value.key == "models.x.source"
    assert err.value.problem == f"must be a string, not {named}"


@pytest.mark.parametrize(("family", "lang", "code"), [
    ("mbart50", "xx_YY", "xx_YY"),  # a code the table does not know is passed through, not lost
    ("mbart50", "ar", "ar_AR"),
    ("m2m100", "__de__", "__de__"),  # already in the tokenizer's form: not wrapped twice
    ("m2m100", "ar", "__ar__"),
    ("nllb", "xyz_Latn", "xyz_Latn"),
    ("t5", "en", "en"),
])
def test_family_language_code_passes_unknown_and_ready_codes_through(family: str, lang: str, code: str) -> None:
    from arsum.models.config import family_language_code

    assert family_language_code(family, lang) == code


def test_an_unconfigured_model_name_is_named_in_the_error() -> None:
    from arsum.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable) as err:
        load_config(None, {}).model("no-such-model")
    assert str(err.value) == "model no-such-model: not a configured model; see `arsum models list`"


def test_generation_read_from_a_folder_is_capped_key_by_key() -> None:
    from arsum.models.config import GENERATION_MAXIMA

    huge = GenerationSettings(num_beams=10**6, max_new_tokens=10**9, no_repeat_ngram_size=99, length_penalty=7.5)
    assert huge.capped() == GenerationSettings(**GENERATION_MAXIMA, length_penalty=7.5)
    small = GenerationSettings(num_beams=2, max_new_tokens=10, no_repeat_ngram_size=3, length_penalty=0.5)
    assert small.capped() == small
    assert small.as_dict() == {"num_beams": 2, "max_new_tokens": 10, "no_repeat_ngram_size": 3, "length_penalty": 0.5}


@pytest.mark.parametrize(("source", "local"), [
    ("/models/x", True), ("~/models/x", True), ("./x", True), ("../x", True), (".\\x", True), ("..\\x", True),
    ("C:\\models\\x", True), ("Helsinki-NLP/opus-mt-ar-en", False), ("x", False), ("", False),
])
def test_a_source_is_a_folder_only_when_written_as_a_path(source: str, local: bool) -> None:
    from arsum.models.config import is_local_source

    assert is_local_source(source) is local


@pytest.mark.parametrize(("env", "expected"), [
    ({"XDG_CACHE_HOME": "/srv/cache"}, Path("/srv/cache")),
    ({"XDG_CACHE_HOME": "~/c"}, Path.home() / "c"),
    ({"XDG_CACHE_HOME": ""}, Path.home() / ".cache"),
    ({}, Path.home() / ".cache"),
])
def test_the_cache_base_is_xdg_cache_home_or_dot_cache(env: dict[str, str], expected: Path) -> None:
    from arsum.models.config import user_cache_base

    assert user_cache_base(env) == expected


@pytest.mark.parametrize(("family", "mode"), [
    ("nllb", "forced_bos"), ("m2m100", "forced_bos"), ("mbart50", "forced_bos"), ("mt5", "decoder_start"),
    ("marian", None), ("bart", None),
])
def test_each_family_picks_its_language_its_own_way(family: str, mode: str | None) -> None:
    from arsum.models.config import target_token_mode

    assert target_token_mode(family) == mode
