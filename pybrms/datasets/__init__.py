"""Example data sets shipped with pybrms (copies of brms's and scanpy's examples)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["load_epilepsy", "load_inhaler", "load_kidney"]


def _read_csv(name: str) -> pd.DataFrame:
    with resources.files(__name__).joinpath(name).open() as handle:
        return pd.read_csv(handle)


def load_epilepsy() -> pd.DataFrame:
    """brms's ``epilepsy``: 236 seizure counts of 59 patients over 4 visits.

    Columns Age, Base, Trt, patient, visit, count, obs, zAge, zBase. ``Trt`` and
    ``patient`` are categorical, as in R, so coefficients are named ``b_Trt1``.

    Examples
    --------
    >>> load_epilepsy().shape
    (236, 9)
    """
    data = _read_csv("epilepsy.csv")
    for column in ("Trt", "patient", "visit"):
        data[column] = pd.Categorical(data[column])
    return data


def load_inhaler() -> pd.DataFrame:
    """brms's ``inhaler``: 572 ordinal ratings (1-4) of inhaler ease of use.

    Examples
    --------
    >>> sorted(load_inhaler()["rating"].unique())
    [1, 2, 3, 4]
    """
    return _read_csv("inhaler.csv")


def load_kidney() -> pd.DataFrame:
    """brms's ``kidney``: 76 recurrence times of kidney infections with censoring.

    Examples
    --------
    >>> load_kidney().shape[0]
    76
    """
    return _read_csv("kidney.csv")
