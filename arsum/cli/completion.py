"""Shell completion: the scripts (`--show-completion SHELL`, `--install-completion SHELL`) and what they complete.

typer's own options are flags that guess the shell from the process tree (shellingham): `--show-completion zsh`
printed the bash script from a bash prompt, and under a parent that is no shell (pytest, cron, an IDE) it printed
`Shell  not supported`. Here the shell named on the command line wins; without one it is guessed from the process
tree, then from $SHELL, and a guess that fails says how to name it. Scripts always complete `arsum`, the installed
command, even when the script is printed by `python -m arsum`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

PROG_NAME = "arsum"
COMPLETE_VAR = "_ARSUM_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
_AUTO = "auto"  # what `--show-completion` alone stands for (typer's click has no options with an optional value)
_SHELL_OPTIONS = ("--show-completion", "--install-completion")


def _detect_shell() -> str | None:
    """The shell arsum runs under (the process tree), else the login shell ($SHELL), else None."""
    try:
        import shellingham

        name, _path = shellingham.detect_shell()
        if name in SHELLS:
            return str(name)
    except Exception:  # noqa: BLE001, S110 - shellingham raises its own failure, or OSError reading /proc
        pass
    login = Path(os.environ.get("SHELL", "")).name.lower()
    return login if login in SHELLS else None


def _shell(value: str, option: str) -> str:
    shell = value.strip().lower()
    if shell != _AUTO:
        if shell not in SHELLS:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(SHELLS)}")
        return shell
    detected = _detect_shell()
    if detected is None:
        raise typer.BadParameter(f"cannot tell which shell this is; name it: {option} bash (or zsh, fish, powershell)")
    return detected


def completion_script(shell: str) -> str:
    """The script that makes `shell` complete `arsum` (typer's templates; its classes answer the requests)."""
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell)
    return script.strip() + "\n"  # zsh autoloads a file from $fpath only when `#compdef` is its first line


def _show(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    typer.echo(completion_script(_shell(value, "--show-completion")), nl=False)
    raise typer.Exit(0)


def _install(ctx: typer.Context, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from typer._completion_shared import (
        install,  # typer's installers: the lines each shell's rc file needs
    )

    from arsum.cli.process import say

    shell, path = install(shell=_shell(value, "--install-completion"), prog_name=PROG_NAME, complete_var=COMPLETE_VAR)
    say(f"{shell} completion installed in {path}; it takes effect in a new shell")
    raise typer.Exit(0)


ShowCompletionOpt = Annotated[
    str | None,
    typer.Option(
        "--show-completion", metavar="[SHELL]", is_eager=True, expose_value=False, callback=_show,
        help="Print the completion script for SHELL: bash, zsh, fish or powershell (default: the current shell).",
    ),
]
InstallCompletionOpt = Annotated[
    str | None,
    typer.Option(
        "--install-completion", metavar="[SHELL]", is_eager=True, expose_value=False, callback=_install,
        help="Add completion for SHELL to its start-up file (default: the current shell).",
    ),
]


class WholeHelpGroup(TyperGroup):
    """A group whose -h lists each command with its whole first paragraph (`arsum -h`, `arsum models -h`)."""

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:
        """The command list with each command's whole first paragraph, not click's 45-character cut."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, _summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class RootGroup(WholeHelpGroup):
    """The `arsum` group: completion options whose shell may be left out, and the command list written whole."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from typer.completion import completion_init

        completion_init()  # typer's bash/zsh/fish/powershell classes answer completion requests ($_ARSUM_COMPLETE)
        if os.environ.get(COMPLETE_VAR):
            _plain_help_completion()

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        """`arsum --show-completion` with no shell after it means the current shell."""
        args = list(args)
        for i, arg in enumerate(args):
            if not arg.startswith("-"):
                break  # the sub-command: what follows is its own
            if arg in _SHELL_OPTIONS and (i + 1 == len(args) or args[i + 1].startswith("-")):
                args.insert(i + 1, _AUTO)
                break
        return super().parse_args(ctx, args)


def _plain_help_completion() -> None:
    """zsh, fish and PowerShell answers with each item's help as one plain line.

    typer renders every help through Rich markup (`typer.rich_utils`: about 0.2 s per Tab on the bench machine)
    although arsum's help has no markup, and wraps it over several lines; a description from a user's models.toml
    could also carry control characters into the shell's completion menu.
    """
    from typer._click.shell_completion import CompletionItem, add_completion_class
    from typer._completion_classes import FishComplete, PowerShellComplete, ZshComplete

    from arsum.errors import escape_controls

    def plain(text: str | None) -> str:
        return " ".join(escape_controls(text or "").split())

    def zsh_quoted(text: str) -> str:
        return (text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
                .replace(":", r"\\:"))

    class Zsh(ZshComplete):
        def format_completion(self, item: CompletionItem) -> str:
            value = zsh_quoted(plain(item.value))
            return f'"{value}":"{zsh_quoted(plain(item.help))}"' if item.help else f'"{value}"'

    class Fish(FishComplete):
        def format_completion(self, item: CompletionItem) -> str:
            return f"{plain(item.value)}\t{plain(item.help)}" if item.help else plain(item.value)

    class PowerShell(PowerShellComplete):
        def format_completion(self, item: CompletionItem) -> str:
            return f"{plain(item.value)}:::{plain(item.help) or ' '}"

    for cls, name in ((Zsh, "zsh"), (Fish, "fish"), (PowerShell, "powershell"), (PowerShell, "pwsh")):
        add_completion_class(cls, name)


def _summary(command: Any) -> str:
    """A command's short help, else the first paragraph of its help, whole."""
    if command.short_help:
        return str(command.short_help)
    text = (command.help or "").strip()
    return " ".join(text.split("\n\n", 1)[0].split())


# What options complete: model names from models.toml, language codes from the models that translate.


def _config(ctx: typer.Context) -> Any:
    from arsum.models.config import load_config

    path = ctx.params.get("config")
    return load_config(Path(path) if path else None)


def complete_models(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Configured model names starting with `incomplete`, each with its description (nothing when the config is bad:
    completion must never print an error into the shell's prompt)."""
    try:
        config = _config(ctx)
    except Exception:  # noqa: BLE001
        return []
    return [(name, spec.description) for name, spec in sorted(config.models.items()) if name.startswith(incomplete)]


def complete_languages(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Language codes some configured translation model handles, each with its English name."""
    try:
        config = _config(ctx)
    except Exception:  # noqa: BLE001
        return []
    from arsum.text.languages import english_name

    codes = {code for spec in config.models.values() if "translate" in spec.tasks for code in spec.languages}
    codes |= set(config.routing.translate)
    prefix = incomplete.lower()
    return [(code, english_name(code)) for code in sorted(codes) if code.lower().startswith(prefix)]
