"""A fit from Stan CSV files: draws sampled earlier, or elsewhere, of a model's program."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import stanio

from pybrms.backends import BackendName
from pybrms.backends.sample_args import DEFAULT_ADAPT_DELTA, DEFAULT_MAX_TREEDEPTH
from pybrms.codegen import render
from pybrms.draws import read_chain_info, read_stan_csv
from pybrms.errors import FitFileError
from pybrms.fit.brmsfit import BrmsFit
from pybrms.fit.program import StanProgram
from pybrms.fit.settings import SamplerSettings
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_spec
from pybrms.spec.build import FamilyLike, FormulaLike
from pybrms.spec.prior_draws import SamplePrior
from pybrms.spec.stanvars import Stanvars
from pybrms.standata import make_standata

__all__ = ["from_csv"]


def from_csv(
    files: Sequence[str | os.PathLike[str]],
    formula: FormulaLike,
    data: pd.DataFrame,
    family: FamilyLike = "gaussian",
    prior: Priors | None = None,
    *,
    stanvars: Stanvars | None = None,
    sample_prior: SamplePrior | bool = "no",
    threads: Threading | int | None = None,
    normalize: bool = True,
    backend: BackendName = "auto",
    data_name: str | None = None,
) -> BrmsFit:
    """A :class:`~pybrms.BrmsFit` from the Stan CSV files of a run of the model's program.

    The files may come from CmdStan (or any Stan interface) run on the files
    :func:`pybrms.write_stan` writes, or from :meth:`pybrms.draws.Draws.to_csv` of an
    earlier fit. Nothing is compiled or sampled: the model is built from ``formula``,
    ``data``, ``family``, ``prior``, ``sample_prior``, ``threads`` and ``normalize`` as
    :func:`pybrms.brm` builds it, and the files must hold the draws of exactly that
    program's variables. The sampler settings (warmup and sampling iterations, thin,
    ``adapt_delta``, ``max_treedepth``, seed) are read from the files' comments where
    they say them. The fit summarizes and predicts like a sampled one; ``update()``
    compiles the program on ``backend`` and samples anew.

    Parameters
    ----------
    files
        One Stan CSV file per chain, in chain order.
    formula, data, family, prior, stanvars, sample_prior, threads, normalize, backend, data_name
        As for :func:`pybrms.brm`, describing the model that was sampled.

    Returns
    -------
    BrmsFit

    Raises
    ------
    pybrms.errors.FitFileError
        A file is missing or not Stan CSV, the files' columns differ, or their
        variables are not the program's (naming the missing and the unexpected ones).
    pybrms.errors.SpecError
        The formula, data, family or priors do not make a model.

    Examples
    --------
    >>> import pybrms as bm
    >>> df = bm.datasets.load_epilepsy()
    >>> fit = bm.brm("count ~ zAge + (1|patient)", df, family="poisson")  # doctest: +SKIP
    >>> paths = fit.draws.to_csv("draws")  # doctest: +SKIP
    >>> again = bm.from_csv(paths, "count ~ zAge + (1|patient)", df,
    ...                     family="poisson")  # doctest: +SKIP
    >>> again.summary()  # doctest: +SKIP
    """
    paths = _existing(files)
    config = _config(paths[0])
    warmup, thin = int(config.get("num_warmup", 0)), int(config.get("thin", 1))
    saved_warmup = config.get("save_warmup", "0").lower() in ("1", "true")
    try:
        draws = read_stan_csv(paths, math.ceil(warmup / thin) if saved_warmup else 0)
    except ValueError as error:  # stanio: unlike headers, or values that are not numbers
        raise FitFileError(f"{', '.join(map(str, paths))} are not one Stan run: {error}") from None
    samples = int(config.get("num_samples", draws.num_draws * thin))
    settings = SamplerSettings.from_brm(
        chains=len(paths),
        iter=warmup + samples,
        warmup=warmup,
        thin=thin,
        threads=threads,
        seed=int(config["seed"]) if "seed" in config else None,
        control={
            "adapt_delta": float(config.get("delta", DEFAULT_ADAPT_DELTA)),
            "max_treedepth": int(config.get("max_depth", DEFAULT_MAX_TREEDEPTH)),
        },
        normalize=normalize,
    )
    spec = build_spec(formula, data, family, prior, sample_prior, stanvars=stanvars)
    program = StanProgram(render(spec, settings.threads, normalize=normalize), backend)
    _check_variables(draws.columns, program, paths[0])
    return BrmsFit(
        spec=spec,
        standata=make_standata(spec, settings.threads),
        draws=draws,
        program=program,
        settings=settings,
        data_name=data_name or "data",
    )


def _existing(files: Sequence[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(files, str | os.PathLike) or not files:
        raise FitFileError(f"files must be a list of Stan CSV files, one per chain; got {files!r}")
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise FitFileError(f"no Stan CSV file at {str(path)!r}")
    return paths


def _config(path: Path) -> dict[str, str]:
    try:
        return read_chain_info(path).config
    except UnicodeDecodeError:
        raise FitFileError(f"{str(path)!r} is not a Stan CSV file (not text)") from None


def _check_variables(columns: tuple[str, ...], program: StanProgram, path: Path) -> None:
    """The files' variables must be the program's, or the draws mean something else."""
    model_columns = [c for c in columns if not c.endswith("__")]
    found = set(stanio.parse_header(",".join(model_columns))) if model_columns else set()
    expected = set(program.variables())
    if found != expected:
        missing, unexpected = sorted(expected - found), sorted(found - expected)
        raise FitFileError(
            f"{str(path)!r} does not hold draws of this model's program: "
            f"missing variables {missing}, unexpected variables {unexpected}; pass the "
            "formula, data, family, prior, sample_prior, threads and normalize the draws "
            "were sampled with"
        )
