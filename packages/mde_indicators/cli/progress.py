"""A progress bar on stderr for long runs; silent when stderr is not a terminal (pipes, SOAR steps, CI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from rich.console import Console

Tick = Callable[[int], None]


class Reporter:
    """`with Reporter() as r: tick = r.task("Importing", total=n); tick(500)`."""

    def __init__(self, console: Optional[Console] = None) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.enabled,
        )

    def __enter__(self) -> Reporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._progress.stop()

    def task(self, description: str, total: Optional[int] = None) -> Tick:
        """A callback advancing a new bar (total None: a counter without an end)."""
        task_id = self._progress.add_task(description, total=total)

        def tick(count: int) -> None:
            self._progress.advance(task_id, count)

        return tick
