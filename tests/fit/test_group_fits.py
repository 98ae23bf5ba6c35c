"""Real fits of richer group-level terms (shared correlation IDs, gr(g, by = f)):
brms's output names in the summary, VarCorr and ranef, and new-level predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from model_cases import FAMILY_MODELS, synthetic_data

import pybrms as bm

pytestmark = [pytest.mark.stan, pytest.mark.filterwarnings("ignore::pybrms.SamplingWarning")]


def short_fit(case_id: str) -> bm.BrmsFit:
    """One short chain of a model case on the shared synthetic data (its program is the
    case's, compiled once for all its tests)."""
    case = next(c for c in FAMILY_MODELS if c.id == case_id)
    return bm.brm(
        case.formula,
        data=synthetic_data(),
        family=case.family,
        data2=case.data2,
        chains=1,
        iter=300,
        seed=1,
        show_progress=False,
    )


def test_fit_reports_the_shared_correlations():  # a short run, on purpose
    """A real fit of the shared model case (one compile, shared with its other tests):
    summary rows, VarCorr and ranef over mu and sigma, predictions for a new level."""
    fit = short_fit("gaussian_shared_id")
    table = fit.summary().group_level["~g (Number of levels: 4)"]
    assert list(table.index) == [
        "sd(Intercept)",
        "sd(x)",
        "sd(sigma_Intercept)",
        "cor(Intercept,x)",
        "cor(Intercept,sigma_Intercept)",
        "cor(x,sigma_Intercept)",
    ]
    varcorr = fit.VarCorr()["g"]
    assert list(varcorr["sd"].index) == ["Intercept", "x", "sigma_Intercept"]
    assert list(varcorr["cor"].columns.get_level_values(0).unique()) == [
        "Intercept",
        "x",
        "sigma_Intercept",
    ]
    effects = fit.ranef()["g"]
    assert list(effects.columns.get_level_values(0).unique()) == [
        "Intercept",
        "x",
        "sigma_Intercept",
    ]
    newdata = pd.DataFrame({"x": [0.5], "z": [0.0], "g": ["unseen"]})
    draws = fit.posterior_predict(newdata, allow_new_levels=True, sample_new_levels="gaussian")
    assert draws.shape == (150, 1) and np.isfinite(draws).all()


def test_fit_reports_sds_per_level_of_by():  # a short run, on purpose
    fit = short_fit("gaussian_by")
    table = fit.summary().group_level["~g (Number of levels: 4)"]
    assert list(table.index) == [
        "sd(Intercept:gba)",
        "sd(x:gba)",
        "sd(Intercept:gbb)",
        "sd(x:gbb)",
        "cor(Intercept:gba,x:gba)",
        "cor(Intercept:gbb,x:gbb)",
    ]
    varcorr = fit.VarCorr()["g"]
    assert list(varcorr["sd"].index) == ["Intercept:gba", "x:gba", "Intercept:gbb", "x:gbb"]
    # no correlation across levels of gb: brms's VarCorr shows 0
    across = varcorr["cor"].loc["Intercept:gba", ("x:gbb", "Estimate")]
    assert across == 0.0
    assert list(fit.ranef()["g"].columns.get_level_values(0).unique()) == ["Intercept", "x"]
    assert "cor_g__Intercept:gbb__x:gbb" in fit.to_inference_data().posterior
    newdata = pd.DataFrame({"x": [0.5, 0.5], "z": [0.0, 0.0], "g": ["u1", "u2"], "gb": ["a", "b"]})
    draws = fit.posterior_predict(newdata, allow_new_levels=True, sample_new_levels="gaussian")
    assert draws.shape == (150, 2) and np.isfinite(draws).all()


def test_fit_of_multi_membership_predicts_new_rows():  # a short run, on purpose
    """mm(): brms's names in the summary, and predictions for new rows equal to the
    weighted effects of each row's members read from the draws by name."""
    fit = short_fit("gaussian_mm")
    table = fit.summary().group_level["~mmm1stm2nd (Number of levels: 5)"]
    assert list(table.index) == ["sd(Intercept)", "sd(x)", "cor(Intercept,x)"]
    newdata = pd.DataFrame(
        {
            "x": [0.5, -1.0],
            "z": [0.0, 0.0],
            "m1st": ["g1", "g5"],
            "m2nd": ["g3", "g5"],
            "wm1": [1.0, 2.0],
            "wm2": [3.0, 2.0],
        }
    )
    draws = fit.draws_frame()

    def r(level: str, coef: str) -> np.ndarray:
        return draws[f"r_mmm1stm2nd[{level},{coef}]"].to_numpy()

    expected = np.stack(
        [
            draws["b_Intercept"] + 0.5 * draws["b_x"]
            + 0.25 * (r("g1", "Intercept") + 0.5 * r("g1", "x"))
            + 0.75 * (r("g3", "Intercept") + 0.5 * r("g3", "x")),
            draws["b_Intercept"] - draws["b_x"] + r("g5", "Intercept") - r("g5", "x"),
        ],
        axis=1,
    )  # fmt: skip
    np.testing.assert_allclose(fit.posterior_linpred(newdata), expected, rtol=1e-10)
    unseen = newdata.assign(m2nd=["g3", "g9"])
    draws = fit.posterior_predict(unseen, allow_new_levels=True, sample_new_levels="gaussian")
    assert draws.shape == (150, 2) and np.isfinite(draws).all()


def test_fit_of_student_effects_reports_df():  # a short run, on purpose
    fit = short_fit("gaussian_student_effects")
    table = fit.summary().group_level["~g (Number of levels: 4)"]
    assert list(table.index) == ["sd(Intercept)", "sd(x)", "cor(Intercept,x)", "df"]
    assert (fit.draws_frame()["df_g"] > 1).all()
    newdata = pd.DataFrame({"x": [0.5], "z": [0.0], "g": ["unseen"], "h": ["h1"]})
    draws = fit.posterior_predict(newdata, allow_new_levels=True, sample_new_levels="gaussian")
    assert draws.shape == (150, 1) and np.isfinite(draws).all()


def test_varying_monotonic_effects_in_ranef_and_coef():  # a short run, on purpose
    """mo() varying over g (the model case gaussian_mo_group): its sd in the summary, its
    effects in ranef, and in coef the population-level bsp_moord plus each level's
    effect, as brms's coef(); fixef lists moord, as brms's."""
    fit = short_fit("gaussian_mo_group")
    table = fit.summary().group_level["~g (Number of levels: 4)"]
    assert list(table.index) == ["sd(Intercept)", "sd(moord)", "cor(Intercept,moord)"]
    assert list(fit.fixef().index) == ["Intercept", "moord"]
    r = fit.ranef(summary=False)["g"]["moord"]
    combined = fit.coef(summary=False)["g"]["moord"]
    bsp = fit.fixef(summary=False)["moord"].to_numpy()[:, np.newaxis]
    np.testing.assert_allclose(np.asarray(combined), bsp + np.asarray(r))
