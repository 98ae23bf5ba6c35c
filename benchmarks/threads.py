"""Does reduce_sum pay from the first chunk? pybrms's threaded program vs its plain one.

The threading vignette's model (see ``vignette.py``), both programs as pybrms
generates them, run on the embedded backend from one adapted state with adaptation
off. Timed side by side, repetitions interleaved, medians reported:

* the plain program;
* the reduce_sum_static program on 1 thread in 1 chunk (the cost of threading
  itself), and in 16 chunks (the cost of splitting);
* 1 and 2 threads at brms's default grainsize for 2 threads (the speedup);
* 2 chains of 1 thread of the plain program (what two cores give unsplit).

A 2-thread run can only be faster if a second core is free: when other processes
take CPU time, the speedup drops to about 1x. Each timed run first waits (up to
--wait seconds) for the machine to be idle and is repeated (up to --retries times)
when other processes took more than --busy of the CPUs; their share is printed.

    python benchmarks/threads.py [--draws 300] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics

from vignette import fixed_state, load_report, timed_run, vignette_spec, wait_until_idle

from pybrms import threading
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.standata import make_standata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--busy",
        type=float,
        default=0.05,
        help="largest tolerated CPU share of other processes (0-1)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=120.0,
        help="seconds to wait for an idle machine before each run",
    )
    parser.add_argument(
        "--retries", type=int, default=3, help="re-runs of a run during which the machine was busy"
    )
    options = parser.parse_args()

    spec = vignette_spec()
    plain = compile_model(render(spec), backend="embedded", show_progress=False)
    threaded = compile_model(render(spec, threading(1)), backend="embedded", show_progress=False)
    # reduce_sum_static cuts exactly N / grainsize chunks; the dynamic reduce_sum may cut
    # fewer on one thread, which would hide the cost of chunking (brms's vignette uses static)
    static = compile_model(
        render(spec, threading(1, static=True)), backend="embedded", show_progress=False
    )
    data = make_standata(spec)
    fixed = fixed_state(plain, data, options.draws)
    n = spec.N
    two_threads = threading(2).resolved_grainsize(n)  # brms's default
    # name: (model, grainsize or None for the plain program, chains, threads)
    runs = {
        "plain": (plain, None, 1, 1),
        "1 chunk": (static, n, 1, 1),
        "16 chunks": (static, n // 16, 1, 1),
        "1 thread": (threaded, two_threads, 1, 1),
        "2 threads": (threaded, two_threads, 1, 2),
        "2 chains": (plain, None, 2, 1),
    }
    ms: dict[str, list[float]] = {name: [] for name in runs}
    leapfrogs: dict[str, int] = {}
    shares = []
    for _ in range(options.repeats):
        for name, (model, grainsize, chains, threads) in runs.items():
            run_data = data if grainsize is None else dict(data, grainsize=grainsize)
            for _attempt in range(1 + options.retries):
                wait_until_idle(options.busy, options.wait)
                timing = timed_run(model, run_data, **dict(fixed, chains=chains, threads=threads))
                if timing.others is None or timing.others <= options.busy:
                    break
            shares.append(timing.others)
            # wall time of the slowest chain over all chains' steps
            ms[name].append(timing.ms_per_leapfrog)
            leapfrogs[name] = timing.leapfrogs

    def ratio(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(ms[a], ms[b], strict=True))

    print(
        f"{spec!r}; {options.draws} draws, fixed step size {fixed['step_size']:.3g}, "
        f"adaptation off; median of {options.repeats} interleaved runs"
    )
    print(f"{'run':>10} {'grainsize':>9} {'leapfrogs':>10} {'ms/leapfrog':>12}")
    for name, (_, grainsize, _, _) in runs.items():
        print(
            f"{name:>10} {grainsize or '-':>9} {leapfrogs[name]:>10} "
            f"{statistics.median(ms[name]):>12.4f}"
        )
    print(f"reduce_sum, 1 thread, 1 chunk vs plain:  {ratio('1 chunk', 'plain') - 1:+.1%}")
    print(f"16 chunks vs 1 chunk (1 thread):        {ratio('16 chunks', '1 chunk') - 1:+.1%}")
    print(
        f"speedup 2 threads vs 1 (grainsize {two_threads}): "
        f"{1 / ratio('2 threads', '1 thread'):.2f}x"
    )
    print(
        f"(2 chains x 1 thread vs 1 chain, steps per second: {1 / ratio('2 chains', 'plain'):.2f}x)"
    )
    print(load_report(shares))


if __name__ == "__main__":
    main()
