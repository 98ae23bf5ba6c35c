"""A compiled model of the embedded backend: sampling and log density via the driver."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import stanio

from pybrms.backends.base import CompiledModel, LogProb
from pybrms.backends.datacheck import check_data
from pybrms.backends.embedded.build import EXECUTABLE, STAN_FILE, read_info
from pybrms.backends.embedded.process import ProcessOutput, run_once, run_processes
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.sample_args import SampleArgs
from pybrms.backends.scratch import run_directory
from pybrms.draws import Draws, read_stan_csv
from pybrms.errors import DataError, SamplingError

# Exit codes of the driver (see exit_code in driver.cpp); its last stderr line says why.
ARGUMENT_ERROR = 2
SAMPLER_FAILED = 3
DATA_ERROR = 4


class CacheEntryModel(CompiledModel):
    """A compiled model read from its build-cache entry: the Stan code and stanc's info.

    Attributes
    ----------
    stan_code
        The program's source.
    directory
        The cache entry holding the built program.
    from_cache
        Whether the entry was found built rather than built now.
    """

    def __init__(self, directory: Path, from_cache: bool) -> None:
        self.directory = directory
        self.from_cache = from_cache
        self.stan_code = (directory / STAN_FILE).read_text()
        self._info = read_info(directory)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.directory})"


class EmbeddedModel(CacheEntryModel):
    """A Stan program built by the embedded backend (see :func:`pybrms.backends.compile_model`);
    its cache entry holds the executable."""

    @property
    def executable(self) -> Path:
        """The model executable."""
        return self.directory / EXECUTABLE

    def data_inputs(self) -> dict[str, dict[str, Any]]:
        """Declared data variables (stanc ``--info``)."""
        return dict(self._info["inputs"])

    def num_unconstrained(self, data: Mapping[str, Any]) -> int:
        """Number of unconstrained parameters given ``data``."""
        with run_directory() as workdir:
            data_file = self._write_data(data, workdir)
            output = self._run_once(["info", data_file], workdir)
        return int(json.loads(output.stdout[-1])["num_params_r"])

    def _sample(self, data: Mapping[str, Any], args: SampleArgs, show_progress: bool) -> Draws:
        """Run the driver (one process, or one per chain) and read its CSV files."""
        with run_directory() as workdir:
            data_file = self._write_data(data, workdir)
            commands = self._sample_commands(args, data_file, workdir)
            outputs = run_processes(
                commands,
                workdir,
                chain_ids=range(1, args.chains + 1),
                iterations=args.iter_warmup + args.iter_sampling,
                show_progress=show_progress,
                env=find_toolchain().runtime_env(),
            )
            for output in outputs:
                self._run_checked(output)
            csv_files = [workdir / f"output-{chain}.csv" for chain in range(1, args.chains + 1)]
            return read_stan_csv(csv_files, num_warmup_saved=args.num_warmup_saved)

    def log_prob(
        self, data: Mapping[str, Any], unconstrained: np.ndarray, *, jacobian: bool = True
    ) -> LogProb:
        """Log density (all constants kept) and gradient at unconstrained points.

        Parameters
        ----------
        data
            Data of the program.
        unconstrained
            One point ``(dim,)`` or many ``(n_points, dim)``.
        jacobian
            Include the Jacobian of the constraining transforms.

        Examples
        --------
        >>> model.log_prob({"N": 0, "y": []}, np.zeros(1)).lp  # doctest: +SKIP
        array([-0.91893853])
        """
        points = np.atleast_2d(np.asarray(unconstrained, dtype=float))
        with run_directory() as workdir:
            data_file = self._write_data(data, workdir)
            stanio.write_stan_json(
                str(workdir / "points.json"),
                {
                    "n": points.shape[0],
                    "dim": points.shape[1],
                    "jacobian": int(jacobian),
                    "points": points.ravel(),
                },
            )
            output = self._run_once(["log_prob", data_file, "points.json"], workdir)
        rows = [json.loads(line) for line in output.stdout if line.startswith("{")]
        return LogProb(
            lp=np.array([row["lp"] for row in rows]),
            grad=np.array([row["grad"] for row in rows]).reshape(len(rows), points.shape[1]),
        )

    def _write_data(self, data: Mapping[str, Any], workdir: Path) -> str:
        check_data(data, self._info["inputs"])
        declared = {name: data[name] for name in self._info["inputs"]}
        stanio.write_stan_json(str(workdir / "data.json"), declared)
        return "data.json"

    def _sample_commands(self, args: SampleArgs, data_file: str, workdir: Path) -> list[list[str]]:
        init_prefix = metric_prefix = ""  # the driver reads "" as "none given"
        if args.inits is not None:
            init_prefix = "init"
            for chain, values in enumerate(args.inits, start=1):
                stanio.write_stan_json(str(workdir / f"init-{chain}.json"), values)
        if args.inv_metric is not None:
            metric_prefix = "metric"
            for chain, diagonal in enumerate(args.inv_metric, start=1):
                stanio.write_stan_json(
                    str(workdir / f"metric-{chain}.json"), {"inv_metric": diagonal}
                )
        groups = (
            [list(range(1, args.chains + 1))]
            if args.parallel == "threads"
            else [[chain] for chain in range(1, args.chains + 1)]
        )
        commands = []
        for group in groups:
            config_file = f"config-{group[0]}.json"
            stanio.write_stan_json(str(workdir / config_file), _config(args, group))
            commands.append(
                [
                    str(self.executable),
                    "sample",
                    data_file,
                    config_file,
                    "output",
                    init_prefix,
                    metric_prefix,
                ]
            )
        return commands

    def _run_once(self, arguments: list[str], workdir: Path) -> ProcessOutput:
        """Run a short driver command (info, log_prob); raise if it fails."""
        command = [str(self.executable), *arguments]
        return self._run_checked(run_once(command, workdir, find_toolchain().runtime_env()))

    def _run_checked(self, output: ProcessOutput) -> ProcessOutput:
        """Raise with the driver's reason (its last stderr line) first if it failed."""
        code = output.returncode
        if code == 0:
            return output
        reason = output.stderr[-1] if output.stderr else "(no message)"
        if code == DATA_ERROR:
            raise DataError(f"the Stan program rejected the data: {reason}")
        if code == SAMPLER_FAILED:
            first = (
                f"{reason}\nTry other inits (init=0.5), a smaller step size "
                "(adapt_delta=0.95), or check the model's constraints and the data."
            )
        elif code == ARGUMENT_ERROR:
            first = f"the driver rejected its arguments: {reason}"
        elif code < 0:
            first = f"the sampler was killed by signal {-code}"
        else:
            first = f"the sampler failed with exit code {code}: {reason}"
        # Failed inits repeat the same lines a hundred times; show each once.
        messages = "\n".join(list(dict.fromkeys(output.stderr[-300:]))[-20:])
        raise SamplingError(
            f"{first}\ncommand: {' '.join(output.command)}\nlast messages:\n{messages}"
        )


def _config(args: SampleArgs, chains: list[int]) -> dict[str, Any]:
    return {
        "chains": len(chains),
        "first_chain": chains[0],
        "threads": args.threads.threads,
        "seed": args.seed,
        "num_warmup": args.iter_warmup,
        "num_samples": args.iter_sampling,
        "num_thin": args.thin,
        "save_warmup": int(args.save_warmup),
        "refresh": args.refresh,
        "max_depth": args.max_treedepth,
        "adapt_engaged": int(args.adapt_engaged),
        "adapt_delta": args.adapt_delta,
        "init_radius": args.init_radius,
        "stepsize_jitter": 0.0,
        "stepsize": [args.step_size[c - 1] for c in chains],
    }
