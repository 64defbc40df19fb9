"""Executors run a function over shards of documents; the pipeline does not care which one.

Per-document stages are pure functions, so any engine that can map a picklable function over
a list can run them. Only the serial executor exists today; a process pool and Dask plug in here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Maps ``fn`` over ``items`` and yields the results in the order of the items."""

    name: str

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialExecutor:
    """Runs everything in this process, one shard after another."""

    name = "serial"

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield fn(item)
