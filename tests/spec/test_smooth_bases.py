"""mgcv's bases in brms's mixed-model form, against mgcv's own matrices.

The fixtures (``fixtures/mgcv``, made by ``make_fixtures.R`` with mgcv 1.8-41)
hold brms's ``Xs`` and ``Zs`` of each term at 40 fitted rows and at 5 new rows.
A basis only has to match up to a change of basis that keeps the model, so the
checks compare what does not depend on it: the penalized columns' covariance
``Zs Zs'`` off the unpenalized span (this fixes the penalty's scale, hence
``sds``), the unpenalized span, and a penalized least squares fit and its
predictions at new rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pybrms.spec.terms.smooth_bases import (
    CubicRegression,
    Cyclic,
    TensorT2,
    ThinPlate,
    mixed_smooth,
)

FIXTURES = Path(__file__).parent / "fixtures" / "mgcv"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {w: pd.read_csv(FIXTURES / f"data_{w}.csv") for w in ("fit", "new")}


def _reference(name: str, where: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """mgcv's ``Xs`` and ``Zs`` blocks, all smooths of the term side by side."""
    ref = pd.read_csv(FIXTURES / f"{where}_{name}.csv")
    Xf = ref[[c for c in ref if c.startswith("Xf")]].to_numpy()
    blocks = sorted({c.rsplit("_", 1)[0] for c in ref if c.startswith("Zs")})
    return Xf, [ref[[c for c in ref if c.rsplit("_", 1)[0] == b]].to_numpy() for b in blocks]


def _ours(name: str, data: pd.DataFrame, fit: pd.DataFrame) -> tuple[np.ndarray, list[np.ndarray]]:
    x, xz = fit[["x"]].to_numpy(float), fit[["x", "z"]].to_numpy(float)
    if name == "byf":
        sm = mixed_smooth(ThinPlate.fit(x, 5, "s"), x, weight=(fit["f"] == "a").to_numpy(float))
        parts = [sm.matrices(data[["x"]].to_numpy(float), data["f"] == lv) for lv in "abc"]
    elif name == "byw":
        w = fit["w"].to_numpy(float)
        sm = mixed_smooth(ThinPlate.fit(x, 5, "s"), x, constrain=False, weight=w)
        parts = [sm.matrices(data[["x"]].to_numpy(float), data["w"])]
    elif name == "t2":
        margins = [(CubicRegression.fit(xz[:, [i]], 5, "t2"), (i,)) for i in (0, 1)]
        parts = [mixed_smooth(TensorT2.fit(xz, margins), xz).matrices(data[["x", "z"]].to_numpy())]
    else:
        cols, basis = {
            "tp": (["x"], lambda: ThinPlate.fit(x, None, "s")),
            "tp5": (["x"], lambda: ThinPlate.fit(x, 5, "s")),
            "cr": (["x"], lambda: CubicRegression.fit(x, 6, "s")),
            "cc": (["x"], lambda: Cyclic.fit(x, 6, "s")),
            "tp2": (["x", "z"], lambda: ThinPlate.fit(xz, 12, "s")),
            "tpm1": (["x"], lambda: ThinPlate.fit(x, None, "s", m=1)),
            "tpm3": (["x"], lambda: ThinPlate.fit(x, 8, "s", m=3)),
            "tp2m3": (["x", "z"], lambda: ThinPlate.fit(xz, None, "s", m=3)),
            "fx": (["x"], lambda: ThinPlate.fit(x, 5, "s")),
            "crfx": (["x"], lambda: CubicRegression.fit(x, 6, "s")),
            # the knots of make_fixtures.R: all k of them, or the two ends of a cycle
            "crk": (["x"], lambda: CubicRegression.fit(x, 5, "s", np.array(KNOTS["crk"]))),
            "cck": (["x"], lambda: Cyclic.fit(x, 6, "s", np.array(KNOTS["cck"]))),
            "cck2": (["x"], lambda: Cyclic.fit(x, 5, "s", np.array(KNOTS["cck2"]))),
        }[name]
        fitted = fit[cols].to_numpy(float)
        sm = mixed_smooth(basis(), fitted, fixed=name in UNPENALIZED)
        parts = [sm.matrices(data[cols].to_numpy(float))]
    return np.hstack([p[0] for p in parts]), [Z for p in parts for Z in p[1]]


def _off_span(K: np.ndarray, span: np.ndarray) -> np.ndarray:
    Q, _ = np.linalg.qr(np.hstack([np.ones((len(span), 1)), span]))
    P = np.eye(len(span)) - Q @ Q.T
    return P @ K @ P


