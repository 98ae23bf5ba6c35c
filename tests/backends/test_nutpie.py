"""The nutpie backend: the C model API against the embedded backend, and nutpie's NUTS
against closed forms. Real compiles, real runs; skipped when nutpie is not installed."""

from __future__ import annotations

import signal
import subprocess
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from arviz import ess, mcse

pytest.importorskip("nutpie")

import pybrms  # noqa: E402
from pybrms.backends import compile_model  # noqa: E402
from pybrms.draws import SAMPLER_COLUMNS  # noqa: E402
from pybrms.errors import PybrmsError, SamplingError, SettingsError  # noqa: E402

pytestmark = pytest.mark.stan

# y_i ~ N(mu, sigma) with sigma known and mu ~ N(mu0, tau0): the posterior of mu is
# normal in closed form. tau (exponential(1), untouched by the data) checks the
# Jacobian of the log transform; the likelihood's constants go with propto (lupdf);
# the transformed parameter and the generated quantity check that every Stan
# variable is returned.
CONJUGATE = """
data { int N; vector[N] y; real<lower=0> sigma; real mu0; real<lower=0> tau0; }
parameters { real mu; real<lower=0> tau; }
transformed parameters { real two_mu = 2 * mu; }
model {
  target += normal_lpdf(mu | mu0, tau0);
  target += normal_lupdf(y | mu, sigma);
  target += exponential_lpdf(tau | 1);
}
generated quantities { real y_rep = normal_rng(mu, sigma); }
"""

# The likelihood as a reduce_sum partial sum: chains are nutpie's threads, and each
# gradient spreads over Stan's TBB pool.
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

POINTS = np.array([[0.3, -0.2], [1.7, 0.4], [-2.0, 1.1]])


def stan_programs() -> list[str | tuple[str, str]]:
    """The libraries and the executable the tests compile (compiled at the session's
    start, tests/conftest.py)."""
    return [(CONJUGATE, "nutpie"), (THREADED, "nutpie"), CONJUGATE]


@pytest.fixture(scope="module")
def nutpie_model():
    return compile_model(CONJUGATE, backend="nutpie", show_progress=False)


