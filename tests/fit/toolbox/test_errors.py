"""Bad inputs to the toolbox: a clear PybrmsError naming the culprit, one row per input."""

from __future__ import annotations

import pytest
from saved_draws import SAVED_FITS, load  # tests/fixtures, on the path by conftest.py

import pybrms.fit.criteria as criteria
from pybrms.errors import PybrmsError, SpecError

pytestmark = pytest.mark.stan

CASES = [
    ("unknown variable", lambda f: f.draws_frame("b_z"), "b_z"),
    ("regex without match", lambda f: f.draws_frame("^nothing", regex=True), "^nothing"),
    ("unknown grouping", lambda f: f.ranef(groups=["h"]), "h"),
    ("bad probs", lambda f: f.fixef(probs=(1.5,)), "probs"),
    ("bad interval", lambda f: f.posterior_interval(prob=1.2), "prob"),
    ("bad scale", lambda f: f.fitted(scale="log"), "log"),
    ("bad method", lambda f: f.residuals(method="fitted"), "fitted"),
    ("ndraws zero", lambda f: f.fitted(ndraws=0), "ndraws"),
    ("ndraws too many", lambda f: f.posterior_predict(ndraws=601), "600"),
    ("draw id out of range", lambda f: f.log_lik(draw_ids=[0, 3]), "draw_ids"),
    ("re_formula unknown group", lambda f: f.fitted(re_formula="~ (1 | h)"), "'h'"),
    ("re_formula not varying", lambda f: f.fitted(re_formula="~ (1 + f | g)"), "fb"),
    ("re_formula not a string", lambda f: f.fitted(re_formula=3), "re_formula"),
    ("hypothesis without sign", lambda f: f.hypothesis("x"), "left (= OR < OR >) right"),
    ("hypothesis unknown name", lambda f: f.hypothesis("z > 0"), "b_z"),
    ("hypothesis bad function", lambda f: f.hypothesis("system(x) > 0"), "system"),
    ("hypothesis bad alpha", lambda f: f.hypothesis("x > 0", alpha=2), "alpha"),
    ("one fit to compare", lambda f: criteria.loo_compare(f), "two fits"),
    ("unknown criterion", lambda f: criteria.loo_compare(f, f, criterion="bic"), "bic"),
    ("unknown ppc type", lambda f: f.pp_check("violin"), "violin"),
    ("unknown statistic", lambda f: f.pp_check("stat", stat="iqr"), "iqr"),
    ("bars of a continuous response", lambda f: f.pp_check("bars"), "continuous"),
    ("unknown effect", lambda f: f.conditional_effects("z"), "'z'"),
    ("unknown mcmc plot", lambda f: f.mcmc_plot("violin"), "violin"),
    ("unknown new-level method", lambda f: f.fitted(sample_new_levels="random"), "'old_levels'"),
    ("stat_2d with one statistic", lambda f: f.pp_check("stat_2d", stat="mean"), "two"),
    ("stat with two statistics", lambda f: f.pp_check("stat", stat=("mean", "sd")), "one"),
]


@pytest.mark.parametrize(("name", "call", "culprit"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_specific_error(gaussian_fit, name, call, culprit):
    with pytest.raises(SpecError) as info:
        call(gaussian_fit)
    assert isinstance(info.value, PybrmsError)
    assert culprit in str(info.value)


def test_fits_of_different_data_cannot_be_compared(gaussian_fit):
    fewer = load(SAVED_FITS["toolbox_fewer"])  # y ~ x + (1 | g) on the first 40 rows
    with pytest.raises(SpecError, match="same number of observations"):
        criteria.loo_compare(gaussian_fit, fewer)
