"""`arsum.run_ray` hands every argument to the Ray runner as the CLI's --ray does (Ray itself is not started:
what it would be given is recorded); the API's notices go to the `arsum` logger unless `notify` is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

import arsum
from arsum.errors import UsageError
from arsum.text.inputs import DEFAULT_MAX_BYTES

SEED = REPO_ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


@pytest.fixture
def given(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    from arsum.tasks import distributed

    calls: list[dict[str, Any]] = []

    def fake_run_ray(job, paths, output_dir, *, cluster, inputs, **_: object):
        calls.append({"job": job, "paths": paths, "output_dir": output_dir, "cluster": cluster, "inputs": inputs})
        return distributed.RunSummary()

    monkeypatch.setattr(distributed, "run_ray", fake_run_ray)
    return calls


def test_run_ray_defaults_are_the_clis(given: list[dict[str, Any]], tmp_path: Path) -> None:
    from arsum.tasks.distributed import Cluster, InputOptions

    arsum.run_ray("summarize", [SEED], str(tmp_path / "out"), english=False)
    [call] = given
    assert call["paths"] == [str(SEED)] and call["output_dir"] == tmp_path / "out"
    assert call["cluster"] == Cluster("local", None, 0.0, 1)
    assert call["inputs"] == InputOptions("text", DEFAULT_MAX_BYTES, True)
    assert call["job"].command == "summarize" and call["job"].options.english is False


def test_run_ray_passes_every_argument(given: list[dict[str, Any]], tiny_marian: Path, tmp_path: Path) -> None:
    from arsum.tasks.distributed import Cluster, InputOptions
    from arsum.tasks.pipeline import TranslateOptions

    arsum.run_ray("translate", [SEED, str(SEED)], tmp_path / "out", address="auto", workers=3, gpus_per_worker=0.5,
                  threads_per_worker=2, input_format="jsonl", max_bytes=1234, require_arabic=False,
                  model=str(tiny_marian), support=False)
    [call] = given
    assert call["paths"] == [str(SEED), str(SEED)]
    assert call["cluster"] == Cluster("auto", 3, 0.5, 2)
    assert call["inputs"] == InputOptions("jsonl", 1234, False)
    job = call["job"]
    assert job.command == "translate" and isinstance(job.options, TranslateOptions)
    assert job.options.models.model == str(tiny_marian)
    assert job.options.support.enabled is False


@pytest.mark.parametrize(("command", "kwargs", "named"), [
    ("translate ", {}, "command must be 'summarize' or 'translate'"),
    ("summarize", {"paths": "releases/"}, "paths must be a list of paths, not one str"),
    ("summarize", {"paths": Path("releases")}, r"paths must be a list of paths, not one \w*Path"),
    ("summarize", {"input_format": "html"}, "input_format must be 'text' or 'jsonl', not 'html'"),
    ("summarize", {"input_format": "TEXT"}, "input_format"),
])
def test_run_ray_refuses_what_the_cli_would(given: list[dict[str, Any]], command: str, kwargs: dict[str, Any],
                                            named: str, tmp_path: Path) -> None:
    paths = kwargs.pop("paths", [SEED])
    with pytest.raises(UsageError, match=named):
        arsum.run_ray(command, paths, tmp_path / "out", english=False, **kwargs)
    assert given == []


def test_notices_go_to_the_arsum_logger_by_default(tiny_marian: Path, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    """README: notices (support encoder unavailable, …) go to `notify`, by default the `arsum` logger."""
    import logging

    caplog.set_level(logging.WARNING, logger="arsum")
    translator = arsum.Translator(model=str(tiny_marian), encoder=str(tmp_path / "no-encoder"))
    result = translator(SEED.read_text(encoding="utf-8"))
    assert result.pairs and all(p.support is None for p in result.pairs)
    notices = [r for r in caplog.records if r.name == "arsum" and r.levelno == logging.WARNING]
    assert len(notices) == 1 and "support scores unavailable" in notices[0].getMessage()


@pytest.mark.parametrize(("kwargs", "read", "expected"), [
    ({}, lambda o: (o.target, o.source, o.support.enabled, o.models.quantize), ("en", "ar", True, None)),
    ({"to": "fra_Latn", "source": "EN"}, lambda o: (o.target, o.source), ("fr", "en")),
    ({"quantize": "int8"}, lambda o: o.models.quantize, "int8"),
    ({"support": False}, lambda o: o.support.enabled, False),
    ({"min_support": 0.7}, lambda o: o.support.min_support, 0.7),
])
def test_translate_options_take_each_argument(kwargs: dict[str, Any], read: Any, expected: Any) -> None:
    from arsum.api import translate_options

    assert read(translate_options(**kwargs)) == expected


def test_translate_options_read_the_config_given(tmp_path: Path) -> None:
    from arsum.api import translate_options

    path = tmp_path / "models.toml"
    path.write_text("[support]\nmin_support = 0.65\n", encoding="utf-8")
    options = translate_options(config=path)
    assert options.models.config_path == path and options.support.min_support == 0.65
    assert translate_options().support.min_support != 0.65


@pytest.mark.parametrize("argument", ["to", "source"])
def test_an_empty_language_is_refused_naming_the_argument(argument: str) -> None:
    from arsum.api import translate_options

    with pytest.raises(UsageError) as err:
        translate_options(**{argument: " "})
    assert str(err.value) == f"{argument} must be a language code (en, fr, ar, …), not an empty string"


def test_a_given_notify_gets_the_notices_instead_of_the_logger(tiny_marian: Path, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.WARNING, logger="arsum")
    said: list[str] = []
    translator = arsum.Translator(model=str(tiny_marian), encoder=str(tmp_path / "no-encoder"), notify=said.append)
    assert translator(SEED.read_text(encoding="utf-8")).pairs
    assert len(said) == 1 and "support scores unavailable" in said[0]
    assert not [r for r in caplog.records if r.name == "arsum"]
