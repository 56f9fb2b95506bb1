"""The promise table (tests/promises.toml) against the command line and the test files.

Every option and argument of every command (sub-apps included, and any added later) must have a row naming at
least one test that exists and fails when the option stops doing what its help says; a row for an option that is
gone, or a test that is gone or renamed, fails here too. The messages say exactly what to add or remove.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main

from arsum.cli.app import app

TESTS = Path(__file__).resolve().parent
TABLE = TESTS / "promises.toml"
REPO = TESTS.parent


def _key(param: Any) -> str:
    """An option by its first long name (`--sentences`), an argument by its metavar-like upper name (`PATHS`)."""
    if param.param_type_name == "option":
        return next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return param.name.upper()


def cli_parameters() -> dict[tuple[str, str], str]:
    """(command, option) -> first sentence of its help, for every parameter of every command; -h/--help excepted."""
    found: dict[tuple[str, str], str] = {}

    def walk(command: Any, path: list[str]) -> None:
        for param in command.params:
            if param.name == "help":
                continue
            help_text = (getattr(param, "help", None) or "").split(". ")[0].strip()
            found[(" ".join(path), _key(param))] = help_text
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), ["arsum"])
    return found


def test_ids() -> set[str]:
    """Every test function by its pytest id without parameters: `tests/test_x.py::test_y` (or `::Class::test_y`)."""
    ids = set()
    for path in sorted(TESTS.glob("test_*.py")):
        prefix = path.relative_to(REPO).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                ids.add(f"{prefix}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                ids.update(f"{prefix}::{node.name}::{item.name}" for item in node.body
                           if isinstance(item, ast.FunctionDef) and item.name.startswith("test"))
    return ids


test_ids.__test__ = False  # a helper, not a test


def _table() -> dict[str, list[dict[str, Any]]]:
    return tomllib.loads(TABLE.read_text(encoding="utf-8"))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def test_every_option_of_every_command_has_a_row() -> None:
    rows = {(row["command"], row["option"]) for row in _table()["option"]}
    missing = [(key, help_text) for key, help_text in cli_parameters().items() if key not in rows]
    snippets = "\n".join(
        f"[[option]]\ncommand = {_quoted(command)}\noption = {_quoted(option)}\npromise = {_quoted(help_text)}\n"
        'tests = ["tests/test_FILE.py::test_NAME"]  # a test that fails when this option stops doing what it says\n'
        for (command, option), help_text in missing
    )
    assert not missing, f"options without a row in {TABLE.name}; add (and write the test if there is none):\n\n{snippets}"


def test_every_row_names_an_option_that_exists() -> None:
    parameters = cli_parameters()
    stale = [f"{row['command']} {row['option']}" for row in _table()["option"]
             if (row["command"], row["option"]) not in parameters]
    assert not stale, f"rows in {TABLE.name} for options the CLI no longer has; remove or rename them: {stale}"


def test_no_option_has_two_rows() -> None:
    keys = [(row["command"], row["option"]) for row in _table()["option"]]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)


@pytest.mark.parametrize("section", ["option", "promise"])
def test_every_row_names_tests_that_exist(section: str) -> None:
    ids = test_ids()
    problems = []
    for row in _table()[section]:
        label = f"{row['command']} {row['option']}" if section == "option" else row["promise"][:60]
        if not str(row.get("promise", "")).strip():
            problems.append(f"{label}: no promise text")
        if not row.get("tests"):
            problems.append(f"{label}: no test named (write one that fails when this breaks)")
        problems += [f"{label}: {test} does not exist (renamed or removed? name a test that pins it)"
                     for test in row.get("tests", []) if test not in ids]
    assert not problems, f"{TABLE.name} [[{section}]]:\n" + "\n".join(problems)


def test_the_table_covers_every_kind_of_promise() -> None:
    """Beyond options: exit codes, record fields, precedence, refusals, resume and safety each have rows."""
    areas = {row["area"] for row in _table()["promise"]}
    assert {"exit codes", "fields", "precedence", "refusals", "resume", "safety", "order", "api"} <= areas
