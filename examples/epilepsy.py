"""The epilepsy model of brms, fitted without and with within-chain threads.

    python examples/epilepsy.py
"""

from __future__ import annotations

import time

import pybrms as bm


def main() -> None:
    df = bm.datasets.load_epilepsy()
    formula = "count ~ zAge + zBase * Trt + (1|patient)"

    start = time.perf_counter()
    plain = bm.brm(formula, data=df, family="poisson", chains=2, seed=1, data_name="epilepsy")
    print(f"plain program: {time.perf_counter() - start:.1f} s (compile + sample)")
    print(plain.summary())

    start = time.perf_counter()
    threaded = bm.brm(formula, data=df, family="poisson", chains=2, seed=1,
                      threads=bm.threading(2), data_name="epilepsy")
    print(f"\nreduce_sum program, 2 chains x 2 threads: {time.perf_counter() - start:.1f} s")
    print(threaded.summary())


if __name__ == "__main__":
    main()
