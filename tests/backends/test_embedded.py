"""The embedded backend against closed forms: real compiles, real NUTS runs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from arviz import ess, mcse

from pybrms.backends import compile_model
from pybrms.scheduler import threading

pytestmark = pytest.mark.stan

# y_i ~ N(mu, sigma) with sigma known and mu ~ N(mu0, tau0): the posterior of mu
# is normal in closed form. tau is a free scale parameter, used to check the
# Jacobian of the log transform in log_prob.
CONJUGATE = """
data { int N; vector[N] y; real<lower=0> sigma; real mu0; real<lower=0> tau0; }
parameters { real mu; real<lower=0> tau; }
model {
  target += normal_lpdf(mu | mu0, tau0);
  target += normal_lpdf(y | mu, sigma);
  target += exponential_lpdf(tau | 1);
}
"""

# The same likelihood as a reduce_sum partial sum, grainsize as data.
THREADED = """
functions {
  real partial_lpdf(array[] real y_slice, int start, int end, real mu, real sigma) {
    return normal_lpdf(y_slice | mu, sigma);
  }
}
data { int N; array[N] real y; real<lower=0> sigma; real mu0; real<lower=0> tau0; int grainsize; }
parameters { real mu; }
model {
  target += normal_lpdf(mu | mu0, tau0);
  target += reduce_sum(partial_lpdf, y, grainsize, mu, sigma);
}
"""


def stan_programs() -> list[str]:
    """The programs the tests compile (compiled at the session's start, tests/conftest.py)."""
    return [CONJUGATE, THREADED]


@pytest.fixture(scope="module")
def conjugate():
    return compile_model(CONJUGATE, backend="embedded", show_progress=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20261122)
    y = rng.normal(1.5, 2.0, size=40)
    return {"N": y.size, "y": y, "sigma": 2.0, "mu0": 0.0, "tau0": 5.0}


def posterior_of_mu(data):
    precision = 1 / data["tau0"] ** 2 + data["N"] / data["sigma"] ** 2
    mean = (data["mu0"] / data["tau0"] ** 2 + data["y"].sum() / data["sigma"] ** 2) / precision
    return mean, precision**-0.5


def test_posterior_matches_closed_form_within_four_mcse(conjugate, data):
    draws = conjugate.sample(data, chains=2, threads=2, seed=11, show_progress=False)
    mu = draws.variables()["mu"]
    mean, sd = posterior_of_mu(data)
    assert abs(mu.mean() - mean) < 4 * mcse(mu, method="mean")
    assert abs(mu.std() - sd) < 4 * mcse(mu, method="sd")
    tau = draws.variables()["tau"]  # exponential(1) prior, untouched by the data
    assert abs(tau.mean() - 1.0) < 4 * tau.std() / np.sqrt(ess(tau))
    assert draws.values.shape == (2, 1000, len(draws.columns))
    assert set(draws.sampler_diagnostics()) == {
        "lp__",
        "accept_stat__",
        "stepsize__",
        "treedepth__",
        "n_leapfrog__",
        "divergent__",
        "energy__",
    }
    assert draws.step_size.shape == (2,) and np.all(draws.step_size > 0)
    assert draws.inv_metric.shape == (2, 2)
    assert np.all(draws.elapsed.to_numpy() >= 0)


def test_log_prob_equals_closed_form(conjugate, data):
    points = np.array([[0.3, -0.2], [1.7, 0.4], [-2.0, 1.1]])
    mu, log_tau = points[:, 0], points[:, 1]
    tau = np.exp(log_tau)
    density = (
        st.norm.logpdf(mu, data["mu0"], data["tau0"])
        + st.norm.logpdf(data["y"][None, :], mu[:, None], data["sigma"]).sum(axis=1)
        + st.expon.logpdf(tau)
    )
    without = conjugate.log_prob(data, points, jacobian=False)
    np.testing.assert_allclose(without.lp, density, rtol=1e-12)
    with_jacobian = conjugate.log_prob(data, points)
    np.testing.assert_allclose(with_jacobian.lp, density + log_tau, rtol=1e-12)
    grad_mu = (data["mu0"] - mu) / data["tau0"] ** 2 + (data["y"].sum() - data["N"] * mu) / data[
        "sigma"
    ] ** 2
    np.testing.assert_allclose(with_jacobian.grad[:, 0], grad_mu, rtol=1e-10)
    np.testing.assert_allclose(with_jacobian.grad[:, 1], -tau + 1, rtol=1e-10)


def test_two_chains_two_threads_reduce_sum(data):
    model = compile_model(THREADED, backend="embedded", show_progress=False)
    threaded = dict(data, grainsize=10)
    draws = model.sample(threaded, chains=2, threads=threading(2), seed=5, show_progress=False)
    mu = draws.variables()["mu"]
    mean, _ = posterior_of_mu(data)
    assert mu.shape == (2, 1000)
    assert abs(mu.mean() - mean) < 4 * mcse(mu, method="mean")
    assert draws.chains[0].config["threads_per_chain"] == "2"


def test_one_process_per_chain_gives_the_same_draws(conjugate, data):
    kwargs = dict(chains=2, seed=3, iter_warmup=100, iter_sampling=50, show_progress=False)
    together = conjugate.sample(data, **kwargs)
    apart = conjugate.sample(data, parallel="processes", **kwargs)
    np.testing.assert_array_equal(together.values, apart.values)


def test_fixed_step_size_and_metric_without_adaptation(conjugate, data):
    draws = conjugate.sample(
        data,
        chains=2,
        seed=2,
        iter_warmup=20,
        iter_sampling=30,
        adapt_engaged=False,
        step_size=[0.4, 0.6],
        inv_metric=np.array([0.1, 0.5]),
        show_progress=False,
    )
    np.testing.assert_array_equal(draws.sampler_diagnostics()["stepsize__"][0], 0.4)
    np.testing.assert_array_equal(draws.sampler_diagnostics()["stepsize__"][1], 0.6)
    np.testing.assert_allclose(draws.inv_metric, [[0.1, 0.5], [0.1, 0.5]])


def test_inits_and_saved_warmup(conjugate, data):
    # Tiny steps and one leapfrog step per draw keep the first draw next to the init.
    draws = conjugate.sample(
        data,
        chains=2,
        seed=4,
        iter_warmup=10,
        iter_sampling=5,
        save_warmup=True,
        init=[{"mu": 7.0, "tau": 0.5}, {"mu": -7.0, "tau": 2.0}],
        adapt_engaged=False,
        step_size=1e-4,
        max_treedepth=1,
        show_progress=False,
    )
    assert draws.values.shape[1] == 15 and draws.num_draws == 5
    first = draws.variables(include_warmup=True)["mu"][:, 0]
    np.testing.assert_allclose(first, [7.0, -7.0], atol=0.01)


def test_progress_bars_show_every_chain(conjugate, data, capsys):
    conjugate.sample(data, chains=2, seed=1, iter_warmup=50, iter_sampling=50)
    err = capsys.readouterr().err
    assert "chain 1" in err and "chain 2" in err
