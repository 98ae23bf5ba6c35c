"""The public fit object: pipeline verbs and read-only results (flashier's ``flash`` object)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pybrms.errors import FlashError, warn_user
from pybrms.flash import plots
from pybrms.flash.backfit import (
    ORDERS,
    RANDOM_SEED,
    backfit_dropout,
    backfit_extrapolate,
    backfit_montaigne,
    backfit_parallel,
    backfit_sequential,
)
from pybrms.flash.ebnm import FAMILIES, ebnm, get_family
from pybrms.flash.factor import ebnm_inputs
from pybrms.flash.fixed import check_kset, factors_fix, factors_init, intercept_factor
from pybrms.flash.greedy import greedy
from pybrms.flash.init import index_list
from pybrms.flash.nullcheck import nullcheck
from pybrms.flash.state import FlashState, Problem
from pybrms.flash.tau import RankOnePrecision
from pybrms.scheduler import ExecutorSpec, Threading, open_executor

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PriorSpec = str | Sequence[str]

_SEQUENTIAL_ORDERS = {
    "extrapolate": backfit_extrapolate,
    "sequential": backfit_sequential,
    "dropout": backfit_dropout,
    "montaigne": backfit_montaigne,
}


@dataclass(frozen=True)
class TraceRecord:
    """One row of the ELBO trace: which step, which iteration, the ELBO and the time it took."""

    step: str
    iteration: int
    n_factors: int
    elbo: float
    seconds: float


class FlashFit:
    """A flash fit: ``Y ≈ L Fᵀ`` with empirical Bayes priors on the columns of L and F.

    Fits are immutable: every pipeline verb (:meth:`greedy`, :meth:`backfit`,
    :meth:`nullcheck`, :meth:`factors_init`, :meth:`factors_fix`,
    :meth:`add_intercept`) returns a new fit.  Create one with
    :func:`pybrms.flash.flash` or :func:`pybrms.flash.flash_init`.

    Attributes
    ----------
    L_pm, F_pm
        Posterior means of loadings (``n x K``) and factors (``p x K``).
    L_psd, F_psd
        Posterior standard deviations.
    L_lfsr, F_lfsr
        Local false sign rates (NaN for fixed entries and zero factors).
    L_ghat, F_ghat
        Fitted prior of each factor (``None`` where a mode was never estimated).
    pve
        Proportion of variance explained by each factor.
    elbo
        The evidence lower bound.
    residuals_sd
        ``1/sqrt(τ)``: a scalar (constant), a vector (by row or column), a pair
        ``(by row, by column)`` (Kronecker) or an ``n x p`` matrix (``S`` given entry
        by entry, with or without an estimated variance).
    n_factors
        Number of factors ``K``.
    trace
        The ELBO trace as a DataFrame (step, iteration, n_factors, elbo, seconds).
    """

    def __init__(
        self,
        problem: Problem,
        state: FlashState,
        trace: tuple[TraceRecord, ...] = (),
        verbose: int = 1,
    ) -> None:
        """Wrap an internal state; use :func:`pybrms.flash.flash_init` to start a fit."""
        self._problem = problem
        self._state = state
        self._trace = trace
        self._verbose = verbose

    def __repr__(self) -> str:
        n, p = self._problem.data.shape
        return f"<FlashFit {n} x {p}: {self.n_factors} factors, ELBO {self.elbo:.6g}>"

    # ---- pipeline verbs ---------------------------------------------------------------

    def greedy(
        self, Kmax: int = 1, prior: PriorSpec = "point_normal", maxiter: int = 500
    ) -> FlashFit:
        """Add up to ``Kmax`` factors greedily (flashier's ``flash_greedy``).

        Parameters
        ----------
        Kmax
            Maximum number of factors to add; stops at the first one rejected.
        prior
            ebnm family for the new factors: one name for both modes or a pair
            ``(loadings family, factors family)``.
        maxiter
            Maximum coordinate-ascent iterations per factor.

        Returns
        -------
        FlashFit

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> rng = np.random.default_rng(1)
        >>> Y = np.outer(rng.normal(size=60), rng.normal(size=40)) + rng.normal(size=(60, 40))
        >>> flash_init(Y, verbose=0).greedy(Kmax=3).n_factors
        1
        """
        _check_positive_int("Kmax", Kmax)
        _check_positive_int("maxiter", maxiter)
        families = _parse_prior(prior)
        nonnegative = (get_family(families[0]).nonnegative, get_family(families[1]).nonnegative)
        recorder = self._recorder("greedy")
        state, stopped = greedy(
            self._state, self._problem, Kmax, families, nonnegative, maxiter, recorder
        )
        recorder.note(f"stopped: {stopped}")
        return self._next(state, recorder.records)

    def backfit(
        self,
        order: str = "extrapolate",
        tol: float | None = None,
        maxiter: int = 500,
        kset: Sequence[int] | None = None,
        threads: Threading | int | None = None,
        executor: ExecutorSpec = None,
    ) -> FlashFit:
        """Refit existing factors (flashier's ``flash_backfit``).

        Parameters
        ----------
        order
            ``"extrapolate"`` (default, accelerated sweeps); ``"sequential"`` (one factor
            at a time, each update kept only if the ELBO goes up, so it never decreases);
            three monotone variants of it from flashier 0.2: ``"dropout"`` (each sweep
            skips the factors whose last update raised the ELBO by ``tol`` or less; stops
            when none is left, possibly before ``"sequential"`` would), ``"random"`` (a
            new random order every sweep, seeded for reproducibility) and
            ``"montaigne"`` (always the factor whose last update raised the ELBO most,
            never the same one twice in a row; an iteration is ``len(kset)`` updates);
            or ``"parallel"`` (all factors at once; the ELBO can decrease). The parallel
            order needs a precision ``τ_i τ_j`` (any ``var_type`` without an ``n x p``
            ``S``) and no missing data (it raises :class:`~pybrms.errors.FlashError`
            otherwise). As in flashier, factors with fixed entries (e.g. an intercept)
            are left as they are, with a warning, or refused if ``kset`` names them. If
            its steps diverge (moments overflow), it warns and returns its best iterate.
        tol
            Convergence tolerance on the ELBO; default ``sqrt(eps) n p``.
        maxiter
            Maximum number of sweeps.
        kset
            Factors to backfit (default all).
        threads
            ``pybrms.threading(...)`` (or a number of threads) splitting the K updates
            of a parallel backfit into chunks.
        executor
            Where the chunks of a parallel backfit run: ``None`` (in process),
            ``"threads"``, ``"processes"``, ``"fork"``, ``"spawn"``, a
            ``concurrent.futures`` executor or a ``dask.distributed.Client``.
            Pools given by name are opened and closed inside this call.

        Returns
        -------
        FlashFit

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> import pybrms as bm
        >>> rng = np.random.default_rng(1)
        >>> Y = rng.normal(size=(60, 2)) @ rng.normal(size=(2, 40)) + rng.normal(size=(60, 40))
        >>> fit = flash_init(Y, verbose=0).greedy(Kmax=3)
        >>> par = fit.backfit(order="parallel", threads=bm.threading(2), executor="threads")
        >>> par.elbo >= fit.elbo
        True
        """
        if order not in ORDERS:
            raise FlashError(f"backfit: order must be one of {ORDERS}, got {order!r}")
        _check_positive_int("maxiter", maxiter)
        tol = _tol(tol, self._problem.tol)
        chosen = self._kset(kset)
        recorder = self._recorder(f"backfit ({order})")
        state, problem = self._state, self._problem
        if order == "parallel":
            state = self._run_parallel(kset, chosen, maxiter, tol, recorder, threads, executor)
        elif order == "random":
            shuffle = np.random.default_rng(RANDOM_SEED)
            state = backfit_sequential(state, problem, chosen, maxiter, tol, recorder, shuffle)
        else:
            run = _SEQUENTIAL_ORDERS[order]
            state = run(state, problem, chosen, maxiter, tol, recorder)
        recorder.finish(state)
        return self._next(state, recorder.records)

    def nullcheck(self, tol: float | None = None) -> FlashFit:
        """Remove factors that do not raise the ELBO by more than ``tol`` (and zero factors).

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> rng = np.random.default_rng(1)
        >>> fit = flash_init(rng.normal(size=(30, 20)), verbose=0)
        >>> fit.factors_init(rng.normal(size=30), rng.normal(size=20)).nullcheck().n_factors
        1
        """
        tol = _tol(tol, self._problem.tol)
        recorder = self._recorder("nullcheck")
        state = nullcheck(self._state, self._problem, tol)
        recorder(state, 1)
        return self._next(state, recorder.records)

    def factors_init(
        self, L: np.ndarray, F: np.ndarray, prior: PriorSpec = "point_normal"
    ) -> FlashFit:
        """Append factors with the given loadings ``L`` (``n x k``) and factors ``F`` (``p x k``).

        They keep these values until a backfit updates them; see :meth:`factors_fix`.

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> fit = flash_init(np.ones((4, 3)), verbose=0).factors_init(np.ones(4), np.ones(3))
        >>> fit.n_factors
        1
        """
        state = factors_init(self._state, self._problem, L, F, _parse_prior(prior))
        recorder = self._recorder("factors_init")
        recorder(state, 1)
        return self._next(state, recorder.records)

    def factors_fix(
        self,
        kset: Sequence[int],
        which: str = "loadings",
        idx: Sequence[int] | np.ndarray | None = None,
    ) -> FlashFit:
        """Fix the loadings or factors of ``kset`` (all entries, or the entries ``idx``).

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> fit = flash_init(np.ones((4, 3)), verbose=0).factors_init(np.ones(4), np.ones(3))
        >>> fixed = fit.factors_fix([0], "loadings")
        """
        state = factors_fix(self._state, kset, which, idx)
        return FlashFit(self._problem, state, self._trace, self._verbose)

    def add_intercept(self, rowwise: bool = True, prior: str = "point_normal") -> FlashFit:
        """Add an intercept factor and backfit it (flashier's ``flash_add_intercept``).

        With ``rowwise=True`` the loadings are fixed at one and the factor, started
        at the column means of the residuals, gets the prior ``prior``; with
        ``rowwise=False`` the roles are swapped.

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> rng = np.random.default_rng(0)
        >>> fit = flash_init(rng.normal(size=(30, 20)) + 5.0, verbose=0).add_intercept()
        >>> bool(abs(fit.F_pm[:, 0].mean() - 5.0) < 0.5)
        True
        """
        L, F = intercept_factor(self._state, self._problem, rowwise)
        fixed_mode = "loadings" if rowwise else "factors"
        k = self.n_factors
        fit = self.factors_init(L, F, prior).factors_fix([k], fixed_mode)
        return fit.backfit(order="sequential", kset=[k])

    # ---- results ---------------------------------------------------------------------

    @property
    def n_factors(self) -> int:
        """Number of factors."""
        return self._state.n_factors

    @property
    def elbo(self) -> float:
        """The evidence lower bound of the fit."""
        return self._state.elbo

    @property
    def L_pm(self) -> np.ndarray:  # noqa: N802 - flashier's names
        """Posterior means of the loadings (``n x K``)."""
        return self._state.EF[0]

    @property
    def F_pm(self) -> np.ndarray:  # noqa: N802
        """Posterior means of the factors (``p x K``)."""
        return self._state.EF[1]

    @property
    def L_psd(self) -> np.ndarray:  # noqa: N802
        """Posterior standard deviations of the loadings."""
        return self._psd(0)

    @property
    def F_psd(self) -> np.ndarray:  # noqa: N802
        """Posterior standard deviations of the factors."""
        return self._psd(1)

    @property
    def L_lfsr(self) -> np.ndarray:  # noqa: N802
        """Local false sign rates of the loadings."""
        return self._lfsr[0]

    @property
    def F_lfsr(self) -> np.ndarray:  # noqa: N802
        """Local false sign rates of the factors."""
        return self._lfsr[1]

    @property
    def L_ghat(self) -> list[Any]:  # noqa: N802
        """Fitted prior of the loadings of each factor."""
        return [g[0] for g in self._state.g]

    @property
    def F_ghat(self) -> list[Any]:  # noqa: N802
        """Fitted prior of the factors of each factor."""
        return [g[1] for g in self._state.g]

    @property
    def pve(self) -> np.ndarray:
        """Proportion of variance explained by each factor (flashier's definition)."""
        state = self._state
        S = state.EF2[0].sum(axis=0) * state.EF2[1].sum(axis=0)
        S[state.is_zero] = 0.0
        return S / (S.sum() + state.precision.noise_variance_sum(self._problem.data))

    @property
    def residuals_sd(self) -> float | np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Residual standard deviation ``1/sqrt(τ)``."""
        return self._state.precision.residuals_sd()

    @property
    def trace(self) -> pd.DataFrame:
        """The ELBO after every greedy factor, backfit sweep and nullcheck, with timings."""
        columns = [f.name for f in fields(TraceRecord)]
        return pd.DataFrame([astuple(r) for r in self._trace], columns=columns)

    def fitted(self) -> np.ndarray:
        """The fitted matrix ``L̄ F̄ᵀ`` (dense ``n x p``)."""
        return self.L_pm @ self.F_pm.T

    def residuals(self) -> np.ndarray:
        """``Y - L̄ F̄ᵀ`` (dense, NaN at missing entries)."""
        return self._problem.data.to_dense() - self.fitted()

    def fill(self) -> np.ndarray:
        """``Y`` with missing entries imputed by the fitted values (dense).

        Examples
        --------
        >>> import numpy as np
        >>> from pybrms.flash import flash_init
        >>> Y = np.array([[1.0, 2.0, 3.0], [2.0, np.nan, 6.0], [3.0, 6.0, 9.0]])
        >>> filled = flash_init(Y, verbose=0).fill()
        >>> bool(np.isfinite(filled).all())
        True
        """
        Y = self._problem.data.to_dense()
        missing = np.isnan(Y)
        Y[missing] = self.fitted()[missing]
        return Y

    # ---- plots -----------------------------------------------------------------------

    def plot_pve(self, ax: Axes | None = None) -> Axes:
        """Bar chart of the PVE of each factor; returns the Axes."""
        return plots.plot_pve(self.pve, ax=ax)

    def plot_elbo(self, ax: Axes | None = None) -> Axes:
        """The ELBO trace against cumulative time; returns the Axes."""
        return plots.plot_elbo(self.trace, ax=ax)

    def plot_structure(
        self,
        labels: Sequence[Any],
        which: str = "loadings",
        factors: Sequence[int] | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Structure plot: stacked loadings of each sample, grouped by ``labels``."""
        return plots.plot_structure(self._mode_pm(which), labels, factors=factors, ax=ax)

    def plot_heatmap(
        self,
        labels: Sequence[Any],
        which: str = "loadings",
        factors: Sequence[int] | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Heatmap of loadings (samples grouped by ``labels``) by factor."""
        return plots.plot_heatmap(self._mode_pm(which), labels, factors=factors, ax=ax)

    def plot_overview(self, labels: Sequence[Any]) -> Figure:
        """PVE, ELBO trace and structure plot side by side; returns the Figure."""
        return plots.plot_overview(self, labels)

    # ---- internals -------------------------------------------------------------------

    def _next(self, state: FlashState, records: list[TraceRecord]) -> FlashFit:
        _warn_if_fitted_exactly(state, self._problem)
        return FlashFit(self._problem, state, (*self._trace, *records), self._verbose)

    def _recorder(self, step: str) -> _Recorder:
        return _Recorder(step, self._verbose)

    def _kset(self, kset: Sequence[int] | None) -> list[int]:
        updatable = self._state.updatable()
        if kset is None:
            return updatable
        chosen = set(check_kset(kset, self.n_factors, "backfit"))
        return [k for k in updatable if k in chosen]

    def _run_parallel(
        self,
        kset: Sequence[int] | None,
        chosen: list[int],
        maxiter: int,
        tol: float,
        recorder: _Recorder,
        threads: Threading | int | None,
        executor: ExecutorSpec,
    ) -> FlashState:
        problem, state = self._problem, self._state
        if not isinstance(state.precision, RankOnePrecision):
            shape = "an n x p S" if problem.noisy is None or problem.noisy.dense else "S"
            raise FlashError(
                "backfit(order='parallel') needs a residual precision of the form τ_i τ_j "
                "(var_type 0, 1, 2 or (1, 2) without S, a floor S, S a vector with var_type 0 "
                "or None, or a scalar S with var_type=None); this fit has "
                f"var_type={problem.var_type!r} with {shape}, so τ_ij = 1/(S_ij² + σ²_ij) is "
                "not of that form and the K updates no longer reduce to K x K cross-products "
                "(flashier refuses it too). Use order='extrapolate', 'sequential' or 'dropout'"
            )
        if problem.data.has_missing:
            raise FlashError(
                "backfit(order='parallel') needs data without missing values: with a mask "
                "the K updates no longer reduce to K x K cross-products. Use "
                "order='extrapolate', 'sequential' or 'dropout'"
            )
        fixed = [k for k in chosen if any(mask is not None for mask in state.fixed[k])]
        if fixed and kset is not None:
            raise FlashError(
                f"backfit(order='parallel'): kset holds factors {fixed}, which have fixed "
                "loadings or factors; the parallel update does not handle fixed entries "
                "(flashier refuses them too). Leave them out of kset or use a sequential order"
            )
        if fixed:
            warn_user(
                f"backfit(order='parallel') leaves factors {fixed} (with fixed loadings or "
                "factors, e.g. an intercept) as they are, as flashier does; update them with "
                f"backfit(order='sequential', kset={fixed}) if needed",
                UserWarning,
            )
        unfixed = [k for k in chosen if k not in fixed]
        threading = _as_threading(threads)
        with open_executor(executor, threading.threads) as live:
            state, diverged = backfit_parallel(
                state, problem, unfixed, maxiter, tol, recorder, threading, live
            )
        if diverged is not None:
            warn_user(
                f"backfit(order='parallel') diverged at iteration {diverged}: the joint update "
                "of correlated factors overshot until the moments were no longer finite. "
                f"Returning the iterate with the highest ELBO ({state.elbo:.6g}); continue "
                "with order='dropout' or 'sequential', which cannot diverge",
                RuntimeWarning,
            )
        return state

    def _psd(self, mode: int) -> np.ndarray:
        s = self._state
        return np.sqrt(np.maximum(s.EF2[mode] - s.EF[mode] ** 2, 0.0))

    def _mode_pm(self, which: str) -> np.ndarray:
        if which not in ("loadings", "factors"):
            raise FlashError(f"which must be 'loadings' or 'factors', got {which!r}")
        return self.L_pm if which == "loadings" else self.F_pm

    @cached_property
    def _lfsr(self) -> tuple[np.ndarray, np.ndarray]:
        return (self._lfsr_mode(0), self._lfsr_mode(1))

    def _lfsr_mode(self, mode: int) -> np.ndarray:
        state, problem = self._state, self._problem
        out = np.full(state.EF[mode].shape, np.nan)
        for k in range(state.n_factors):
            g = state.g[k][mode]
            if state.is_zero[k] or g is None or state.fully_fixed(k, mode):
                continue
            x, s = ebnm_inputs(state, problem, k, mode)
            free = state.free(k, mode)
            res = ebnm(
                x[free], s[free], state.families[k][mode], g_init=g, fix_g=True, output=("lfsr",)
            )
            column = out[:, k]
            column[free] = res.lfsr
        return out


class _Recorder:
    """Collects trace records for one pipeline step and prints progress.

    ``verbose=1`` prints one line per greedy factor and per other step (a backfit
    is summarized when it ends); ``verbose>=2`` also prints every backfit iteration.
    """

    def __init__(self, step: str, verbose: int) -> None:
        self.step = step
        self.verbose = verbose
        self.records: list[TraceRecord] = []
        self._last = time.perf_counter()

    def __call__(self, state: FlashState, iteration: int) -> None:
        now = time.perf_counter()
        record = TraceRecord(self.step, iteration, state.n_factors, state.elbo, now - self._last)
        self._last = now
        self.records.append(record)
        if self.verbose >= 2 or (self.verbose == 1 and not self.step.startswith("backfit")):
            greedy = self.step == "greedy"
            self._print(f"{iteration} iterations" if greedy else f"iteration {iteration}", state)

    def finish(self, state: FlashState) -> None:
        """Summarize a step whose iterations were not printed."""
        if self.verbose == 1 and self.step.startswith("backfit"):
            self._print(f"{len(self.records)} iterations", state)

    def note(self, message: str) -> None:
        """Print a remark about this step (verbose >= 1)."""
        if self.verbose >= 1:
            print(f"flash {self.step}: {message}")

    def _print(self, what: str, state: FlashState) -> None:
        print(f"flash {self.step}: {what}, {state.n_factors} factors, ELBO {state.elbo:.6f}")


def _warn_if_fitted_exactly(state: FlashState, problem: Problem) -> None:
    """Warn when an estimated τ_i (or τ_j) ran off because the factors fit row i exactly.

    The likelihood is then unbounded: τ_i and the ELBO keep growing until the
    expected squared residual of the row is lost in rounding, after which the ELBO
    jumps up or down from one iteration to the next.
    """
    precision = state.precision
    if problem.var_type is None or not isinstance(precision, RankOnePrecision):
        return
    for mode, name in enumerate(("rows", "columns")):
        idx = precision.vanishing(problem.data, mode)
        if idx.size:
            warn_user(
                f"var_type={problem.var_type!r}: {name} {index_list(idx)} of Y are fitted almost "
                "exactly (residual variance below 1e-6 of their mean square), so their residual "
                "precision, and the ELBO with it, grows without bound until rounding errors "
                "make the ELBO jump. Pass a scalar S as a floor on the residual sd, or use "
                "var_type=0",
                RuntimeWarning,
            )


def _parse_prior(prior: PriorSpec) -> tuple[str, str]:
    pair = (prior, prior) if isinstance(prior, str) else prior
    valid = (
        isinstance(pair, Sequence)
        and len(pair) == 2
        and all(isinstance(f, str) and f in FAMILIES for f in pair)
    )
    if not valid:
        raise FlashError(
            f"prior must be a family name or a pair (loadings, factors) of names from "
            f"{tuple(FAMILIES)}; got {prior!r}"
        )
    return (pair[0], pair[1])


def _as_threading(threads: Threading | int | None) -> Threading:
    if threads is None:
        return Threading()
    if isinstance(threads, Threading):
        return threads
    return Threading(threads=threads)


def _tol(tol: object, default: float) -> float:
    if tol is None:
        return default
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol >= 0:
        raise FlashError(f"tol must be a nonnegative number, got {tol!r}")
    return float(tol)


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FlashError(f"{name} must be a positive integer, got {value!r}")
