"""How a sum of independent terms is split across workers.

One small value object, :class:`Threading`, serves both halves of pybrms: Stan
programs receive it as ``reduce_sum``/``reduce_sum_static`` plus a grainsize
passed as data plus the size of the TBB pool, and :mod:`pybrms.flash` uses it to
split the factor updates of a parallel backfit into chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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
            raise TypeError(f"threading(static=...) must be True or False, got {self.static!r}")

    def resolved_grainsize(self, n_terms: int) -> int:
        """Terms per chunk for a sum of ``n_terms`` terms.

        The default follows brms: ``max(100, ceil(n_terms / (2 * threads)))``, so that
        each thread gets about two chunks.

        Examples
        --------
        >>> threading(2).resolved_grainsize(10_000)
        2500
        >>> threading(4, grainsize=250).resolved_grainsize(10_000)
        250
        """
        if self.grainsize is not None:
            return self.grainsize
        return max(100, math.ceil(n_terms / (2 * self.threads)))

    def chunks(self, n_terms: int) -> list[range]:
        """Split ``range(n_terms)`` into consecutive chunks of at most ``grainsize`` terms.

        Examples
        --------
        >>> threading(2, grainsize=3).chunks(7)
        [range(0, 3), range(3, 6), range(6, 7)]
        """
        size = self.resolved_grainsize(n_terms)
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
        raise ValueError(f"threading({name}=...) must be a positive integer, got {value!r}")
