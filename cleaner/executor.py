"""Executors run a function over shards of documents; the pipeline does not care which one.

Per-document stages are pure functions, so any engine that can map a picklable function over
a list can run them. Results always come back in the order of the shards, so the output is the
same whatever the engine and the number of workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

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


class ProcessExecutor:
    """A pool of worker processes on this machine, a few shards in flight per worker.

    Shards are submitted as they are read and results are yielded in order, so memory holds
    only the shards in flight, however large the input.
    """

    name = "process"

    def __init__(self, workers: int | None = None, in_flight: int = 3) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.in_flight = max(1, in_flight)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        # the function (a pipeline with its compiled rules) goes to each worker once, not per shard
        pool_options: dict[str, Any] = {"initializer": _install, "initargs": (fn, os.getpid())}
        pool = ProcessPoolExecutor(max_workers=self.workers, **pool_options)
        pending: deque[Future[R]] = deque()
        finished = False
        try:
            for item in items:
                pending.append(pool.submit(_call_installed, item))
                if len(pending) >= self.workers * self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
            finished = True
        finally:
            if not finished:
                # interrupted: shards in flight are not wanted, and a worker stuck in one (a
                # pathological pattern) must not keep the process from exiting
                _terminate_workers(pool)
            pool.shutdown(wait=finished, cancel_futures=True)


class DaskExecutor:
    """Shards run as tasks on a Dask cluster: at ``scheduler`` (an address or a scheduler file),
    or on a local cluster of worker processes started for the run and stopped after it.

    The function (the pipeline and its rules) is sent to the workers once; shards go out a few
    per worker at a time and their results come back in order, so the output is the same as a
    serial run's. Workers need cleaner installed.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, in_flight: int = 3) -> None:
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            from .errors import InputError

            raise InputError("--engine dask needs dask and distributed: pip install 'cleaner[dask]'") from exc
        self.scheduler = scheduler
        self.workers = workers
        self.in_flight = max(1, in_flight)
        self._connection: tuple[Any, Any] | None = None

    def _client(self) -> Any:
        from distributed import Client, LocalCluster

        from .errors import InputError

        if self.scheduler is None:
            cluster = LocalCluster(
                n_workers=self.workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            return Client(cluster), cluster
        try:
            if os.path.isfile(self.scheduler):
                return Client(scheduler_file=self.scheduler, timeout="10s"), None
            return Client(self.scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from exc

    def open(self) -> Any:
        """Connect (or start the local cluster); the client stays open until `close`."""
        if self._connection is None:
            self._connection = self._client()
        return self._connection[0]

    def close(self) -> None:
        if self._connection is not None:
            client, cluster = self._connection
            self._connection = None
            client.close()
            if cluster is not None:
                cluster.close()

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        opened_here = self._connection is None
        client = self.open()
        try:
            slots = sum(client.nthreads().values()) or 1
            remote_fn = client.scatter(fn, broadcast=True)
            pending: deque[Any] = deque()
            for item in items:
                pending.append(client.submit(_call, remote_fn, item, pure=False))
                if len(pending) >= slots * self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            if opened_here:
                self.close()


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


def _terminate_workers(pool: ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            process.terminate()


_INSTALLED: list[Callable[[Any], Any]] = []


def _install(fn: Callable[[Any], Any], parent: int) -> None:
    # Ctrl-C and SIGTERM are the parent's to handle: a worker just stops when its parent does
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _exit_with_parent(parent)
    _INSTALLED[:] = [fn]


def _exit_with_parent(parent: int) -> None:
    """End this worker when its parent dies, even by ``kill -9`` (which the parent cannot handle):
    the kernel's parent-death signal on Linux, and a watch on the parent's pid everywhere."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # died before the signal was asked for
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="cleaner-parent-watch", daemon=True).start()


def _call_installed(item: Any) -> Any:
    return _INSTALLED[0](item)


def executor_for(
    workers: int | None, input_bytes: int = 0, small: int = 4 << 20, engine: str = "local", scheduler: str | None = None
) -> Executor:
    """The executor for ``workers`` (None: all cores, but serial for inputs under ``small`` bytes,
    where starting processes would cost more than it saves), or a Dask cluster's."""
    if engine == "dask":
        return DaskExecutor(scheduler, workers)
    if workers is None:
        workers = 1 if input_bytes < small else (os.cpu_count() or 1)
    return SerialExecutor() if workers <= 1 else ProcessExecutor(workers)