@pytest.fixture(scope="module")
def embedded_model():
    return compile_model(CONJUGATE, backend="embedded", show_progress=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(20261127)
    y = rng.normal(1.5, 2.0, size=40)
    return {"N": y.size, "y": y, "sigma": 2.0, "mu0": 0.0, "tau0": 5.0}


@pytest.fixture(scope="module")
def draws(nutpie_model, data):
    return nutpie_model.sample(data, chains=2, seed=11, show_progress=False)


def posterior_of_mu(data):
    precision = 1 / data["tau0"] ** 2 + data["N"] / data["sigma"] ** 2
    mean = (data["mu0"] / data["tau0"] ** 2 + data["y"].sum() / data["sigma"] ** 2) / precision
    return mean, precision**-0.5


@pytest.mark.parametrize("jacobian", [True, False])
def test_log_density_and_gradient_equal_the_embedded_backend(
    nutpie_model, embedded_model, data, jacobian
):
    ours = nutpie_model.log_prob(data, POINTS, jacobian=jacobian)
    driver = embedded_model.log_prob(data, POINTS, jacobian=jacobian)
    np.testing.assert_allclose(ours.lp, driver.lp, rtol=1e-13)
    np.testing.assert_allclose(ours.grad, driver.grad, rtol=1e-13)


def test_gradient_equals_central_differences(nutpie_model, data):
    model = nutpie_model.instantiate(data)
    step = 1e-5
    for point in POINTS:
        _, grad = model.log_density_gradient(point)
        numeric = [
            (
                model.log_density_gradient(point + step * e)[0]
                - model.log_density_gradient(point - step * e)[0]
            )
            / (2 * step)
            for e in np.eye(point.size)
        ]
        # Central differences err by O(step^2 * f''') plus rounding O(eps * |f| / step).
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_propto_drops_only_constants(nutpie_model, data):
    model = nutpie_model.instantiate(data)
    full = [model.log_density_gradient(p) for p in POINTS]
    propto = [model.log_density_gradient(p, propto=True) for p in POINTS]
    differences = [f[0] - p[0] for f, p in zip(full, propto, strict=True)]
    constants = -data["N"] * (np.log(data["sigma"]) + 0.5 * np.log(2 * np.pi))
    np.testing.assert_allclose(differences, constants, rtol=1e-12)
    for (_, g_full), (_, g_propto) in zip(full, propto, strict=True):
        np.testing.assert_allclose(g_full, g_propto, rtol=1e-12)


def test_posterior_matches_closed_form_within_four_mcse(draws, data):
    mu = draws.variables()["mu"]
    mean, sd = posterior_of_mu(data)
    assert abs(mu.mean() - mean) < 4 * mcse(mu, method="mean")
    assert abs(mu.std() - sd) < 4 * mcse(mu, method="sd")
    tau = draws.variables()["tau"]
    assert abs(tau.mean() - 1.0) < 4 * tau.std() / np.sqrt(ess(tau))


def test_two_chains_two_threads_reduce_sum(data):
    model = compile_model(THREADED, backend="nutpie", show_progress=False)
    draws = model.sample(dict(data, grainsize=10), chains=2, threads=2, seed=5, show_progress=False)
    mu = draws.variables()["mu"]
    mean, _ = posterior_of_mu(data)
    assert mu.shape == (2, 1000)
    assert abs(mu.mean() - mean) < 4 * mcse(mu, method="mean")
    assert draws.chains[0].config["threads_per_chain"] == "2"


def test_draws_hold_every_stan_variable_and_stan_diagnostics(draws, data):
    assert draws.columns == (*SAMPLER_COLUMNS, "mu", "tau", "two_mu", "y_rep")
    assert draws.values.shape == (2, 1000, len(draws.columns))
    variables = draws.variables()
    np.testing.assert_array_equal(variables["two_mu"], 2 * variables["mu"])
    # y_rep - mu ~ N(0, sigma) draw by draw, from Stan's RNG.
    z = ((variables["y_rep"] - variables["mu"]) / data["sigma"]).ravel()
    assert abs(z.mean()) < 4 / np.sqrt(z.size)
    assert abs(z.std() - 1) < 4 / np.sqrt(2 * z.size)
    diagnostics = draws.sampler_diagnostics()
    assert set(diagnostics) == set(SAMPLER_COLUMNS)
    steps, depth = diagnostics["n_leapfrog__"], diagnostics["treedepth__"]
    # The accepted tree plus at most one abandoned subtree of the same size.
    assert np.all(steps >= 1) and np.all(steps <= 2 ** (depth + 1) - 1)
    assert set(np.unique(diagnostics["divergent__"])) <= {0.0, 1.0}
    assert np.all(diagnostics["stepsize__"] > 0) and np.all(draws.step_size > 0)
    # energy__ is the Hamiltonian: -lp__ plus a non-negative kinetic energy.
    assert np.all(diagnostics["energy__"] >= -diagnostics["lp__"] - 1e-9)
    assert np.all(draws.elapsed.to_numpy() >= 0)


def test_lp_is_the_density_stan_samples(nutpie_model, draws, data):
    model = nutpie_model.instantiate(data)
    mu = draws.column("mu")[0, :5]
    log_tau = np.log(draws.column("tau")[0, :5])
    expected = [
        model.log_density_gradient(np.array(p), propto=True)[0]
        for p in zip(mu, log_tau, strict=True)
    ]
    np.testing.assert_allclose(draws.column("lp__")[0, :5], expected, rtol=1e-8)


def test_same_seed_same_draws(nutpie_model, data):
    kwargs = dict(chains=2, seed=3, iter_warmup=100, iter_sampling=50, show_progress=False)
    first = nutpie_model.sample(data, **kwargs)
    again = nutpie_model.sample(data, **kwargs)
    other = nutpie_model.sample(data, **{**kwargs, "seed": 4})
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.values, other.values)


def test_thin_and_saved_warmup(nutpie_model, data):
    draws = nutpie_model.sample(
        data,
        chains=2,
        seed=5,
        iter_warmup=30,
        iter_sampling=40,
        thin=3,
        save_warmup=True,
        show_progress=False,
    )
    assert draws.num_warmup_saved == 10 and draws.num_draws == 14
    assert draws.values.shape == (2, 24, len(draws.columns))