def _pls(Xf: np.ndarray, Zs: list[np.ndarray], y: np.ndarray) -> np.ndarray:
    """Coefficients of a penalized least squares fit, ridge ``j`` on block ``j``."""
    A = np.hstack([np.ones((len(y), 1)), Xf, *Zs])
    ridge = np.concatenate(
        [np.zeros(1 + Xf.shape[1])] + [np.full(Z.shape[1], j + 1.0) for j, Z in enumerate(Zs)]
    )
    return np.linalg.solve(A.T @ A + np.diag(ridge), A.T @ y)


UNPENALIZED = ["fx", "crfx"]  # fx = TRUE: every column unpenalized
KNOTS = {"crk": [0, 0.4, 1.1, 2.5, 3], "cck": [0, 0.5, 1, 1.6, 2.4, 3], "cck2": [-0.5, 3.5]}
EXACT = ["tp", "tp5", "cr", "cc", "tp2", "byf", "byw", "tpm1", "tpm3", "tp2m3", *UNPENALIZED]
EXACT += list(KNOTS)


@pytest.mark.parametrize("name", EXACT)
def test_penalized_covariance_matches_mgcv(name, frames):
    """Same penalized covariance, including mgcv's scale.penalty factor (sds's scale)."""
    fit = frames["fit"]
    Xf, Zs = _ours(name, fit, fit)
    rXf, rZs = _reference(name, "fit")
    assert Xf.shape == rXf.shape and [Z.shape for Z in Zs] == [Z.shape for Z in rZs]
    for Z, rZ in zip(Zs, rZs, strict=True):
        ours, theirs = _off_span(Z @ Z.T, rXf), _off_span(rZ @ rZ.T, rXf)
        np.testing.assert_allclose(ours, theirs, atol=1e-9 * np.abs(theirs).max())
    # the unpenalized columns: the same span, and for one column the same norm
    np.testing.assert_allclose(_off_span(Xf @ Xf.T, rXf), 0, atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(Xf, axis=0)[:1], np.linalg.norm(rXf, axis=0)[:1])


@pytest.mark.parametrize("name", [*EXACT, "t2"])
def test_penalized_fit_and_new_rows_match_mgcv(name, frames):
    fit, new = frames["fit"], frames["new"]
    y = np.sin(2 * fit["x"].to_numpy()) + fit["z"].to_numpy()
    coef = _pls(*_ours(name, fit, fit), y)
    rcoef = _pls(*_reference(name, "fit"), y)
    # t2's ridge penalties depend on mgcv's arbitrary basis of each margin's null
    # space (mgcv says as much): its scale may differ by a few percent
    tol = 0.02 if name == "t2" else 1e-9
    for where, data in (("fit", fit), ("new", new)):
        Xf, Zs = _ours(name, data, fit)
        rXf, rZs = _reference(name, where)
        ours = np.hstack([np.ones((len(data), 1)), Xf, *Zs]) @ coef
        theirs = np.hstack([np.ones((len(data), 1)), rXf, *rZs]) @ rcoef
        np.testing.assert_allclose(ours, theirs, atol=tol * np.abs(theirs).max())


def test_t2_has_mgcv_structure(frames):
    """Three penalties of mgcv's sizes, the same unpenalized span, and the
    range-by-range block's covariance proportional to mgcv's."""
    fit = frames["fit"]
    Xf, Zs = _ours("t2", fit, fit)
    rXf, rZs = _reference("t2", "fit")
    assert [Z.shape for Z in Zs] == [Z.shape for Z in rZs]
    np.testing.assert_allclose(_off_span(Xf @ Xf.T, rXf), 0, atol=1e-9)
    ours, theirs = _off_span(Zs[0] @ Zs[0].T, rXf), _off_span(rZs[0] @ rZs[0].T, rXf)
    ratio = np.trace(theirs) / np.trace(ours)
    assert 0.8 < ratio < 1.25
    np.testing.assert_allclose(ours * ratio, theirs, atol=1e-9 * np.abs(theirs).max())


@pytest.mark.parametrize("name", UNPENALIZED)
def test_unpenalized_columns_are_mgcvs(name, frames):
    """fx = TRUE: mgcv's constrained columns themselves (the thin plate basis's up to
    the sign of a column, which a flat prior on ``bs`` does not see)."""
    for where, data in (("fit", frames["fit"]), ("new", frames["new"])):
        Xf, Zs = _ours(name, data, frames["fit"])
        rXf, rZs = _reference(name, where)
        assert Zs == [] and rZs == []
        signs = np.sign(np.sum(Xf * rXf, axis=0))
        assert name != "crfx" or (signs == 1).all()
        np.testing.assert_allclose(Xf * signs, rXf, atol=1e-9 * np.abs(rXf).max())
