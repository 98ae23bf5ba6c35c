"""Draws read from Stan CSV files: values, sampler diagnostics and adaptation results.

Plain functions on files plus one read-only container, :class:`Draws`. Both
backends write Stan CSV, so both return the same object.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import stanio

from pybrms.errors import OutputFileError
from pybrms.files import atomic_file

SAMPLER_COLUMNS = (
    "lp__",
    "accept_stat__",
    "stepsize__",
    "treedepth__",
    "n_leapfrog__",
    "divergent__",
    "energy__",
)

_STEP_SIZE = re.compile(r"^#\s*Step size\s*=\s*([^\s]+)")
_ELAPSED = re.compile(r"^#\s*(?:Elapsed Time:)?\s*([0-9.eE+-]+) seconds \((Warm-up|Sampling)\)")
_CONFIG = re.compile(r"^#\s+(\w+)\s*=\s*([^\s(]+)")


@dataclass(frozen=True)
class ChainInfo:
    """What one chain's CSV comments say besides the draws."""

    step_size: float
    inv_metric: np.ndarray
    warmup_seconds: float
    sampling_seconds: float
    config: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Draws:
    """Draws of all chains of one run.

    Attributes
    ----------
    columns
        Stan CSV column names (``lp__``, ..., ``b.1``, ``r_g.2.1``).
    values
        Array ``(chains, draws, columns)``; warmup draws first when ``num_warmup_saved > 0``.
    chains
        Per-chain adaptation results and timings.
    num_warmup_saved
        Number of leading warmup draws kept in ``values`` (``save_warmup=True``).
    """

    columns: tuple[str, ...]
    values: np.ndarray
    chains: tuple[ChainInfo, ...]
    num_warmup_saved: int = 0

    def __repr__(self) -> str:
        return (
            f"Draws({self.num_chains} chains x {self.num_draws} draws, {len(self.columns)} columns)"
        )

    @property
    def num_chains(self) -> int:
        """Number of chains."""
        return self.values.shape[0]

    @property
    def num_draws(self) -> int:
        """Post-warmup draws per chain."""
        return self.values.shape[1] - self.num_warmup_saved

    @property
    def step_size(self) -> np.ndarray:
        """Step size per chain (adapted, or the one given)."""
        return np.array([c.step_size for c in self.chains])

    @property
    def inv_metric(self) -> np.ndarray:
        """Diagonal inverse metric per chain, ``(chains, dim)``."""
        return np.stack([c.inv_metric for c in self.chains])

    @property
    def elapsed(self) -> pd.DataFrame:
        """Warmup and sampling seconds per chain."""
        return pd.DataFrame(
            {
                "warmup": [c.warmup_seconds for c in self.chains],
                "sampling": [c.sampling_seconds for c in self.chains],
            },
            index=pd.RangeIndex(1, self.num_chains + 1, name="chain"),
        )

    def sampler_diagnostics(self, *, include_warmup: bool = False) -> dict[str, np.ndarray]:
        """Sampler columns (``lp__``, ``divergent__``, ...) as ``(chains, draws)`` arrays."""
        block = self._block(include_warmup)
        return {
            name: block[:, :, self.columns.index(name)]
            for name in SAMPLER_COLUMNS
            if name in self.columns
        }

    def variables(self, *, include_warmup: bool = False) -> dict[str, np.ndarray]:
        """Model variables shaped ``(chains, draws, *dims)``, via stanio.

        Examples
        --------
        >>> draws.variables()["mu"].shape  # doctest: +SKIP
        (4, 1000)
        """
        block = self._block(include_warmup)
        model_columns = [c for c in self.columns if not c.endswith("__")]
        if not model_columns:
            return {}
        offset = self.columns.index(model_columns[0])
        header = stanio.parse_header(",".join(model_columns))
        return stanio.stan_variables(header, block[:, :, offset:])

    def column(self, name: str, *, include_warmup: bool = False) -> np.ndarray:
        """One CSV column by name, ``(chains, draws)``."""
        try:
            index = self.columns.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r}; columns are {', '.join(self.columns)}") from None
        return self._block(include_warmup)[:, :, index]

    def _block(self, include_warmup: bool) -> np.ndarray:
        return self.values if include_warmup else self.values[:, self.num_warmup_saved :]

    def to_csv(
        self,
        directory: str | os.PathLike[str],
        *,
        prefix: str = "chain",
        sig_figs: int = 9,
        overwrite: bool = False,
    ) -> list[Path]:
        """Write one Stan CSV file per chain, as Stan's samplers write them.

        Each file holds the chain's configuration, adaptation results (step size and
        diagonal inverse metric) and timings as comments, then the draws;
        :func:`read_stan_csv` and :func:`pybrms.from_csv` read them back.

        Parameters
        ----------
        directory
            The folder, created if missing.
        prefix
            Files are ``<prefix>-1.csv``, ``<prefix>-2.csv``, ...
        sig_figs
            Significant digits of each value (Stan's samplers write 6 by default,
            pybrms's embedded driver 9).
        overwrite
            Replace existing files; otherwise an existing one raises
            :class:`~pybrms.errors.OutputFileError`.

        Returns
        -------
        list[Path]
            The files, in chain order.

        Examples
        --------
        >>> paths = fit.draws.to_csv("draws")  # doctest: +SKIP
        >>> [p.name for p in paths]  # doctest: +SKIP
        ['chain-1.csv', 'chain-2.csv']
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / f"{prefix}-{n}.csv" for n in range(1, self.num_chains + 1)]
        for path, info, values in zip(paths, self.chains, self.values, strict=True):
            with atomic_file(path, overwrite=overwrite, error=OutputFileError) as handle:
                handle.write(_chain_csv(self.columns, info, values, sig_figs).encode())
        return paths


def _chain_csv(columns: tuple[str, ...], info: ChainInfo, values: np.ndarray, sig_figs: int) -> str:
    """One chain as Stan CSV text, in the layout :func:`read_chain_info` parses."""
    config = [f"# {key} = {value}" for key, value in info.config.items()]
    adaptation = [
        "# Adaptation terminated",
        f"# Step size = {info.step_size:.{sig_figs}g}",
        "# Diagonal elements of inverse mass matrix:",
        "# " + ", ".join(f"{v:.{sig_figs}g}" for v in info.inv_metric),
    ]
    rows = [",".join(f"{v:.{sig_figs}g}" for v in row) for row in values]
    timings = [
        f"#  Elapsed Time: {info.warmup_seconds:g} seconds (Warm-up)",
        f"#                {info.sampling_seconds:g} seconds (Sampling)",
    ]
    return "\n".join([*config, ",".join(columns), *adaptation, *rows, *timings]) + "\n"


def read_stan_csv(paths: list[Path], num_warmup_saved: int = 0) -> Draws:
    """Read the CSV files of one run (one file per chain, same header).

    Parameters
    ----------
    paths
        CSV files in chain order.
    num_warmup_saved
        How many leading rows of each file are warmup draws.

    Returns
    -------
    Draws
    """
    header, values = stanio.read_csv([str(p) for p in paths])
    if values.ndim == 2:
        values = values[np.newaxis]
    columns = tuple(header.strip().split(","))
    return Draws(
        columns=columns,
        values=values,
        chains=tuple(read_chain_info(p) for p in paths),
        num_warmup_saved=num_warmup_saved,
    )


def read_chain_info(path: Path) -> ChainInfo:
    """Parse step size, inverse metric, timings and config from one CSV's comments."""
    step_size = float("nan")
    inv_metric = np.array([])
    timings = {"Warm-up": float("nan"), "Sampling": float("nan")}
    config: dict[str, str] = {}
    expect_metric = False
    with open(path) as handle:
        for line in handle:
            if not line.startswith("#"):
                continue
            if expect_metric:
                text = line.lstrip("#").strip()
                inv_metric = np.array([float(v) for v in text.split(",")]) if text else inv_metric
                expect_metric = False
            elif match := _STEP_SIZE.match(line):
                step_size = float(match.group(1))
            elif "Diagonal elements of inverse mass matrix" in line:
                expect_metric = True
            elif match := _ELAPSED.match(line):
                timings[match.group(2)] = float(match.group(1))
            elif match := _CONFIG.match(line):
                config.setdefault(match.group(1), match.group(2))
    return ChainInfo(
        step_size=step_size,
        inv_metric=inv_metric,
        warmup_seconds=timings["Warm-up"],
        sampling_seconds=timings["Sampling"],
        config=config,
    )
