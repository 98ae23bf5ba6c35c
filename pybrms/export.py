"""A model as files any Stan interface runs: the program (``.stan``) and its data (``.json``)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import stanio

from pybrms.codegen import render
from pybrms.errors import OutputFileError, SettingsError
from pybrms.files import atomic_file
from pybrms.priors import Priors
from pybrms.scheduler import Threading
from pybrms.spec import build_model
from pybrms.spec.multivariate import ModelFamily, ModelFormula
from pybrms.spec.prior_draws import SamplePrior
from pybrms.spec.stanvars import Stanvars
from pybrms.standata import make_standata

__all__ = ["write_stan"]


def write_stan(
    model_dir: str | os.PathLike[str],
    formula: ModelFormula,
    data: pd.DataFrame,
    family: ModelFamily = "gaussian",
    prior: Priors | None = None,
    threads: Threading | None = None,
    sample_prior: SamplePrior | bool = "no",
    *,
    stanvars: Stanvars | None = None,
    normalize: bool = True,
    name: str = "model",
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write the Stan program :func:`pybrms.brm` would compile and the data it would pass.

    The program goes to ``<model_dir>/<name>.stan`` and the data, in Stan's JSON format
    (through ``stanio``), to ``<model_dir>/<name>.json``, so that CmdStan, cmdstanpy,
    BridgeStan or any other Stan interface can run the model. Both are checked and
    built before anything is written; each file appears only once complete.

    Parameters
    ----------
    model_dir
        The folder, created if missing.
    formula, data, family, prior, sample_prior, stanvars, normalize
        As for :func:`pybrms.brm`.
    threads
        A :func:`pybrms.threading` value writes the ``reduce_sum`` program, and the
        data then hold its ``grainsize``.
    name
        The files' stem.
    overwrite
        Replace existing files; otherwise an existing one raises
        :class:`~pybrms.errors.OutputFileError` and nothing is written.

    Returns
    -------
    tuple of Path
        The ``.stan`` and the ``.json`` file.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"y": [1.0, 2.5, 2.0, 4.1], "x": [1.0, 2.0, 3.0, 4.0]})
    >>> program, data = write_stan(tempfile.mkdtemp(), "y ~ x", df)
    >>> program.name, data.name
    ('model.stan', 'model.json')

    Run them with CmdStan, e.g. through cmdstanpy:
    ``CmdStanModel(stan_file=program).sample(data=str(data))``.
    """
    if not name or Path(name).name != name:
        raise SettingsError(f"name must be a plain file stem, got {name!r}")
    folder = Path(model_dir)
    targets = folder / f"{name}.stan", folder / f"{name}.json"
    if not overwrite:
        for target in targets:
            if target.exists():
                raise OutputFileError(f"{str(target)!r} exists; pass overwrite=True to replace it")
    spec = build_model(formula, data, family, prior, sample_prior, stanvars=stanvars)
    contents = (
        render(spec, threads, normalize=normalize).encode(),
        stanio.dump_stan_json(make_standata(spec, threads)).encode(),
    )
    folder.mkdir(parents=True, exist_ok=True)
    for target, content in zip(targets, contents, strict=True):
        with atomic_file(target, overwrite=overwrite, error=OutputFileError) as handle:
            handle.write(content)
    return targets
