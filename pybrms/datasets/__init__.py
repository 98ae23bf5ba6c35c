"""Example data sets shipped with pybrms (copies of brms's and scanpy's examples)."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import scipy.sparse as sp

__all__ = ["load_epilepsy", "load_inhaler", "load_kidney", "load_pbmc"]


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
    >>> sorted(load_inhaler()["rating"].unique().tolist())
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


def load_pbmc() -> tuple[sp.csr_matrix, pd.DataFrame, pd.Series]:
    """scanpy's ``pbmc68k_reduced``: log-normalized expression of 700 cells x 765 genes.

    Returns
    -------
    matrix : scipy.sparse.csr_matrix
        700 x 765 log-normalized counts (cells by genes), about 33% nonzero.
    cells : pandas.DataFrame
        One row per cell: ``cell`` (barcode) and ``bulk_label`` (cell type).
    genes : pandas.Series
        Gene symbol of each column.

    Examples
    --------
    >>> X, cells, genes = load_pbmc()
    >>> X.shape, cells.shape[0], genes.size
    ((700, 765), 700, 765)
    """
    with resources.files(__name__).joinpath("pbmc68k_reduced_lognorm.npz").open("rb") as handle:
        matrix = sp.csr_matrix(sp.load_npz(handle))
    cells = _read_csv("pbmc68k_reduced_cells.csv")
    genes = _read_csv("pbmc68k_reduced_genes.csv")["gene"]
    return matrix, cells, genes