def test_init_dict_is_the_first_point(nutpie_model, data):
    model = nutpie_model.instantiate(data)
    point = model.initial_point({"mu": 7.0, "tau": 0.5}, 2.0, seed=1, chain=1)
    np.testing.assert_allclose(point, [7.0, np.log(0.5)])
    partial = model.initial_point({"mu": 7.0}, 2.0, seed=1, chain=1)
    assert partial[0] == 7.0 and -2 <= partial[1] <= 2


def test_progress_bars_show_every_chain(nutpie_model, data, capsys):
    nutpie_model.sample(data, chains=2, seed=1, iter_warmup=50, iter_sampling=50)
    err = capsys.readouterr().err
    assert "chain 1" in err and "chain 2" in err


@pytest.mark.parametrize(
    ("kwargs", "culprit"),
    [
        ({"adapt_engaged": False}, "adapt_engaged=False"),
        ({"inv_metric": np.ones(2)}, "inv_metric"),
        ({"step_size": [0.1, 0.2]}, "step_size"),
        ({"parallel": "processes"}, "parallel='processes'"),
        ({"init": [{"mu": 0.0}, {"mu": 1.0}]}, "one init for all chains"),
    ],
)
def test_settings_nutpie_cannot_honour(nutpie_model, data, kwargs, culprit):
    with pytest.raises(SettingsError) as info:
        nutpie_model.sample(data, chains=2, show_progress=False, **kwargs)
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "culprit"),
    [
        ({"parallel": "processes"}, "parallel='processes'"),
        ({"init": [{"Intercept": 0.0}, {"Intercept": 1.0}]}, "one init for all chains"),
    ],
)
def test_brm_rejects_them_before_compiling(no_compile, kwargs, culprit):
    frame = pd.DataFrame({"y": [0.1, 0.5, 0.9], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(SettingsError) as info:
        pybrms.brm("y ~ x", frame, chains=2, backend="nutpie", **kwargs)
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)


def test_unusable_init_names_the_variable(nutpie_model, data):
    with pytest.raises(SamplingError, match="tau"):
        nutpie_model.sample(data, chains=2, init={"tau": -1.0}, show_progress=False)


def test_ctrl_c_stops_the_sampler_and_raises_keyboard_interrupt(tmp_path, python_child):
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, signal, sys, time
        from pybrms.backends import compile_model
        model = compile_model({CONJUGATE!r}, backend="nutpie", show_progress=False)
        data = {{"N": 3, "y": [0.1, 0.2, 0.3], "sigma": 1.0, "mu0": 0.0, "tau0": 1.0}}
        print("sampling", flush=True)
        try:
            model.sample(data, chains=2, iter_warmup=10**7, iter_sampling=10**7,
                         show_progress=False)
        except KeyboardInterrupt:
            # Stopped chains use no CPU: measure this process over half a second.
            before = sum(os.times()[:2])
            time.sleep(0.5)
            print("interrupted", sum(os.times()[:2]) - before, flush=True)
            sys.exit(130)
    """)
    )
    child = python_child(str(script), stdout=subprocess.PIPE)
    assert child.stdout.readline().strip() == "sampling"
    time.sleep(2)  # inside the sampler's wait
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 130 and out.startswith("interrupted")
    # Two running chains would use about 1 CPU second in that half second.
    assert float(out.split()[1]) < 0.2


def test_brm_fits_with_nutpie():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=50), "g": rng.integers(1, 6, 50)})
    frame["y"] = 1 + 0.5 * frame.x + 0.5 * rng.normal(size=5)[frame.g - 1] + rng.normal(size=50)
    fit = pybrms.brm(
        "y ~ x + (1 | g)", frame, chains=2, iter=1000, seed=3, backend="nutpie", show_progress=False
    )
    assert {p.column for p in fit.spec.names} <= set(fit.draws.columns)
    assert {"b_Intercept", "b_x", "sd_g__Intercept", "sigma", "lp__"} <= set(fit.draws_frame())
    assert fit.log_lik().shape == (1000, 50)
    assert "sample_stats" in fit.to_inference_data().groups()
