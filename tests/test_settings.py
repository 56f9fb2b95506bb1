"""Settings resolve once, the same way for every entry point: flags over environment over models.toml over defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import arsum
from arsum.cli.app import app
from arsum.errors import ConfigError, UsageError
from arsum.tasks.settings import (
    DEFAULT_ENCODER,
    DEFAULT_MIN_SUPPORT,
    Length,
    resolve_models,
    resolve_support,
)

ARABIC = ["وصل 25 زائرا إلى المدينة يوم الاثنين.", "افتتح الوزير المعرض الجديد في العاصمة."]
ENGLISH = ["25 visitors arrived in the city on Monday.", "The minister opened the new exhibition in the capital."]


def _toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected"),
    [
        (None, {}, None, DEFAULT_MIN_SUPPORT),
        (None, {}, 0.55, 0.55),
        (0.3, {}, 0.55, 0.3),
        (-1.0, {}, None, -1.0),
    ],
    ids=["default", "file-over-default", "flag-over-file", "flag-over-default"],
)
def test_min_support_precedence(tmp_path: Path, flag: float | None, env: dict[str, str], file: float | None,
                                expected: float) -> None:
    config = _toml(tmp_path / "models.toml", f"[support]\nmin_support = {file}\n" if file is not None else "")
    assert resolve_support(min_support=flag, config=config, env=env).min_support == expected


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected", "revision"),
    [
        (None, {}, None, DEFAULT_ENCODER, None),
        (None, {}, "from-file", "from-file", "abc"),
        (None, {"ARSUM_ENCODER": "from-env"}, "from-file", "from-env", None),
        ("from-flag", {"ARSUM_ENCODER": "from-env"}, "from-file", "from-flag", None),
    ],
    ids=["default", "file", "env-over-file", "flag-over-env"],
)
def test_encoder_precedence(tmp_path: Path, flag: str | None, env: dict[str, str], file: str | None, expected: str,
                            revision: str | None) -> None:
    table = f'[support]\nencoder = "{file}"\nrevision = "abc"\n' if file else ""
    config = _toml(tmp_path / "models.toml", table)
    settings = resolve_support(encoder=flag, config=config, env=env)
    assert (settings.encoder, settings.revision) == (expected, revision)  # a pinned revision goes with its encoder


def test_user_config_file_is_found_without_a_flag(isolated_env: Path) -> None:
    _toml(isolated_env / "config" / "arsum" / "models.toml", "[support]\nmin_support = 0.55\n")
    assert resolve_support().min_support == 0.55
    assert resolve_support(enabled=False).min_support == DEFAULT_MIN_SUPPORT  # off: the file is not even read
    assert resolve_support(used=False).min_support == DEFAULT_MIN_SUPPORT


@pytest.mark.parametrize(
    ("flags", "env", "expected"),
    [
        ({}, {}, ("auto", None, None)),
        ({}, {"ARSUM_DEVICE": "cpu", "ARSUM_QUANTIZE": "int8", "ARSUM_BACKEND": "ctranslate2"},
         ("cpu", "int8", "ctranslate2")),
        ({"device": "cuda", "quantize": "float32", "backend": "transformers"},
         {"ARSUM_DEVICE": "cpu", "ARSUM_QUANTIZE": "int8", "ARSUM_BACKEND": "ctranslate2"},
         ("cuda", "float32", "transformers")),
    ],
    ids=["defaults", "environment", "flags-over-environment"],
)
def test_model_settings_precedence(flags: dict[str, object], env: dict[str, str], expected: tuple[object, ...]) -> None:
    settings = resolve_models(**flags, env=env)  # type: ignore[arg-type]
    assert (settings.device, settings.quantize, settings.backend) == expected


@pytest.mark.parametrize(
    ("flags", "env", "named"),
    [
        ({"device": "gpu"}, {}, "gpu"),
        ({}, {"ARSUM_DEVICE": "tpu"}, "tpu"),
        ({"quantize": "int4"}, {}, "int4"),
        ({"backend": "onnx"}, {}, "onnx"),
        ({}, {"ARSUM_THREADS": "many"}, "ARSUM_THREADS"),
        ({"device": 3}, {}, "device"),
        ({"model": ""}, {}, "model"),
        ({"config": 5}, {}, "config"),
    ],
)
def test_model_settings_refused_at_once(flags: dict[str, object], env: dict[str, str], named: str) -> None:
    with pytest.raises(UsageError, match=named):
        resolve_models(**flags, env=env)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flags", "named"),
    [({"min_support": 2.0}, "min_support"), ({"min_support": float("nan")}, "min_support"),
     ({"min_support": "0.5"}, "min_support"), ({"enabled": "yes"}, "support"), ({"encoder": ""}, "encoder")],
)
def test_support_settings_refused_at_once(flags: dict[str, object], named: str) -> None:
    with pytest.raises(UsageError, match=named):
        resolve_support(**flags)  # type: ignore[arg-type]


def test_a_broken_user_file_is_one_config_error(tmp_path: Path) -> None:
    config = _toml(tmp_path / "models.toml", "[support]\nmin_support = 7\n")
    with pytest.raises(ConfigError, match="min_support"):
        resolve_support(config=config)


@pytest.mark.parametrize(
    ("length", "available", "default", "expected"),
    [
        (Length(), 10, 4, 4), (Length(count=3), 10, 4, 3), (Length(count=30), 10, 4, 10),
        (Length(ratio=0.25), 10, 4, 3), (Length(ratio=1.0), 7, 2, 7), (Length(ratio=0.01), 10, 4, 1),
        (Length(count=3), 0, 4, 0), (Length.parse("20%"), 10, 4, 2), (Length.parse("3"), 10, 4, 3),
        (Length.parse("0.5"), 7, 1, 4),
    ],
)
def test_length_one_rule(length: Length, available: int, default: int, expected: int) -> None:
    assert length.sentences(available, default) == expected


@pytest.mark.parametrize(
    ("count", "ratio"),
    [(0, None), (-1, None), (None, 0.0), (None, 1.5), (2, 0.5), (None, float("nan")), (True, None), (2.5, None),
     (None, "0.2")],
)
def test_length_refusals(count: object, ratio: object) -> None:
    with pytest.raises(UsageError):
        Length(count, ratio)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["0%", "abc", "150%", "0"])
def test_length_parse_refusals(text: str) -> None:
    with pytest.raises(UsageError):
        Length.parse(text)


# -- `check` honours [support] from the CLI and the API ------------------------------------------------------------


def _files(tmp_path: Path) -> tuple[str, str]:
    source = tmp_path / "source.ar"
    source.write_text("\n".join(ARABIC) + "\n", encoding="utf-8")
    english = tmp_path / "english.en"
    english.write_text(" ".join(ENGLISH) + "\n", encoding="utf-8")
    return str(source), str(english)


@pytest.mark.parametrize("via", ["user-file", "--config", "ARSUM_CONFIG"])
def test_check_uses_min_support_of_models_toml(isolated_env: Path, tmp_path: Path, via: str) -> None:
    where = isolated_env / "config" / "arsum" / "models.toml" if via == "user-file" else tmp_path / "mine.toml"
    _toml(where, "[support]\nmin_support = 0.55\n")
    source, english = _files(tmp_path)
    args = ["check", source, english, "-f", "json"] + (["--config", str(where)] if via == "--config" else [])
    env = {"ARSUM_CONFIG": str(where)} if via == "ARSUM_CONFIG" else None
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code in (0, 3), result.output
    assert json.loads(result.stdout)[0]["support"]["min_support"] == 0.55
    flagged = CliRunner().invoke(app, [*args, "--min-support", "0.2"], env=env)
    assert json.loads(flagged.stdout)[0]["support"]["min_support"] == 0.2  # the option still wins

    api = arsum.check(Path(source).read_text(encoding="utf-8"), " ".join(ENGLISH),
                      config=where if via == "--config" else None) if via != "ARSUM_CONFIG" else None
    if api is not None:
        assert api.min_support == 0.55
        assert arsum.check(Path(source).read_text(encoding="utf-8"), " ".join(ENGLISH), min_support=0.2,
                           config=where).min_support == 0.2


# -- one English splitter: `check` scores the sentences a summary is made of ---------------------------------------

SPLIT = "Gen. Ali Hassan met Gov. Karimov in Baku on Monday. The talks covered energy. Sen. Omar spoke next."
SPLIT_INTO = ["Gen. Ali Hassan met Gov. Karimov in Baku on Monday.", "The talks covered energy.", "Sen. Omar spoke next."]


def test_check_and_the_english_summary_split_alike() -> None:
    from arsum.tasks.abstractive import _model_sentences

    assert [s.text for s in _model_sentences(SPLIT)] == SPLIT_INTO
    release = "\n".join(["عنوان الخبر", "التقى الجنرال علي حسن الحاكم كريموف في باكو يوم الاثنين.",
                         "تناولت المحادثات الطاقة.", "ثم تحدث السيناتور عمر."])
    checked = arsum.check(release, SPLIT, min_support=0.0)
    assert [s.text for s in checked.sentences] == SPLIT_INTO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A headline\nThe minister spoke. He left.", ["A headline", "The minister spoke.", "He left."]),
        ("The U.S. and the U.K. signed. Talks end in Dec. 2024 says Mr. Smith.",
         ["The U.S. and the U.K. signed.", "Talks end in Dec. 2024 says Mr. Smith."]),
        ("Prices rose 3.5 percent. J. Smith said so.", ["Prices rose 3.5 percent.", "J. Smith said so."]),
        ("  \n\n ", []),
    ],
)
def test_english_splitter(text: str, expected: list[str]) -> None:
    from arsum.text.english import split_english_sentences

    assert split_english_sentences(text) == expected
