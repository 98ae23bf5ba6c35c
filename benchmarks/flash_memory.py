"""Peak memory of building and fitting a large sparse flash problem, against the matrix's size.

Run from the repository root::

    python benchmarks/flash_memory.py                 # 20,000 x 2,000, 5% nonzero
    python benchmarks/flash_memory.py --rows 5000     # smaller

Three steps are measured with ``tracemalloc`` (numpy and scipy buffers included),
each as its peak above what was allocated before it, divided by the bytes of the
CSR matrix itself (data, indices and row pointers):

1. simulating the sparse count matrix (:func:`sparse_counts`, never dense);
2. ``flash_init`` (validation, the CSR copy, sums of squares, the first τ);
3. ``greedy(Kmax=2)`` and two backfit iterations, where the residual variance comes
   from sufficient statistics (no residual matrix is formed).
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

T = TypeVar("T")
K_TRUE = 5


def sparse_counts(
    n: int, p: int, density: float, rng: np.random.Generator, chunk: int = 1000
) -> sp.csr_matrix:
    """Counts ``1 + Poisson(ℓ_i · f_j)`` at about ``density n p`` random positions.

    Rows are drawn in chunks, each row's number of nonzeros is binomial and its
    columns uniform (duplicates merged), so memory stays a small multiple of the
    result; nothing of size ``n x p`` is ever allocated.
    """
    L = rng.exponential(size=(n, K_TRUE)) * (rng.random((n, K_TRUE)) < 0.3)
    F = rng.exponential(size=(p, K_TRUE))
    blocks = []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        counts = rng.binomial(p, density, size=stop - start)
        rows = np.repeat(np.arange(stop - start), counts)
        cols = rng.integers(0, p, size=rows.size)
        rate = np.einsum("ik,ik->i", L[start + rows], F[cols])
        values = 1.0 + rng.poisson(rate)
        block = sp.csr_matrix((values, (rows, cols)), shape=(stop - start, p))
        block.sum_duplicates()
        blocks.append(block)
    return sp.vstack(blocks, format="csr")


def peak_mb(step: Callable[[], T]) -> tuple[T, float, float]:
    """Run ``step``; its result, its tracemalloc peak above the start (MB) and seconds."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    out = step()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    return out, peak / 2**20, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cols", type=int, default=2_000)
    parser.add_argument("--density", type=float, default=0.05)
    args = parser.parse_args()
    from pybrms.flash import flash_init

    rng = np.random.default_rng(7)
    print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
    Y, sim_mb, sim_s = peak_mb(lambda: sparse_counts(args.rows, args.cols, args.density, rng))
    own = (Y.data.nbytes + Y.indices.nbytes + Y.indptr.nbytes) / 2**20
    print(f"{args.rows} x {args.cols} CSR, {Y.nnz:,} nonzeros: {own:.1f} MB")
    fit, init_mb, init_s = peak_mb(lambda: flash_init(Y, verbose=0))
    fitted, fit_mb, fit_s = peak_mb(lambda: fit.greedy(Kmax=2).backfit(maxiter=2))
    print(f"{'step':<34}{'peak MB':>9}{'x matrix':>10}{'seconds':>9}")
    for step, mb, seconds in (
        ("simulate (sparse_counts)", sim_mb, sim_s),
        ("flash_init", init_mb, init_s),
        ("greedy(Kmax=2) + backfit(maxiter=2)", fit_mb, fit_s),
    ):
        print(f"{step:<34}{mb:>9.1f}{mb / own:>10.2f}{seconds:>9.1f}")
    print(f"factors: {fitted.n_factors}, ELBO {fitted.elbo:.2f}")


if __name__ == "__main__":
    main()
