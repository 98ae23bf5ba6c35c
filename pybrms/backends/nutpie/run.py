"""One nutpie run: settings, progress bars, Ctrl-C, and the conversion to :class:`Draws`.

nutpie samples on the unconstrained scale and calls the model library's
``pybrms_nutpie_logp`` (log density without constants, with the Jacobian, as
Stan's NUTS) through a C function pointer; its "expanded" draw is the
unconstrained vector itself. Afterwards each chain's draws are constrained in
C, transformed parameters and generated quantities included, with Stan's RNG
seeded by ``(seed, chain)``, so runs with one seed give the same draws.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow
from nutpie import _lib

from pybrms.backends.embedded.library import LibraryModel
from pybrms.backends.sample_args import SampleArgs
from pybrms.draws import SAMPLER_COLUMNS, ChainInfo, Draws
from pybrms.errors import SamplingError, SettingsError
from pybrms.progress import SafeBar

logger = logging.getLogger(__name__)

# Stan's sampler columns and the nutpie statistics they are read from.
STAN_STATS = {
    "lp__": "logp",
    "accept_stat__": "mean_tree_accept",
    "stepsize__": "step_size",
    "treedepth__": "depth",
    "n_leapfrog__": "n_steps",
    "divergent__": "diverging",
    "energy__": "energy",
}

UNCONSTRAINED = "unconstrained"
UNCONSTRAINED_DIM = "unconstrained_parameter"
PROGRESS_MS = 50
# One line per chain for the progress callback: draws done, still in warmup.
PROGRESS_TEMPLATE = (
    "{% for chain in chains %}{{ chain.finished_draws }} {{ chain.tuning }};{% endfor %}"
)
_PROGRESS_ENTRY = re.compile(r"(\d+) (true|false)")


def run_nutpie(model: LibraryModel, args: SampleArgs, show_progress: bool) -> Draws:
    """Sample ``model`` with nutpie's NUTS and return Stan-style draws.

    Raises
    ------
    SamplingError
        No usable initial point, or the model failed (its message included).
    KeyboardInterrupt
        After stopping every chain.

    Examples
    --------
    >>> draws = run_nutpie(model.instantiate(data), args, show_progress=False)  # doctest: +SKIP
    """
    if model.dim == 0:
        raise SettingsError(
            "backend='nutpie' needs at least one parameter; this program has "
            "none (use backend='embedded')"
        )
    init = args.inits[0] if args.inits is not None else None
    model.initial_point(init, args.init_radius, seed=args.seed, chain=1)  # fail early
    if args.threads.threads > 1:
        model.library.init_threads(args.chains * args.threads.threads)
    progress = _Progress(args, show_progress)
    try:
        sampler = _lib.PySampler.from_pymc(
            _settings(args),
            args.chains,
            _nutpie_model(model, init, args.init_radius),
            progress.progress_type(),
            _lib.PyStorage.arrow(),
        )
        try:
            sampler.wait(None)
        except KeyboardInterrupt:
            sampler.abort()
            raise
        except Exception as error:
            raise SamplingError(_failure(error, model)) from None
        trace = sampler.take_results()
    finally:
        progress.close()
    draw_batches, stat_batches = trace.get_arrow_trace()
    return _to_draws(model, args, draw_batches, stat_batches, progress)


def _settings(args: SampleArgs) -> _lib.PyNutsSettings:
    settings = _lib.PyNutsSettings.Diag(args.seed)
    settings.num_chains = args.chains
    settings.num_tune = args.iter_warmup
    settings.num_draws = args.iter_sampling
    settings.maxdepth = args.max_treedepth
    settings.target_accept = args.adapt_delta
    settings.initial_step = args.step_size[0]
    return settings


def _nutpie_model(
    model: LibraryModel, init: Mapping[str, Any] | None, radius: float
) -> _lib.PyMcModel:
    library, handle = model.library, model.handle
    # The model object rides along as keep_alive, so the C handle outlives the run.
    logp = _lib.LogpFunc(library.function_address("pybrms_nutpie_logp"), handle, model)
    expand = _lib.ExpandFunc(
        model.dim, model.dim, library.function_address("pybrms_nutpie_expand"), handle, model
    )
    dim_sizes = {UNCONSTRAINED_DIM: model.dim}
    variables = _lib.PyVariable.new_variables(
        [UNCONSTRAINED],
        ["float64"],
        [(model.dim,)],
        dim_sizes,
        {UNCONSTRAINED: [UNCONSTRAINED_DIM]},
    )

    def initial_point(seed: int) -> np.ndarray:
        # nutpie derives the seed from its per-chain RNG; Stan's RNG takes 31 bits.
        return model.initial_point(init, radius, seed=seed & 0x7FFFFFFF, chain=1)

    return _lib.PyMcModel(logp, expand, variables, model.dim, dim_sizes, {}, initial_point, None)


def _failure(error: Exception, model: LibraryModel) -> str:
    detail = model.error()
    # nutpie's message ends with a Rust backtrace that says nothing to a user.
    message = str(error).split("Stack backtrace:")[0].strip() or repr(error)
    return (
        f"nutpie failed: {message}"
        + (f"\nthe Stan program reported: {detail}" if detail else "")
        + "\nTry other inits (init=0.5), a smaller step size (adapt_delta=0.95), or check "
        "the model's constraints."
    )


def _to_draws(
    model: LibraryModel,
    args: SampleArgs,
    draw_batches: list,
    stat_batches: list,
    progress: _Progress,
) -> Draws:
    kept = [_kept_rows(stats, args) for stats in stat_batches]
    unconstrained = [
        _column(draws, UNCONSTRAINED).reshape(-1, model.dim)[rows]
        for draws, rows in zip(draw_batches, kept, strict=True)
    ]
    with ThreadPoolExecutor(max_workers=args.chains) as pool:  # C code runs without the GIL
        constrained = list(
            pool.map(
                lambda chain: model.constrain_draws(
                    unconstrained[chain], seed=args.seed, chain=chain + 1
                ),
                range(args.chains),
            )
        )
    for chain, (_, failed) in enumerate(constrained, start=1):
        if failed:
            logger.warning(
                "chain %d: generated quantities failed in %d draws (set to NaN)", chain, failed
            )
    stats = [
        np.column_stack(
            [_column(batch, STAN_STATS[name]).astype(float)[rows] for name in SAMPLER_COLUMNS]
        )
        for batch, rows in zip(stat_batches, kept, strict=True)
    ]
    values = np.stack([np.hstack([s, c]) for s, (c, _) in zip(stats, constrained, strict=True)])
    names = model.param_names(include_tp=True, include_gq=True)
    return Draws(
        columns=(*SAMPLER_COLUMNS, *names),
        values=values,
        chains=tuple(
            ChainInfo(
                step_size=float(_column(batch, "step_size")[-1]),
                inv_metric=np.array([]),
                warmup_seconds=progress.warmup_seconds[chain],
                sampling_seconds=progress.sampling_seconds[chain],
                config=_config(args, chain + 1),
            )
            for chain, batch in enumerate(stat_batches)
        ),
        num_warmup_saved=args.num_warmup_saved,
    )


def _kept_rows(stats: Any, args: SampleArgs) -> np.ndarray:
    """Row indices kept after thinning warmup and sampling separately (as Stan)."""
    tuning = _column(stats, "tuning").astype(bool)
    warmup = np.flatnonzero(tuning)[:: args.thin] if args.save_warmup else np.array([], int)
    return np.concatenate([warmup, np.flatnonzero(~tuning)[:: args.thin]])


def _column(batch: Any, name: str) -> np.ndarray:
    array = pyarrow.array(batch.column(name))
    if pyarrow.types.is_large_list(array.type) or pyarrow.types.is_list(array.type):
        array = array.flatten()
    return array.to_numpy(zero_copy_only=False)


def _config(args: SampleArgs, chain: int) -> dict[str, str]:
    return {
        "chain_id": str(chain),
        "seed": str(args.seed),
        "sampler": "nutpie",
        "threads_per_chain": str(args.threads.threads),
        "num_warmup": str(args.iter_warmup),
        "num_samples": str(args.iter_sampling),
        "thin": str(args.thin),
        "delta": str(args.adapt_delta),
        "max_depth": str(args.max_treedepth),
    }


@dataclass
class _Progress:
    """Per-chain bars fed by nutpie's progress callback; also times warmup and sampling."""

    args: SampleArgs
    show: bool
    bars: list[SafeBar] = field(init=False)
    start: float = field(init=False)
    warmup_end: list[float] = field(init=False)
    end: list[float] = field(init=False)

    def __post_init__(self) -> None:
        total = self.args.iter_warmup + self.args.iter_sampling
        self.bars = [
            SafeBar(
                self.show,
                desc=f"chain {chain}",
                total=total,
                position=chain - 1,
                leave=False,
                unit="it",
            )
            for chain in range(1, self.args.chains + 1)
        ]
        self.start = time.monotonic()
        self.warmup_end = [math.nan] * self.args.chains
        self.end = [math.nan] * self.args.chains

    def progress_type(self) -> _lib.ProgressType:
        return _lib.ProgressType.template_callback(
            PROGRESS_MS, PROGRESS_TEMPLATE, self.args.chains, self.update
        )

    def update(self, text: str) -> None:
        now = time.monotonic()
        total = self.args.iter_warmup + self.args.iter_sampling
        for chain, (done, tuning) in enumerate(_PROGRESS_ENTRY.findall(text)):
            if tuning == "false" and math.isnan(self.warmup_end[chain]):
                self.warmup_end[chain] = now
            if int(done) == total and math.isnan(self.end[chain]):
                self.end[chain] = now
            self.bars[chain].update_to(
                int(done), postfix="Warmup" if tuning == "true" else "Sampling"
            )

    def close(self) -> None:
        for bar in self.bars:
            bar.close()

    @property
    def warmup_seconds(self) -> list[float]:
        return [end - self.start for end in self.warmup_end]

    @property
    def sampling_seconds(self) -> list[float]:
        return [end - warmup for end, warmup in zip(self.end, self.warmup_end, strict=True)]
