"""The cmdstanpy backend: used where a CmdStan installation exists.

This is the only module that imports cmdstanpy, and only when a CmdStan
installation is found, so pybrms works without either. cmdstanpy starts the
compiler and the samplers itself; their files go to pybrms run directories,
which are swept when a killed run leaves them behind.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import stanio

from pybrms.backends import launch
from pybrms.backends.base import CompiledModel, LogProb, raise_failures
from pybrms.backends.cache import cache_root, cached_build, content_key
from pybrms.backends.datacheck import check_data
from pybrms.backends.sample_args import SampleArgs
from pybrms.backends.scratch import run_directory
from pybrms.draws import Draws, read_stan_csv
from pybrms.errors import CompileError, SamplingError, ToolchainError


def cmdstan_available() -> bool:
    """True when cmdstanpy is importable and finds a CmdStan installation.

    Examples
    --------
    >>> isinstance(cmdstan_available(), bool)
    True
    """
    try:
        import cmdstanpy

        cmdstanpy.cmdstan_path()
    except (ImportError, ValueError, RuntimeError):
        return False
    return True


class CmdStanPyBackend:
    """Compiles with CmdStan (``STAN_THREADS``) through cmdstanpy."""

    name = "cmdstanpy"

    def compile(
        self, stan_code: str, *, show_progress: bool = True, optimize: bool = True
    ) -> CmdStanPyModel:
        """Compile ``stan_code`` into the pybrms cache (keyed by code, CmdStan version and
        optimisation level: CmdStan's ``O=0`` if not ``optimize``)."""
        if not cmdstan_available():
            raise ToolchainError(
                "backend='cmdstanpy' needs cmdstanpy and a CmdStan installation "
                "(pip install cmdstanpy; python -m cmdstanpy.install_cmdstan), "
                "or use backend='embedded'"
            )
        import cmdstanpy

        version = cmdstanpy.cmdstan_path()
        level = {} if optimize else {"O": 0}  # CmdStan's make variable, 3 by default

        def build(directory: Path) -> None:
            (directory / "model.stan").write_text(stan_code)
            try:
                cmdstanpy.CmdStanModel(
                    stan_file=directory / "model.stan",
                    cpp_options={"STAN_THREADS": True, **level},
                )
            except (ValueError, RuntimeError) as error:
                raise CompileError(f"CmdStan could not compile the program:\n{error}") from error

        entry, _ = cached_build(
            cache_root() / "cmdstan" / "models",
            content_key(version, stan_code, *(f"O={value}" for value in level.values())),
            build,
        )
        return CmdStanPyModel(entry)

    def compile_many(
        self, stan_codes: Sequence[str], *, show_progress: bool = True, optimize: bool = True
    ) -> list[CmdStanPyModel]:
        """Compile ``stan_codes`` one after the other (CmdStan builds one program at a time)."""
        built: list[CmdStanPyModel | CompileError] = []
        for code in stan_codes:
            try:
                built.append(self.compile(code, show_progress=show_progress, optimize=optimize))
            except CompileError as error:
                built.append(error)
        return raise_failures(built)


class CmdStanPyModel(CompiledModel):
    """A Stan program compiled by CmdStan; same interface as the embedded model."""

    def __init__(self, directory: Path) -> None:
        import cmdstanpy

        self.directory = directory
        self.stan_code = (directory / "model.stan").read_text()
        self._model = cmdstanpy.CmdStanModel(
            stan_file=directory / "model.stan",
            exe_file=directory / "model",
            cpp_options={"STAN_THREADS": True},
            compile=False,
        )

    def data_inputs(self) -> dict[str, dict[str, Any]]:
        """Declared data variables (stanc ``--info``)."""
        return dict(self._model.src_info()["inputs"])

    def num_unconstrained(self, data: Mapping[str, Any]) -> int:
        """Number of unconstrained parameters, read off a one-draw diagnostic file."""
        check_data(data, self.data_inputs())
        with run_directory() as workdir:
            fit = self._model.sample(
                data={k: data[k] for k in self.data_inputs()},
                chains=1,
                iter_warmup=0,
                iter_sampling=1,
                adapt_engaged=False,
                save_diagnostics=True,
                output_dir=workdir,
                show_progress=False,
            )
            with open(fit.runset.diagnostic_files[0]) as handle:
                header = next(line for line in handle if not line.startswith("#"))
        # lp__ and six sampler columns, then values, momenta and gradients.
        return (len(header.split(",")) - 7) // 3

    def _sample(self, data: Mapping[str, Any], args: SampleArgs, show_progress: bool) -> Draws:
        """CmdStan's NUTS through cmdstanpy: ``threads_per_chain``, ``parallel_chains``."""
        check_data(data, self.data_inputs())
        metric = (
            None
            if args.inv_metric is None
            else [{"inv_metric": row.tolist()} for row in args.inv_metric]
        )
        with run_directory() as workdir:
            try:
                fit = self._model.sample(
                    data={k: data[k] for k in self.data_inputs()},
                    chains=args.chains,
                    parallel_chains=args.chains,
                    threads_per_chain=args.threads.threads,
                    seed=args.seed,
                    iter_warmup=args.iter_warmup,
                    iter_sampling=args.iter_sampling,
                    thin=args.thin,
                    adapt_delta=args.adapt_delta,
                    max_treedepth=args.max_treedepth,
                    inits=list(args.inits) if args.inits is not None else args.init_radius,
                    step_size=list(args.step_size),
                    metric=metric,
                    adapt_engaged=args.adapt_engaged,
                    save_warmup=args.save_warmup,
                    show_progress=show_progress,
                    output_dir=workdir,
                    force_one_process_per_chain=args.parallel == "processes",
                )
            except RuntimeError as error:
                raise SamplingError(str(error)) from error
            return read_stan_csv(
                [Path(p) for p in fit.runset.csv_files], num_warmup_saved=args.num_warmup_saved
            )

    def log_prob(
        self, data: Mapping[str, Any], unconstrained: np.ndarray, *, jacobian: bool = True
    ) -> LogProb:
        """Log density and gradient at unconstrained points (CmdStan's ``log_prob`` method)."""
        points = np.atleast_2d(np.asarray(unconstrained, dtype=float))
        check_data(data, self.data_inputs())
        with run_directory() as workdir:
            stanio.write_stan_json(
                str(workdir / "data.json"), {k: data[k] for k in self.data_inputs()}
            )
            (workdir / "params.json").write_text(json.dumps({"params_r": points.tolist()}))
            result = launch.run(
                [
                    str(self._model.exe_file),
                    "log_prob",
                    f"unconstrained_params={workdir / 'params.json'}",
                    f"jacobian={int(jacobian)}",
                    "data",
                    f"file={workdir / 'data.json'}",
                    "output",
                    f"file={workdir / 'lp.csv'}",
                ],
                workdir,
            )
            if result.returncode != 0:
                raise SamplingError(f"CmdStan log_prob failed:\n{result.stderr or result.stdout}")
            table = np.loadtxt(workdir / "lp.csv", delimiter=",", comments="#", skiprows=1, ndmin=2)
        return LogProb(lp=table[:, 0], grad=table[:, 1:])
