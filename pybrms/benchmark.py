"""Does threading pay off? Re-run a fit with fixed sampler state and time it.

As in brms's threading vignette: the model is re-sampled on one chain from the
same inits with the step size and diagonal metric adapted by the fit, and with
adaptation off, so that every run follows the same trajectory. The runtime per
leapfrog step then compares programs, grainsizes and thread counts fairly.

* :func:`benchmark_threading` varies cores and grainsize for the ``reduce_sum``
  program (speedup vs cores, slowdown vs chunks);
* :func:`benchmark_reference` times the plain program, the baseline that
  threading has to beat.

:func:`benchmark_threading` compiles both programs, together, so that
:func:`benchmark_reference` finds its program compiled.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from pybrms.backends import compile_model, precompile
from pybrms.codegen import render
from pybrms.fit.brmsfit import BrmsFit
from pybrms.scheduler import Threading
from pybrms.standata import make_standata

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def benchmark_threading(
    fit: BrmsFit,
    cores: Sequence[int] = (1, 2),
    grainsize: Sequence[int | None] = (None,),
    iter: Sequence[int] = (100,),
    static: bool = False,
    repeats: int = 1,
    seed: int = 1,
) -> pd.DataFrame:
    """Time the ``reduce_sum`` program of ``fit`` over cores x grainsize x iterations.

    Parameters
    ----------
    fit
        A fitted model (plain or threaded); its first chain's step size, metric
        and last draw fix the sampler state.
    cores
        Threads per chain to try.
    grainsize
        Grainsizes to try; None is brms's default for each thread count.
    iter
        Numbers of sampling iterations.
    static
        Use ``reduce_sum_static``.
    repeats
        Runs per setting (runtimes of repeats are reported as separate rows).
    seed
        Seed of every run (the same trajectory each time).

    Returns
    -------
    pandas.DataFrame
        One row per run: cores, grainsize, iter, runtime (seconds of sampling),
        leapfrogs, runtime_per_leapfrog, chunks (``N / grainsize`` rounded up, as in
        brms's vignette), speedup (mean runtime per leapfrog at one core divided by
        this one, for the same grainsize and iter) and slowdown (this runtime per
        leapfrog divided by the mean at the fewest chunks, for the same cores and iter).

    Examples
    --------
    >>> table = benchmark_threading(fit, cores=[1, 2], grainsize=[100, 400])  # doctest: +SKIP
    >>> plot_speedup(table)  # doctest: +SKIP
    """
    settings = [(c, g) for c, g in itertools.product(cores, grainsize)]
    rows = []
    codes = [
        render(fit.spec, Threading(1, static=static), normalize=fit.settings.normalize),
        render(fit.spec, None, normalize=fit.settings.normalize),  # benchmark_reference's
    ]
    model, _ = precompile(codes, show_progress=False)  # both at once: they go together
    for n_iter, _, (threads, size) in itertools.product(iter, range(repeats), settings):
        threading = Threading(threads, grainsize=size, static=static)
        data = make_standata(fit.spec, threading)
        row = _timed_run(model, data, fit, n_iter, seed, threads=threading)
        rows.append({"cores": threads, "grainsize": data["grainsize"], "iter": n_iter, **row})
    table = pd.DataFrame(rows)
    table["chunks"] = -(-fit.spec.N // table["grainsize"])
    per_leapfrog = table["runtime_per_leapfrog"]
    one_core = table["cores"] == 1
    table["speedup"] = _mean_per_leapfrog(table, one_core, ["grainsize", "iter"]) / per_leapfrog
    fewest = table["chunks"] == table.groupby(["cores", "iter"])["chunks"].transform("min")
    table["slowdown"] = per_leapfrog / _mean_per_leapfrog(table, fewest, ["cores", "iter"])
    return table


def benchmark_reference(
    fit: BrmsFit, iter: Iterable[int] = (100,), repeats: int = 1, seed: int = 1
) -> pd.DataFrame:
    """Time the plain (unthreaded) program of ``fit`` with the same fixed sampler state.

    Returns
    -------
    pandas.DataFrame
        One row per run: iter, runtime, leapfrogs, runtime_per_leapfrog.

    Examples
    --------
    >>> benchmark_reference(fit, iter=[100])  # doctest: +SKIP
    """
    code = render(fit.spec, None, normalize=fit.settings.normalize)
    model = compile_model(code, show_progress=False)
    data = make_standata(fit.spec, None)
    rows = [
        {"iter": n, **_timed_run(model, data, fit, n, seed, threads=Threading(1))}
        for n in iter
        for _ in range(repeats)
    ]
    return pd.DataFrame(rows)


def plot_speedup(table: pd.DataFrame) -> Axes:
    """Speedup per leapfrog step vs threads per chain, one line per grainsize, with the
    unity line (perfect scaling).

    Examples
    --------
    >>> table = pd.DataFrame({"grainsize": [50, 50], "cores": [1, 2], "speedup": [1.0, 1.8]})
    >>> [t.get_text() for t in plot_speedup(table).get_xticklabels()]
    ['1', '2']
    """
    ax = _axes()
    mean = table.groupby(["grainsize", "cores"])["speedup"].mean().reset_index()
    for size, part in mean.groupby("grainsize"):
        ax.plot(part["cores"], part["speedup"], marker="o", label=f"grainsize {size}")
    top = table["cores"].max()
    ax.plot([1, top], [1, top], color="grey", linestyle="--", label="ideal")
    ax.set(xlabel="threads per chain", ylabel="speedup per leapfrog step")
    _whole_thread_ticks(ax, table["cores"])
    ax.legend()
    return ax


def plot_runtime(table: pd.DataFrame) -> Axes:
    """Runtime per leapfrog step vs threads per chain, one line per grainsize."""
    ax = _axes()
    mean = table.groupby(["grainsize", "cores"])["runtime_per_leapfrog"].mean().reset_index()
    for size, part in mean.groupby("grainsize"):
        ax.plot(
            part["cores"], part["runtime_per_leapfrog"] * 1e3, marker="o", label=f"grainsize {size}"
        )
    ax.set(xlabel="threads per chain", ylabel="ms per leapfrog step")
    _whole_thread_ticks(ax, table["cores"])
    ax.legend()
    return ax


def plot_slowdown(table: pd.DataFrame) -> Axes:
    """Slowdown of the one-thread ``reduce_sum`` program against the number of chunks:
    runtime per leapfrog step relative to the fewest chunks (brms's vignette).

    Examples
    --------
    >>> table = pd.DataFrame({"cores": [1, 1], "chunks": [1, 4], "slowdown": [1.0, 1.1]})
    >>> [t.get_text() for t in plot_slowdown(table).get_xticklabels()]
    ['1', '4']
    """
    one = table[table["cores"] == 1].groupby("chunks")["slowdown"].mean()
    ax = _axes()
    ax.plot(one.index, one.to_numpy(), marker="o")
    ax.axhline(1, color="grey", linestyle="--")
    ax.set(ylabel="slowdown vs fewest chunks")
    _chunk_axis(ax, one.index)
    return ax


def plot_chunks(table: pd.DataFrame, reference: pd.DataFrame) -> Axes:
    """Runtime per leapfrog step of the one-thread ``reduce_sum`` program against the
    number of chunks, with the plain program (:func:`benchmark_reference`) as a dashed line.

    Examples
    --------
    >>> table = pd.DataFrame(
    ...     {"cores": [1, 1], "chunks": [1, 4], "runtime_per_leapfrog": [1e-3, 1.1e-3]}
    ... )
    >>> ax = plot_chunks(table, pd.DataFrame({"runtime_per_leapfrog": [9e-4]}))
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['reduce_sum, 1 thread', 'plain program']
    """
    one = table[table["cores"] == 1].groupby("chunks")["runtime_per_leapfrog"].mean()
    ax = _axes()
    ax.plot(one.index, one.to_numpy() * 1e3, marker="o", label="reduce_sum, 1 thread")
    ax.axhline(
        reference["runtime_per_leapfrog"].mean() * 1e3,
        color="grey",
        linestyle="--",
        label="plain program",
    )
    ax.set(ylabel="ms per leapfrog step")
    _chunk_axis(ax, one.index)
    ax.legend()
    return ax


def _axes() -> Axes:
    import matplotlib.pyplot as plt  # plotting only when asked for

    return plt.subplots(figsize=(5, 4))[1]


def _whole_thread_ticks(ax: Axes, cores: pd.Series) -> None:
    # Thread counts are whole numbers: no ticks at 1.2, 1.4, ...
    ax.set_xticks(sorted(int(c) for c in cores.unique()))


def _chunk_axis(ax: Axes, chunks: pd.Index) -> None:
    # Chunks grow by factors (1, 4, 16, ...): a log2 axis, ticked at the measured counts.
    from matplotlib.ticker import NullLocator

    ax.set_xscale("log", base=2)
    ax.set_xticks(chunks, labels=[str(int(c)) for c in chunks])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("chunks (N / grainsize)")


def _mean_per_leapfrog(table: pd.DataFrame, rows: pd.Series, keys: list[str]) -> pd.Series:
    """Mean runtime per leapfrog of the selected ``rows`` per ``keys``, for every row."""
    base = table[rows].groupby(keys)["runtime_per_leapfrog"].mean().rename("base")
    return table.join(base, on=keys)["base"]


def _timed_run(
    model: Any, data: dict, fit: BrmsFit, n_iter: int, seed: int, threads: Threading
) -> dict[str, float]:
    draws = fit.draws
    init = {name: values[0, -1] for name, values in draws.variables().items()}
    run = model.sample(
        data,
        chains=1,
        threads=threads,
        seed=seed,
        iter_warmup=0,
        iter_sampling=n_iter,
        adapt_engaged=False,
        step_size=float(draws.step_size[0]),
        inv_metric=draws.inv_metric[0],
        init=init,
        show_progress=False,
    )
    runtime = float(run.elapsed["sampling"].iloc[0])
    leapfrogs = int(run.sampler_diagnostics()["n_leapfrog__"].sum())
    return {"runtime": runtime, "leapfrogs": leapfrogs, "runtime_per_leapfrog": runtime / leapfrogs}
