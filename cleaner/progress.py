"""How far along a run is: phases, each with a total where one is known.

`run_clean` tells a `Progress` when a phase starts (``phase``) and how much of it is done
(``advance``): reading the input for site templates and cleaning (in bytes of input, the total
counted from the files before the phase starts), finding duplicates (no total), and writing (in
documents). The command line draws it with rich on a terminal (`TerminalProgress`); the library
draws nothing unless given one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

#: The phases of a run, in order.
PHASES = ("site templates", "cleaning", "duplicates", "writing")


class Progress(Protocol):
    def phase(self, name: str, total: int | None = None, unit: str = "documents") -> None:
        """A phase starts; ``total`` in ``unit`` ("bytes", "documents", or "" for a phase that
        only ends), None when unknown."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more of the current phase is done."""


class NoProgress:
    def phase(self, name: str, total: int | None = None, unit: str = "documents") -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


class DocumentCount:
    """A `Progress` for a plain callable that counts the documents cleaned (``progress(1)``)."""

    def __init__(self, counted: Callable[[int], Any]) -> None:
        self.counted = counted
        self.current = ""

    def phase(self, name: str, total: int | None = None, unit: str = "documents") -> None:
        self.current = name

    def advance(self, amount: int = 1) -> None:
        if self.current == "cleaning":  # one call a document
            self.counted(1)


def as_progress(progress: Progress | Callable[[int], Any] | None) -> Progress:
    if progress is None:
        return NoProgress()
    if hasattr(progress, "phase"):
        return progress  # type: ignore[return-value]
    return DocumentCount(progress)  # type: ignore[arg-type]


class TerminalProgress:
    """A line per phase on stderr: a bar, the share done, the amount and rate (bytes or
    documents), and the time left; each phase's line stays, finished, when the next one starts."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        self._display = Progress(
            TextColumn("{task.description:<15}"),
            BarColumn(bar_width=24),
            TaskProgressColumn(),
            _amount_column(),
            TimeRemainingColumn(elapsed_when_finished=True),
            console=Console(stderr=True),
        )
        self._task: Any = None

    def __enter__(self) -> TerminalProgress:
        self._display.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self._display.stop()

    def phase(self, name: str, total: int | None = None, unit: str = "documents") -> None:
        self._finish()
        self._task = self._display.add_task(name, total=total, unit=unit)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._display.advance(self._task, amount)

    def _finish(self) -> None:
        """The phase that ends is shown complete (a total counted in bytes on disk may differ a
        little from the bytes read: compressed files)."""
        if self._task is None:
            return
        task = self._display.tasks[self._task]
        done = max(1, int(task.completed)) if task.total is None else task.total  # (no total: done is done)
        self._display.update(self._task, total=done, completed=done)


def _amount_column() -> Any:
    """Done / total and the rate, in bytes (as file sizes) or in documents."""
    from rich.filesize import decimal
    from rich.progress import ProgressColumn
    from rich.table import Column
    from rich.text import Text

    class Amount(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            unit = task.fields.get("unit")
            if not unit:  # a phase measured by nothing but its end
                return Text("")
            if unit == "bytes":
                total = f"/{decimal(int(task.total))}" if task.total is not None else ""
                rate = f" {decimal(int(speed))}/s" if speed else ""
                return Text(f"{decimal(int(task.completed))}{total}{rate}")
            total = f"/{int(task.total):,}" if task.total is not None else ""
            rate = f" {speed:,.0f} docs/s" if speed else ""
            return Text(f"{int(task.completed):,}{total}{rate}")

    return Amount(table_column=Column(no_wrap=True, min_width=26))
