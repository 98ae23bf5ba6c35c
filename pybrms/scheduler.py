"""How a sum of independent terms is split across workers, and where the chunks run.

One small value object, :class:`Threading`, serves both halves of pybrms: Stan
programs receive it as ``reduce_sum``/``reduce_sum_static`` plus a grainsize
passed as data plus the size of the TBB pool, and :mod:`pybrms.flash` uses it to
split the factor updates of a parallel backfit into chunks.

Those chunks run on an *executor*, always passed explicitly (never a global
option): ``None`` (in the calling thread), a name (``"threads"``,
``"processes"``, ``"fork"``, ``"spawn"``, ``"forkserver"``) for a pool that
:func:`open_executor` opens and closes around the work, or any object with a
``submit(fn, *args)`` method returning futures with ``.result()``: a
``concurrent.futures`` executor or a ``dask.distributed.Client``, which stay
open because the caller owns them.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pybrms.errors import SettingsError

T = TypeVar("T")
R = TypeVar("R")

EXECUTOR_NAMES = ("threads", "processes", "fork", "spawn", "forkserver")


@dataclass(frozen=True)
class Threading:
    """Threads per chain, terms per chunk and the chunking mode.

    Build it with :func:`threading`; see there for the meaning of the fields.
    """

    threads: int = 1
    grainsize: int | None = None
    static: bool = False

    def __post_init__(self) -> None:
        _check_positive_int("threads", self.threads)
        if self.grainsize is not None:
            _check_positive_int("grainsize", self.grainsize)
        if not isinstance(self.static, bool):
            raise SettingsError(f"threading(static=...) must be True or False, got {self.static!r}")

    def resolved_grainsize(self, n_terms: int, min_grainsize: int = 100) -> int:
        """Terms per chunk for a sum of ``n_terms`` terms.

        The default follows brms: ``max(min_grainsize, ceil(n_terms / (2 * threads)))``
        with ``min_grainsize=100``, so that each thread gets about two chunks. Work
        with few, expensive terms (the K factor updates of flash) passes
        ``min_grainsize=1``.

        Examples
        --------
        >>> threading(2).resolved_grainsize(10_000)
        2500
        >>> threading(4, grainsize=250).resolved_grainsize(10_000)
        250
        >>> threading(2).resolved_grainsize(10, min_grainsize=1)
        3
        """
        if self.grainsize is not None:
            return self.grainsize
        return max(min_grainsize, math.ceil(n_terms / (2 * self.threads)))

    def chunks(self, n_terms: int, min_grainsize: int = 100) -> list[range]:
        """Split ``range(n_terms)`` into consecutive chunks of at most ``grainsize`` terms.

        Examples
        --------
        >>> threading(2, grainsize=3).chunks(7)
        [range(0, 3), range(3, 6), range(6, 7)]
        >>> threading(2).chunks(5, min_grainsize=1)
        [range(0, 2), range(2, 4), range(4, 5)]
        """
        size = self.resolved_grainsize(n_terms, min_grainsize)
        return [range(start, min(start + size, n_terms)) for start in range(0, n_terms, size)]


def threading(threads: int = 1, grainsize: int | None = None, static: bool = False) -> Threading:
    """Describe within-chain parallelism, as ``brms::threading``.

    Parameters
    ----------
    threads
        Threads per chain. A run uses ``chains * threads`` cores in all.
    grainsize
        Terms of the likelihood per chunk. ``None`` picks brms's default,
        ``max(100, ceil(N / (2 * threads)))``. It is passed to Stan as data, so
        changing it never recompiles.
    static
        ``True`` uses ``reduce_sum_static``: chunks are fixed by the grainsize alone,
        so results are reproducible whatever the number of threads.

    Returns
    -------
    Threading

    Examples
    --------
    >>> import pybrms as bm
    >>> bm.threading(4, grainsize=250, static=True)
    Threading(threads=4, grainsize=250, static=True)
    """
    return Threading(threads=threads, grainsize=grainsize, static=static)


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(f"threading({name}=...) must be a positive integer, got {value!r}")


class Submitter(Protocol):
    """Anything that runs ``fn(*args)`` somewhere and returns a future (``.result()``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


ExecutorSpec = str | Submitter | None


@contextmanager
def open_executor(executor: ExecutorSpec, workers: int) -> Iterator[Submitter | None]:
    """A live executor for a block of work; pools opened here are closed here.

    Parameters
    ----------
    executor
        ``None`` runs chunks in the calling thread. A name opens a pool of
        ``workers`` workers for the duration of the block: ``"threads"``
        (``ThreadPoolExecutor``), ``"processes"`` (``ProcessPoolExecutor`` with the
        platform's default start method), or ``"fork"``, ``"spawn"``,
        ``"forkserver"`` (worker processes with that start method, as R's FORK and
        socket clusters). An object with ``submit`` (a ``concurrent.futures``
        executor, a ``dask.distributed.Client``) is used as it is and left open.
    workers
        Pool size for a named executor, usually ``threading.threads``.

    Yields
    ------
    Submitter or None

    Examples
    --------
    >>> with open_executor("threads", 2) as ex:
    ...     ex.submit(sum, [1, 2]).result()
    3
    """
    if executor is None:
        yield None
    elif isinstance(executor, str):
        pool = _named_pool(executor, workers)
        try:
            yield pool
        finally:
            pool.shutdown()
    elif callable(getattr(executor, "submit", None)):
        yield executor
    else:
        raise SettingsError(
            f"executor must be None, one of {EXECUTOR_NAMES}, a concurrent.futures "
            f"executor or a dask.distributed.Client; got {executor!r}"
        )


def map_chunks(
    fn: Callable[[list[T]], list[R]],
    items: Sequence[T],
    threading: Threading,
    executor: Submitter | None = None,
) -> list[R]:
    """Apply ``fn`` to chunks of ``items`` (chunked by ``threading``) and concatenate.

    ``fn`` takes a list of items and returns one result per item; it must be a
    module-level function when ``executor`` runs processes or a Dask cluster.
    Chunks have at least one item each (``min_grainsize=1``).

    Examples
    --------
    >>> def squares(xs):
    ...     return [x * x for x in xs]
    >>> map_chunks(squares, [1, 2, 3], threading(2))
    [1, 4, 9]
    """
    parts = [[items[i] for i in chunk] for chunk in threading.chunks(len(items), 1)]
    if executor is None:
        results = [fn(part) for part in parts]
    else:
        futures = [executor.submit(fn, part) for part in parts]
        results = [future.result() for future in futures]
    return [r for part in results for r in part]


def _named_pool(name: str, workers: int) -> Executor:
    if name == "threads":
        return ThreadPoolExecutor(max_workers=workers)
    if name == "processes":
        return ProcessPoolExecutor(max_workers=workers)
    if name in EXECUTOR_NAMES:
        context = multiprocessing.get_context(name)
        return ProcessPoolExecutor(max_workers=workers, mp_context=context)
    raise SettingsError(
        f"executor must be one of {EXECUTOR_NAMES} when given by name; got {name!r}"
    )
