"""The parametric EBNM optimizer: an exponential tail is crossed in one jump, to the same fit."""

from __future__ import annotations

import numpy as np
import pytest

from pybrms.flash.ebnm import newton
from pybrms.flash.ebnm.data import NormalMeans
from pybrms.flash.ebnm.point_laplace import POINT_LAPLACE
from pybrms.flash.ebnm.point_normal import POINT_NORMAL


def _tail(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """``e^{-x_0} + (x_1 - 1)²``: its infimum lies at ``x_0 = inf``."""
    e = float(np.exp(-x[0]))
    return e + (x[1] - 1.0) ** 2, np.array([-e, 2.0 * (x[1] - 1.0)]), np.diag([e, 2.0])


def _counted(derivatives):  # type: ignore[no-untyped-def]
    calls = []

    def wrapped(x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        calls.append(x.copy())
        return derivatives(x)

    return wrapped, calls


@pytest.fixture(name="no_jumps")
def no_jumps_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    """The optimizer without tail jumps (plain Newton creeping), for reference."""
    monkeypatch.setattr(newton, "_TAIL_RATIO", (1.0, 0.0))


def _minimize_tail() -> tuple[np.ndarray, int]:
    derivatives, calls = _counted(_tail)
    box = (np.array([-50.0, -50.0]), np.array([50.0, 50.0]))
    return newton.minimize_newton(derivatives, np.array([0.0, 3.0]), *box)[0], len(calls)


def test_exponential_tail_is_crossed_in_one_jump() -> None:
    x, evaluations = _minimize_tail()
    assert np.exp(-x[0]) <= newton.GTOL and x[1] == pytest.approx(1.0, abs=1e-12)
    assert evaluations <= 8


def test_creeping_needs_many_more_steps(no_jumps: None) -> None:
    x, evaluations = _minimize_tail()
    assert np.exp(-x[0]) <= newton.GTOL
    assert evaluations >= 20


def _dense_signal(n: int, seed: int) -> NormalMeans:
    """Every mean nonzero, so the fitted pi0 tends to 0 (alpha to infinity)."""
    rng = np.random.default_rng(seed)
    theta = rng.laplace(0.0, 2.0, n) + np.sign(rng.normal(size=n)) * 3.0
    return NormalMeans.from_arrays(theta + rng.normal(size=n), 1.0)


@pytest.mark.parametrize("family", [POINT_LAPLACE, POINT_NORMAL])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_jump_reaches_the_creeping_fit(monkeypatch: pytest.MonkeyPatch, family, seed) -> None:
    data = _dense_signal(300, seed)
    jumped = family.fit(data, 0.0, None)
    monkeypatch.setattr(newton, "_TAIL_RATIO", (1.0, 0.0))
    crept = family.fit(data, 0.0, None)
    assert jumped.pi0 < 1e-6 and crept.pi0 < 1e-6
    assert jumped.scale == pytest.approx(crept.scale, rel=1e-9)
    loglik = [family.log_marginal_regular(g, data.x, data.s).sum() for g in (jumped, crept)]
    assert loglik[0] == pytest.approx(loglik[1], abs=1e-8 * len(data.x))
