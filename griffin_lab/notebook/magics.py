"""``%griffin`` and ``%%griffin``.

``%griffin status`` shows the engines' health, ``%griffin help`` lists the commands. Later
subsystems add their commands to ``LINE_COMMANDS`` / ``CELL_COMMANDS``. Nothing heavy is
imported when the extension loads; the client is created on first use.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class

LineCommand = Callable[["GriffinMagics", list[str]], Any]
CellCommand = Callable[["GriffinMagics", list[str], str], Any]

LINE_COMMANDS: dict[str, tuple[LineCommand, str]] = {}
CELL_COMMANDS: dict[str, tuple[CellCommand, str]] = {}


def line_command(name: str, help: str) -> Callable[[LineCommand], LineCommand]:
    def register(fn: LineCommand) -> LineCommand:
        LINE_COMMANDS[name] = (fn, help)
        return fn

    return register


def cell_command(name: str, help: str) -> Callable[[CellCommand], CellCommand]:
    def register(fn: CellCommand) -> CellCommand:
        CELL_COMMANDS[name] = (fn, help)
        return fn

    return register


class MagicUsageError(Exception):
    pass


@magics_class
class GriffinMagics(Magics):
    _client: Any = None

    @property
    def client(self) -> Any:
        """The client the magics use: ``griffin_client`` in the namespace, else connect()."""
        user = self.shell.user_ns.get("griffin_client") if self.shell else None
        if user is not None:
            return user
        if self._client is None:
            import griffin_lab

            self._client = griffin_lab.connect()
        return self._client

    @line_cell_magic
    def griffin(self, line: str, cell: str | None = None) -> Any:
        from ..errors import GriffinError

        try:
            args = shlex.split(line)
        except ValueError as exc:
            raise _usage(f"Cannot parse the command line: {exc}") from None
        command, rest = (args[0], args[1:]) if args else ("help", [])
        try:
            if cell is not None:
                if command not in CELL_COMMANDS:
                    raise _usage(f"%%griffin has no command {command!r}")
                return CELL_COMMANDS[command][0](self, rest, cell)
            if command not in LINE_COMMANDS:
                raise _usage(f"%griffin has no command {command!r}")
            return LINE_COMMANDS[command][0](self, rest)
        except GriffinError as exc:
            raise GriffinMagicError(exc.message) from None
        except MagicUsageError as exc:
            raise _usage(str(exc)) from None


class GriffinMagicError(UsageError):
    """What a failed ``%griffin`` command raises: IPython shows the message without a
    traceback, and the cell fails, so "Run All" stops where the problem is."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        super().__init__(f"Griffin: {message}" + (f"\n{hint}" if hint else ""))


def help_text() -> str:
    lines = ["%griffin COMMAND [ARGS]"]
    lines += [f"  {name:<10} {text}" for name, (_, text) in sorted(LINE_COMMANDS.items())]
    if CELL_COMMANDS:
        lines.append("%%griffin COMMAND [ARGS]  (the cell body is the input)")
        lines += [f"  {name:<10} {text}" for name, (_, text) in sorted(CELL_COMMANDS.items())]
    return "\n".join(lines)


def _usage(message: str) -> GriffinMagicError:
    return GriffinMagicError(message, help_text())


class HelpView:
    def __repr__(self) -> str:
        return help_text()

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre class='griffin-help'>{escape(help_text())}</pre>"


@line_command("help", "list the commands")
def _help(magics: GriffinMagics, args: list[str]) -> HelpView:
    return HelpView()


@line_command("status", "version and health of every engine (--json for the raw answer)")
def _status(magics: GriffinMagics, args: list[str]) -> Any:
    from .views import StatusView

    unknown = [a for a in args if a != "--json"]
    if unknown:
        raise MagicUsageError(f"%griffin status takes only --json, not {' '.join(unknown)}")
    status = magics.client.status()
    if "--json" in args:
        return status.model_dump(mode="json")
    describe = getattr(magics.client.transport, "describe", None)
    return StatusView(status, where=describe() if describe else "")


def load_ipython_extension(ipython: Any) -> None:
    from . import (  # noqa: F401  (register their commands)
        features_views,
        registry_views,
        serving_views,
        training_views,
    )

    ipython.register_magics(GriffinMagics)


def unload_ipython_extension(ipython: Any) -> None:
    magics = ipython.magics_manager.registry.get("GriffinMagics")
    if magics is not None and magics._client is not None:
        magics._client.close()
        magics._client = None
