"""brms's ``normalize``: with False the likelihood drops its constants, the posterior stays.

The program is written with ``_lupmf``/``_lupdf`` (the threaded one calls its partial
sum as ``partial_log_lik_lupmf``, or ``_lupdf`` when it slices group levels); families
brms always normalizes keep ``_lpmf``.
Compiled, the log density with every constant kept is the same as the normalized
program's, and the one the sampler uses (``propto``) differs from it by exactly the
dropped constants, with the same gradient, plain or threaded. A fit with
``normalize=False`` agrees with one with True within Monte Carlo error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import arviz as az
import numpy as np
import pytest
from model_cases import FAMILY_MODELS, Case, synthetic_data
from scipy.special import gammaln

import pybrms as bm
from pybrms.backends import compile_model
from pybrms.codegen import render
from pybrms.codegen.context import render_context
from pybrms.errors import PybrmsError, SettingsError
from pybrms.fit.program import StanProgram
from pybrms.spec import build_spec
from pybrms.standata import make_standata

FORMULA = "count ~ x + (1 | g)"

# family -> the likelihood's call with normalize=False
CALLS = {
    "gaussian": "normal_lupdf(",
    "poisson": "poisson_log_glm_lupmf(",
    "bernoulli": "bernoulli_logit_glm_lupmf(",
    "zero_inflated_poisson": "zero_inflated_poisson_log_lpmf(",  # brms: always normalized
    "cumulative": "ordered_logistic_lpmf(",  # brms: always normalized
    "von_mises": "von_mises_lpdf(",  # brms: always normalized
}


def _case(name: str) -> Case:
    return next(c for c in FAMILY_MODELS if c.id == name)


@pytest.mark.parametrize("name", CALLS)
def test_normalize_false_drops_constants_where_brms_does(name: str) -> None:
    case = _case(name)
    spec = build_spec(case.formula, synthetic_data(), case.family, case.prior, data2=case.data2)
    plain = render(spec, normalize=False)
    threaded = render(spec, bm.threading(2), normalize=False)
    assert CALLS[name] in plain and CALLS[name] in threaded
    assert "// likelihood not including constants" in plain
    suffix = "lpdf" if render_context(spec)["by_level"] else "lpmf"
    assert f"reduce_sum(partial_log_lik_lu{suffix[1:]}," in threaded
    assert f"real partial_log_lik_{suffix}(" in threaded
    assert render(spec, normalize=True) == render(spec)


@pytest.mark.stan
@pytest.mark.parametrize("case", FAMILY_MODELS, ids=lambda c: c.id)
def test_normalize_false_programs_pass_stanc(case: Case) -> None:
    spec = build_spec(case.formula, synthetic_data(), case.family, case.prior, data2=case.data2)
    for threads in (None, bm.threading(2)):
        code = render(spec, threads, normalize=False)
        assert StanProgram(code, "embedded").parameters()  # stanc --info reads it


# the programs of the log density check: the normalized one, and normalize=False plain
# and threaded
PROGRAMS = (
    ("normalized", None, True),
    ("plain", None, False),
    ("threaded", bm.threading(2, grainsize=7), False),
)


def stan_programs() -> list[tuple[str, str]]:
    """Their nutpie libraries (compiled at the session's start, tests/conftest.py)."""
    spec = build_spec(FORMULA, synthetic_data(), "poisson")
    return [
        (render(spec, threads, normalize=normalize), "nutpie") for _, threads, normalize in PROGRAMS
    ]


@pytest.fixture(scope="module")
def spec():
    return build_spec(FORMULA, synthetic_data(), "poisson")


@pytest.fixture(scope="module")
def models(spec) -> dict[str, Any]:
    """Log density functions of the normalized program and the plain and threaded
    programs with normalize=False (nutpie's model library: it takes ``propto``)."""
    pytest.importorskip("nutpie")
    out = {}
    for name, threads, normalize in PROGRAMS:
        library = compile_model(render(spec, threads, normalize=normalize), "nutpie")
        out[name] = library.instantiate(make_standata(spec, threads))  # type: ignore[attr-defined]
    return out


@pytest.mark.stan
def test_log_density_differs_by_the_dropped_constants(spec, models) -> None:
    standata = make_standata(spec)
    y, groups = np.asarray(standata["Y"]), standata["N_1"]
    # poisson: lgamma(y + 1) per row; std_normal: log(2 pi) / 2 per group-level effect
    dropped = -gammaln(y + 1.0).sum() - groups * 0.5 * np.log(2 * np.pi)
    points = np.random.default_rng(3).normal(scale=0.5, size=(3, models["plain"].dim))
    for theta in points:
        full, full_grad = models["normalized"].log_density_gradient(theta, propto=False)
        for name in ("plain", "threaded"):
            lp, grad = models[name].log_density_gradient(theta, propto=False)
            np.testing.assert_allclose(lp, full, rtol=1e-10)
            np.testing.assert_allclose(grad, full_grad, rtol=1e-8, atol=1e-10)
        kept, kept_grad = models["normalized"].log_density_gradient(theta, propto=True)
        for name in ("plain", "threaded"):
            lp, grad = models[name].log_density_gradient(theta, propto=True)
            np.testing.assert_allclose(kept - lp, dropped, rtol=1e-10)
            np.testing.assert_allclose(grad, kept_grad, rtol=1e-8, atol=1e-10)


@pytest.mark.stan
def test_fits_agree_within_monte_carlo_error(models) -> None:
    # the models fixture compiled both programs on the nutpie backend: fits reuse them
    data = synthetic_data()
    kwargs: dict[str, Any] = dict(family="poisson", chains=2, iter=1000, backend="nutpie")
    fits = {
        normalize: bm.brm(FORMULA, data, normalize=normalize, seed=5, show_progress=False, **kwargs)
        for normalize in (True, False)
    }
    for column in ("b_Intercept", "b_x", "sd_g__Intercept"):
        a, b = (fits[n].draws_frame()[column].to_numpy() for n in (True, False))
        mcse = np.hypot(az.mcse(a, method="mean"), az.mcse(b, method="mean"))
        assert abs(a.mean() - b.mean()) < 5 * mcse, column
    unnormalized = fits[False]
    assert "poisson_log_glm_lupmf" in unnormalized.stan_code
    again = unnormalized.update(chains=1, iter=200, show_progress=False)
    assert again.program is unnormalized.program  # same program, nothing recompiled
    assert again.settings.normalize is False
    back = unnormalized.update(normalize=True, chains=1, iter=200, show_progress=False)
    assert back.stan_code == fits[True].stan_code


Call = Callable[[], Any]

BAD: dict[str, tuple[Call, tuple[str, ...]]] = {
    "brm_normalize_string": (
        lambda: bm.brm(FORMULA, synthetic_data(), "poisson", normalize="no", show_progress=False),
        ("normalize", "True or False", "'no'"),
    ),
    "brm_normalize_int": (
        lambda: bm.brm(FORMULA, synthetic_data(), "poisson", normalize=0, show_progress=False),
        ("normalize", "True or False", "0"),
    ),
}


@pytest.mark.parametrize("call, culprits", BAD.values(), ids=BAD.keys())
def test_bad_normalize_is_refused_before_compiling(
    call: Call,
    culprits: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    no_compile: None,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        call()
    assert isinstance(caught.value, PybrmsError)
    for culprit in culprits:
        assert culprit in str(caught.value)
