"""What does reduce_sum cost per gradient? CPU time, measurable on a busy machine.

The threading vignette's model (see ``vignette.py``): the plain program and the
``reduce_sum_static`` program, in 1 and in 16 chunks, each evaluating the log density
and its gradient at one point, in this process, on one thread. Their CPU time
(user + system) per gradient is what chunking costs, whatever else the machine runs;
it cannot show a speedup from threads (``threads.py`` does, on an idle machine).
Repetitions are interleaved and medians reported.

    python benchmarks/gradients.py [--gradients 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
from vignette import vignette_spec

from pybrms import threading
from pybrms.backends import precompile
from pybrms.codegen import render
from pybrms.standata import make_standata


def cpu_ms_per_gradient(model: Any, theta: np.ndarray, gradients: int) -> float:
    """CPU milliseconds of this process per log density gradient (Stan's ``propto``)."""
    model.log_density_gradient(theta, propto=True)  # warm the caches
    start = time.process_time()
    for _ in range(gradients):
        model.log_density_gradient(theta, propto=True)
    return 1000 * (time.process_time() - start) / gradients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gradients", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()

    spec = vignette_spec()
    setting = threading(1, static=True)
    # the nutpie backend builds the program as a library this process can call
    codes = [render(spec), render(spec, setting)]
    plain, threaded = precompile(codes, "nutpie", show_progress=False)
    data = make_standata(spec, setting)
    n = spec.N
    # name: (model, grainsize or None for the plain program)
    runs = {"plain": (plain, None), "1 chunk": (threaded, n), "16 chunks": (threaded, n // 16)}
    # a model takes the data it declares: the plain one ignores the grainsize
    models = {
        name: model.instantiate(dict(data, grainsize=grainsize or n))  # type: ignore[attr-defined]
        for name, (model, grainsize) in runs.items()
    }
    models["1 chunk"].library.init_threads(1)
    theta = np.random.default_rng(1).normal(scale=0.3, size=models["plain"].dim)
    ms: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(options.repeats):
        for name, model in models.items():
            ms[name].append(cpu_ms_per_gradient(model, theta, options.gradients))

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(ms[a], ms[b], strict=True))

    print(f"{spec!r}; median of {options.repeats} interleaved runs, 1 thread")
    print(f"{'run':>10} {'grainsize':>9} {'CPU ms/gradient':>16}")
    for name, (_, grainsize) in runs.items():
        print(f"{name:>10} {grainsize or '-':>9} {statistics.median(ms[name]):>16.4f}")
    print(f"reduce_sum, 1 chunk vs plain:  {ratio('1 chunk', 'plain') - 1:+.1%}")
    print(f"16 chunks vs 1 chunk:          {ratio('16 chunks', '1 chunk') - 1:+.1%}")


if __name__ == "__main__":
    main()
