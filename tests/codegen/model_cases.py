"""Shared model cases: every family with every term kind, on one synthetic data set.

Used by the codegen tests (render + stanc), the golden files and the
plain-vs-threaded log density tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pybrms.formula import bf, mvbf, nlf, set_rescor
from pybrms.priors import Priors, prior
from pybrms.spec import family, mixture


def with_point_masses(
    rng: np.random.Generator, values: np.ndarray, zeros: float, ones: float = 0.0
) -> np.ndarray:
    """``values`` with a share ``zeros`` of zeros and a share ``ones`` of ones."""
    u = rng.random(len(values))
    return np.select([u < zeros, u < zeros + ones], [0.0, 1.0], values)


def synthetic_data(n: int = 60, seed: int = 1) -> pd.DataFrame:
    """One data set with a response column for every family."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    trials = rng.integers(5, 15, size=n)
    df = pd.DataFrame(
        {
            "x": x,
            "z": rng.normal(size=n),
            "f": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
            "g": rng.choice(["g1", "g2", "g3", "g4"], size=n),
            "h": rng.choice(["h1", "h2"], size=n),
            "o": rng.uniform(0.0, 0.5, size=n),
            "w": rng.uniform(0.5, 2.0, size=n),
            "y": 1.0 + x + rng.normal(size=n),
            "count": rng.poisson(3.0, size=n),
            "bin": rng.integers(0, 2, size=n),
            "succ": rng.binomial(trials, 0.4),
            "n": trials,
            "pos": rng.gamma(2.0, 1.5, size=n),
            "prop": rng.beta(2.0, 3.0, size=n),
            "ord": rng.integers(1, 5, size=n),
            "ang": rng.vonmises(0.5, 2.0, size=n),
            "pos0": with_point_masses(rng, rng.gamma(2.0, 1.5, size=n), zeros=0.3),
            "prop0": with_point_masses(rng, rng.beta(2.0, 3.0, size=n), zeros=0.2),
            "prop01": with_point_masses(rng, rng.beta(2.0, 3.0, size=n), zeros=0.15, ones=0.1),
            # overdispersed successes: binomial counts leave beta_binomial's phi unbounded,
            # where its log density (Stan's and scipy's) loses all digits
            "bb": rng.binomial(trials, rng.beta(2.0, 3.0, size=n)),
        }
    )
    # columns of the addition terms se(), rate(), cens() and trunc()
    df["s"] = rng.uniform(0.2, 1.0, size=n)
    df["e"] = rng.uniform(0.5, 3.0, size=n)
    df["c3"] = rng.choice([-1, 0, 1], size=n)
    df["cr"] = rng.choice([False, True], size=n)
    df["c4"] = rng.choice(["left", "none", "right", "interval"], size=n)
    df["y2"] = df["y"] + rng.uniform(0.5, 2.0, size=n)
    df["tl"] = df["y"] - rng.uniform(0.0, 2.0, size=n)
    df["cp"] = np.maximum(df["count"], 1)
    df["cu"] = df["count"] + 2
    # time of the ARMA terms: decreasing, so that ordering by time matters
    df["t"] = np.arange(n, 0, -1)
    # a factor constant within each level of g, for gr(g, by = gb)
    df["gb"] = np.where(df["g"].isin(["g1", "g2"]), "a", "b")
    # a response of the rows where cr is true only, missing elsewhere (subset(cr))
    df["ys"] = df["y"].where(df["cr"])
    # an unordered categorical response (strings: categories in sorted order)
    df["cat"] = rng.choice(["a", "b", "c"], size=n)
    # a multinomial response: counts of three categories summing to the trials n
    counts = rng.multinomial(trials, [0.2, 0.3, 0.5])
    df["m1"], df["m2"], df["m3"] = counts.T
    # a dirichlet response: proportions of three categories summing to 1
    df["p1"], df["p2"], df["p3"] = rng.dirichlet([2.0, 3.0, 5.0], size=n).T
    # two-component responses for the mixtures, from the columns above (no new draws):
    # a second gaussian mode 6 above the first; overdispersed counts near 4 and
    # poisson counts near 28
    df["ymix"] = df["y"] + 6.0 * df["bin"]
    df["cmix"] = np.where(df["bin"] == 1, df["count"] + 25, df["bb"])
    # two memberships of each row, for mm(m1st, m2nd): the second among more levels
    # (the union of both is the grouping), with unequal weights
    df["m1st"] = rng.choice(["g1", "g2", "g3", "g4"], size=n)
    df["m2nd"] = rng.choice(["g2", "g3", "g4", "g5"], size=n)
    df["wm1"] = rng.uniform(0.2, 1.0, size=n)
    df["wm2"] = rng.uniform(0.2, 1.0, size=n)
    # responses missing in every fifth row, for mi() (no draws: the other columns stay)
    observed = np.arange(n) % 5 != 2
    df["ymi"] = df["y"].where(observed)
    df["posmi"] = df["pos"].where(observed)
    df["xmi"] = df["x"].where(np.arange(n) % 5 != 4)
    # a skewed response for exgaussian truncation (drawn last: the columns above stay);
    # Stan's exp_mod_normal_lcdf loses digits where beta / sigma is small, as on y
    df["exg"] = df["y"] + rng.exponential(1.0, size=n)
    # a few censored rows only (3 left, 3 right): beta_binomial's lcdf sums a
    # hypergeometric series at unit argument, slow in value and gradient
    rows = np.arange(n) % 20
    df["c3few"] = np.select([rows == 3, rows == 13], [-1, 1], 0)
    return df


@dataclass(frozen=True)
class Case:
    """A model: an id for test names, the formula, the family, user priors and brms's
    ``data2``."""

    id: str
    formula: Any
    family: Any
    prior: Priors | None = None
    data2: Mapping[str, Any] | None = None


# A known covariance between the levels of g (rows in another order than the levels):
# an exchangeable correlation, so that its Cholesky factor has elements of both signs
# after reordering
_G_LEVELS = ["g4", "g3", "g2", "g1"]
KNOWN_COV = pd.DataFrame(
    np.array(
        [[1.0, 0.5, 0.3, 0.1], [0.5, 1.0, 0.5, 0.3], [0.3, 0.5, 1.0, 0.5], [0.1, 0.3, 0.5, 1.0]]
    ),
    index=_G_LEVELS,
    columns=_G_LEVELS,
)


CASES: tuple[Case, ...] = (
    Case("gaussian_fixed_offset_cor", "y ~ x + f + offset(o) + (1 + x | g)", "gaussian"),
    Case(
        "gaussian_sigma_weights",
        bf("y | weights(w) ~ x + (1 | g)", sigma="~ z + (1 | h)"),
        "gaussian",
    ),
    Case("gaussian_intercept_only", "y ~ 1", "gaussian"),
    Case("gaussian_group_only", "y ~ 0 + (1 | g) + offset(o)", "gaussian"),
    Case("student_uncorrelated", "y ~ x + (1 + x || g)", "student"),
    Case("poisson_interaction_nested", "count ~ x * f + (1 | g/h)", "poisson"),
    Case("poisson_no_intercept", "count ~ 0 + x + f + (0 + x | g) + offset(o)", "poisson"),
    Case("negbinomial_weights", "count | weights(w) ~ x + (1 | g) + (1 | h)", "negbinomial"),
    Case(
        "negbinomial_identity_shape",
        bf("count ~ x", shape="~ z"),
        family("negbinomial", link="identity"),
    ),
    Case("bernoulli_slopes", "bin ~ x + (1 + x + z | g)", "bernoulli"),
    Case("binomial_trials", "succ | trials(n) ~ x + (1 | g:h)", "binomial"),
    Case("lognormal_sigma", bf("pos ~ x + (1 | g)", sigma="~ x"), "lognormal"),
    Case("gamma_inverse", "pos ~ x + (1 | g)", "Gamma"),
    Case("gamma_log_weights", "pos | weights(w) ~ x + (1 | g)", family("Gamma", link="log")),
    Case("beta_phi", bf("prop ~ x + (1 | g)", phi="~ z"), "beta"),
    Case("cumulative_logit", "ord ~ x + f + (1 | g)", "cumulative"),
    Case(
        "cumulative_probit_weights",
        "ord | weights(w) ~ 1 + (1 | g)",
        family("cumulative", link="probit"),
    ),
    Case("zero_inflated_poisson_zi", bf("count ~ x + (1 | g)", zi="~ z"), "zero_inflated_poisson"),
    Case(
        "hurdle_poisson_identity",
        "count | weights(w) ~ x",
        family("hurdle_poisson", link="identity"),
    ),
    Case("zero_inflated_negbinomial_group", "count ~ x + (1 | g)", "zero_inflated_negbinomial"),
    Case("hurdle_negbinomial_hu", bf("count ~ x", hu="~ z + (1 | g)"), "hurdle_negbinomial"),
    Case("exponential_weights", "pos | weights(w) ~ x + (1 | g)", "exponential"),
    Case("weibull_shape", bf("pos ~ x", shape="~ z"), family("weibull", link="identity")),
    Case("skew_normal_sigma", bf("y ~ x + (1 | g)", sigma="~ z"), "skew_normal"),
    Case("skew_normal_alpha_weights", bf("y | weights(w) ~ x", alpha="~ z"), "skew_normal"),
    Case("shifted_lognormal_ndt", bf("pos ~ x + (1 | g)", ndt="~ z"), "shifted_lognormal"),
    Case("poisson_monotonic_offset", "count ~ mo(ord) + offset(o)", "poisson"),
    Case("cumulative_disc_group", bf("ord ~ x + (1 | g)", disc="~ 0 + z"), "cumulative"),
    Case(
        "cumulative_cloglog_weights", "ord | weights(w) ~ x", family("cumulative", link="cloglog")
    ),
    Case("sratio_logit", "ord ~ x + f + (1 | g)", "sratio"),
    Case("sratio_cauchit_disc", bf("ord ~ x", disc="~ 0 + z"), family("sratio", link="cauchit")),
    Case(
        "cratio_probit_weights", "ord | weights(w) ~ x + (1 | g)", family("cratio", link="probit")
    ),
    Case("cratio_cloglog", "ord ~ x", family("cratio", link="cloglog")),
    Case("acat_logit_disc", bf("ord ~ x + (1 | g)", disc="~ 0 + z"), "acat"),
    Case("acat_probit", "ord ~ x", family("acat", link="probit")),
    Case("exgaussian_beta", bf("y ~ x + (1 | g)", beta="~ z"), "exgaussian"),
    Case("exgaussian_weights", "y | weights(w) ~ x", "exgaussian"),
    Case("frechet_nu", bf("pos ~ x + (1 | g)", nu="~ z"), "frechet"),
    Case("von_mises_kappa", bf("ang ~ x + (1 | g)", kappa="~ z"), "von_mises"),
    Case(
        "von_mises_identity_weights", "ang | weights(w) ~ x", family("von_mises", link="identity")
    ),
    Case(
        "zero_inflated_binomial_probit_weights",
        "succ | trials(n) + weights(w) ~ x + (1 | g)",
        family("zero_inflated_binomial", link="probit"),
    ),
    Case("zero_inflated_beta_zi", bf("prop0 ~ x", zi="~ z + (1 | g)"), "zero_inflated_beta"),
    Case(
        "zero_one_inflated_beta_coi",
        bf("prop01 ~ x + (1 | g)", coi="~ z"),
        family("zero_one_inflated_beta", link="cloglog"),
    ),
    Case(
        "hurdle_gamma_inverse_shape",
        bf("pos0 ~ x", shape="~ z"),
        family("hurdle_gamma", link="inverse"),
    ),
    Case("hurdle_lognormal_hu", bf("pos0 ~ x + (1 | g)", hu="~ z"), "hurdle_lognormal"),
    Case("beta_binomial_weights", "bb | trials(n) + weights(w) ~ x + (1 | g)", "beta_binomial"),
    Case("beta_binomial_scalar_phi", "bb | trials(n) ~ x", family("beta_binomial", link="probit")),
    Case("geometric_sqrt", "count ~ x + (1 | g)", family("geometric", link="sqrt")),
    Case(
        "gaussian_smooths",
        bf("y ~ x + s(z, k = 5) + (1 | g)", sigma="~ t2(x, z, k = 4)"),
        "gaussian",
    ),
    Case("gaussian_gp_two", "y ~ x + gp(z) + gp(x, k = 10)", "gaussian"),
    Case(
        "poisson_gp_2d_by",
        "count ~ gp(x, z, k = 4, iso = FALSE, c = c(1.2, 1.5)) + gp(o, by = w, gr = FALSE)",
        "poisson",
    ),
    # a correlation ID shared within mu (two terms) and with sigma; (1 | h) numbered after it
    Case(
        "gaussian_shared_id_within",
        bf("y ~ x + (1 | p | g) + (0 + x | p | g) + (1 | h)", sigma="~ z + (1 | p | g)"),
        "gaussian",
    ),
    # sds per level of a by factor, uncorrelated
    Case("poisson_by_uncorrelated", "count ~ x + (1 + x || gr(g, by = gb))", "poisson"),
    # categorical: Stan's GLM function (one design for all categories), and the
    # density per row with group-level terms, weights and a category's own formula
    Case("categorical_glm", "cat ~ x + f", "categorical"),
    Case("categorical_weights_muc", bf("cat | weights(w) ~ x + (1 | g)", muc="~ z"), "categorical"),
    Case(
        "multinomial_weights",
        "cbind(m1, m2, m3) | trials(n) + weights(w) ~ x + (1 | g)",
        "multinomial",
    ),
    Case("dirichlet_weights", "cbind(p1, p2, p3) | weights(w) ~ x + (1 | g)", "dirichlet"),
    Case("poisson_mm", "count ~ x + (1 | mm(m1st, m2nd)) + (1 | g)", "poisson"),
    Case("poisson_student_effects", "count ~ x + (1 + x || gr(g, dist = 'student'))", "poisson"),
    Case(
        "poisson_known_cov", "count ~ x + (1 | gr(g, cov = A))", "poisson", data2={"A": KNOWN_COV}
    ),
    # xi scaled from mu and sigma of all rows (brms's tmp_xi), and xi with a formula
    Case(
        "gen_extreme_value_scaled_xi_cens",
        "y | weights(w) + cens(c3) ~ x + (1 | g)",
        "gen_extreme_value",
    ),
    Case("gen_extreme_value_xi", bf("y | weights(w) ~ x", xi="~ z"), "gen_extreme_value"),
    # a reference category other than the first: row by row and Stan's GLM function
    Case(
        "categorical_refcat", bf("cat ~ x + (1 | g)", mua="~ z"), family("categorical", refcat="b")
    ),
    Case("categorical_glm_refcat", "cat ~ x + f", family("categorical", refcat="c")),
    Case(
        "multinomial_refcat",
        "cbind(m1, m2, m3) | trials(n) ~ x",
        family("multinomial", refcat="m3"),
    ),
    # a formula for student's nu (logm1 link)
    Case("student_nu_group", bf("y ~ x + (1 | g)", nu="~ z"), "student"),
    # parameters fixed by the formula: brms's general cumulative density for disc = 2
    Case("gaussian_fixed_sigma", bf("y | weights(w) ~ x + (1 | g)", sigma=1.5), "gaussian"),
    Case("cumulative_fixed_disc", bf("ord ~ x", disc=2), "cumulative"),
    Case("gen_extreme_value_fixed_sigma_x", bf("y ~ x", sigma=1.5), "gen_extreme_value"),
    # category-specific effects: a factor and a numeric variable next to a group-level
    # term and a predicted disc, and alone with a bounded user prior on b
    Case(
        "cratio_cs_disc",
        bf("ord ~ x + cs(z + f) + (1 | g)", disc="~ 0 + x"),
        family("cratio", link="probit"),
    ),
    Case("acat_cs_only", "ord ~ cs(z)", "acat", prior("normal(0, 2)", lb=-5)),
    # a noise-free predictor next to a group-level term, with priors on meanme and sdme
    Case(
        "poisson_me",
        "count ~ x + me(z, s) + (1 | g)",
        "poisson",
        prior("normal(0, 1)", class_="meanme") + prior("normal(0, 1)", class_="sdme"),
    ),
    # interactions of mo(): with a covariate (Csp_1) in mu, with another mo() in sigma
    Case(
        "gaussian_mo_interactions",
        bf("y ~ mo(ord) * z + (1 | g)", sigma="~ mo(ord):mo(bin)"),
        "gaussian",
        prior("dirichlet(2)", class_="simo", coef="moord:z1"),
    ),
    # smooth options: a thin plate penalty of order 1 (no unpenalized column) and an
    # unpenalized smooth (columns in Xs only, no sds)
    Case("gaussian_smooth_options", "y ~ s(x, m = 1) + s(z, k = 5, fx = TRUE)", "gaussian"),
    # mo() calls sharing one simplex by id (simo_2 = simo_1), in mu and in sigma
    Case(
        "gaussian_mo_id",
        bf("y ~ mo(ord, id = 'a') + mo(ord, id = 'a'):z", sigma="~ mo(ord, id = 'b'):x"),
        "gaussian",
    ),
)


# One model per family combining its term kinds, and one per way the likelihood
# is written (GLM function, vectorized density, loop over weighted rows; sliced
# response, level index or seq), for the compiled plain-versus-threaded log
# density test (each costs two compiles).
FAMILY_MODELS: tuple[Case, ...] = (
    Case(
        "gaussian",
        bf("y | weights(w) ~ x + f + offset(o) + (1 + x | g)", sigma="~ z + (1 | h)"),
        "gaussian",
    ),
    Case(
        "gaussian_glm",
        bf("y ~ x + f + offset(o) + (1 + x | g)", sigma="~ z + (1 | h)"),
        "gaussian",
    ),
    Case("gaussian_seq", bf("y ~ 1", sigma="~ x"), "gaussian"),
    Case("student", "y ~ x + (1 + x || g) + (1 | g:h)", "student"),
    Case("poisson", "count ~ x * f + (1 | g/h) + offset(o)", "poisson"),
    Case("negbinomial", bf("count | weights(w) ~ x + (1 | g)", shape="~ z"), "negbinomial"),
    Case("negbinomial_glm", "count ~ x + (1 | g) + offset(o)", "negbinomial"),
    Case("bernoulli", "bin ~ x + (1 + x + z | g)", "bernoulli"),
    Case("binomial", "succ | trials(n) ~ x + (1 | g:h)", "binomial"),
    Case("lognormal", bf("pos ~ x + (1 | g)", sigma="~ x"), "lognormal"),
    Case("gamma", "pos | weights(w) ~ x + (1 | g)", family("Gamma", link="log")),
    Case("beta", bf("prop ~ x + (1 | g)", phi="~ z"), "beta"),
    Case("cumulative", "ord | weights(w) ~ x + f + (1 | g)", "cumulative"),
    Case("cumulative_glm", "ord ~ x + f", "cumulative"),
    Case(
        "zero_inflated_poisson",
        bf("count ~ x + (1 | g) + offset(o)", zi="~ z"),
        "zero_inflated_poisson",
    ),
    Case("hurdle_poisson", "count | weights(w) ~ x + (1 | g)", "hurdle_poisson"),
    Case("zero_inflated_negbinomial", bf("count ~ x", shape="~ z"), "zero_inflated_negbinomial"),
    Case("hurdle_negbinomial", bf("count ~ x + (1 | g)", hu="~ z"), "hurdle_negbinomial"),
    Case("exponential", "pos ~ x + (1 | g) + offset(o)", "exponential"),
    # a scalar shape: with shape ~ z a short chain can stick where shape is tiny
    Case("weibull", "pos | weights(w) ~ x + (1 | g)", "weibull"),
    Case("skew_normal", bf("y ~ x + (1 | g)", sigma="~ z", alpha="~ x"), "skew_normal"),
    Case(
        "shifted_lognormal", bf("pos | weights(w) ~ x + (1 | g)", sigma="~ z"), "shifted_lognormal"
    ),
    # monotonic effects in mu (GLM likelihood, intercept folded into (1 | g)) and in
    # sigma (log link applied after the loop over rows), with a user dirichlet prior
    Case(
        "gaussian_monotonic",
        bf("y ~ x + mo(ord) + (1 | g)", sigma="~ mo(ord)"),
        "gaussian",
        prior("dirichlet(2)", class_="simo", coef="moord1"),
    ),
    Case("cumulative_disc", bf("ord | weights(w) ~ x + (1 | g)", disc="~ 0 + z"), "cumulative"),
    Case("cumulative_cauchit", "ord ~ x + f", family("cumulative", link="cauchit")),
    Case("sratio", bf("ord ~ x + (1 | g)", disc="~ 0 + z"), "sratio"),
    Case("sratio_cloglog", "ord | weights(w) ~ x", family("sratio", link="cloglog")),
    Case("cratio", "ord ~ x + f + (1 | g)", family("cratio", link="probit")),
    Case("cratio_cauchit", bf("ord ~ x", disc="~ 0 + z"), family("cratio", link="cauchit")),
    Case("acat", bf("ord ~ x + (1 | g)", disc="~ 0 + z"), "acat"),
    Case("acat_cloglog", "ord | weights(w) ~ x", family("acat", link="cloglog")),
    Case("exgaussian", bf("y | weights(w) ~ x + (1 | g)", beta="~ z"), "exgaussian"),
    Case("frechet", bf("pos ~ x + (1 | g)", nu="~ z"), "frechet"),
    Case("von_mises", bf("ang ~ x + (1 | g)", kappa="~ z"), "von_mises"),
    Case(
        "zero_inflated_binomial",
        bf("succ | trials(n) ~ x + (1 | g)", zi="~ z"),
        "zero_inflated_binomial",
    ),
    Case(
        "zero_inflated_beta",
        bf("prop0 | weights(w) ~ x + (1 | g)", phi="~ z"),
        "zero_inflated_beta",
    ),
    Case(
        "zero_one_inflated_beta",
        bf("prop01 ~ x + (1 | g)", zoi="~ z", coi="~ 1"),
        "zero_one_inflated_beta",
    ),
    Case("hurdle_gamma", bf("pos0 ~ x + (1 | g)", hu="~ z"), "hurdle_gamma"),
    # a scalar sigma: the mean of predictions is then compared with a sd that the
    # lognormal tails do not make unreliable
    Case("hurdle_lognormal", bf("pos0 | weights(w) ~ x", hu="~ z"), "hurdle_lognormal"),
    Case("beta_binomial", bf("bb | trials(n) ~ x + (1 | g)", phi="~ z"), "beta_binomial"),
    Case("geometric", "count ~ x + (1 | g) + offset(o)", "geometric"),
    # smooths: one per level of a factor by, one in sigma (which has no other term)
    Case(
        "gaussian_smooth_by",
        bf("y ~ x + s(z, k = 5) + s(x, by = f, k = 4) + (1 | g)", sigma="~ s(z, k = 4)"),
        "gaussian",
    ),
    # Gaussian processes in mu (exact, at the 4 distinct values of ord, intercept folded
    # into it; exact, one per level of the factor f) and in sigma (approximate, two
    # dimensions, one per level of f; numeric by): computed outside partial_log_lik. The
    # exact GPs have few, distant points: at many close points their Cholesky factors
    # amplify the 6 digits of the CSV draws beyond these tolerances.
    Case(
        "gaussian_gp",
        bf(
            "y ~ x + gp(ord) + gp(ord, by = f) + (1 | g)",
            sigma="~ gp(x, o, by = f, k = 4, iso = FALSE) + gp(z, by = w, k = 5)",
        ),
        "gaussian",
    ),
    # non-linear: two nlpars (a group effect and a slope on one), a covariate, and a
    # non-linear sigma (nlf) with its own nlpar and covariate
    Case(
        "gaussian_nonlinear",
        bf(
            "y ~ a * exp(b * z)",
            "a ~ 1 + x + (1 | g)",
            "b ~ 1",
            nlf("sigma ~ s * w"),
            "s ~ 1",
            nl=True,
        ),
        "gaussian",
        prior("normal(1, 2)", nlpar="a") + prior("normal(0, 1)", nlpar="b"),
    ),
    # one correlation matrix over the effects of g in mu and in sigma, (1 | p | g)
    Case(
        "gaussian_shared_id", bf("y ~ x + (1 + x | p | g)", sigma="~ z + (1 | p | g)"), "gaussian"
    ),
    # sds and correlations per level of gb: gr(g, by = gb)
    Case("gaussian_by", bf("y ~ x + (1 + x | gr(g, by = gb))", sigma="~ z"), "gaussian"),
    Case("categorical_glm", "cat ~ x + f", "categorical"),
    Case("categorical", bf("cat ~ x + (1 | g)", muc="~ z"), "categorical"),
    Case(
        "multinomial", bf("cbind(m1, m2, m3) | trials(n) ~ x + (1 | g)", mum3="~ z"), "multinomial"
    ),
    Case("dirichlet", bf("cbind(p1, p2, p3) ~ x + (1 | g)", phi="~ z"), "dirichlet"),
    # multi-membership: correlated effects summed over two memberships with weights
    Case(
        "gaussian_mm",
        bf("y ~ x + (1 + x | mm(m1st, m2nd, weights = cbind(wm1, wm2)))", sigma="~ z"),
        "gaussian",
    ),
    # a known covariance between the levels of g: correlated effects (scale_r_cor_cov)
    Case(
        "gaussian_known_cov",
        bf("y ~ x + (1 + x | gr(g, cov = A))", sigma="~ z"),
        "gaussian",
        data2={"A": KNOWN_COV},
    ),
    # student-t group-level effects: correlated (scaled matrix) and single (scaled vector)
    Case(
        "gaussian_student_effects",
        bf(
            "y ~ x + (1 + x | gr(g, dist = 'student')) + (1 | gr(h, dist = 'student'))",
            sigma="~ z",
        ),
        "gaussian",
    ),
    # xi scaled from the linear predictors of all rows (sigma's too), computed outside
    # partial_log_lik; the structure of the recovery case
    Case("gen_extreme_value", bf("y ~ x + (1 | g)", sigma="~ z"), "gen_extreme_value"),
    # nu with a formula (logm1 link) next to a scalar sigma; normal data leave nu
    # unbounded above, so its slope needs a proper prior
    Case(
        "student_nu",
        bf("y ~ x + (1 | g)", nu="~ z"),
        "student",
        prior("normal(0, 1)", class_="b", dpar="nu"),
    ),
    # category-specific effects: mucs = Xcs * bcs subtracted from the thresholds
    Case("sratio_cs", "ord ~ x + cs(z)", "sratio"),
    # a noise-free predictor: bsp * Xme_1[n] row by row, x ~ normal(Xme_1, s) outside
    # the likelihood; proper priors on the latent mean and sd
    Case(
        "gaussian_me",
        "y ~ z + me(x, s)",
        "gaussian",
        prior("normal(0, 2)", class_="meanme") + prior("normal(0, 2)", class_="sdme"),
    ),
    # interactions of mo(): bsp[j] * mo(simo_k, Xmo_k[n]) * Csp_c[n] and the product of
    # two mo(); the structure of the recovery case
    Case("gaussian_mo_products", "y ~ mo(ord) * x + mo(ord):mo(bin)", "gaussian"),
    # mo() varying over a grouping: (bsp[1] + r_1_2[J_1[n]]) * mo(simo_1, Xmo_1[n]); the
    # structure of the recovery case
    Case("gaussian_mo_group", "y ~ mo(ord) + (1 + mo(ord) | g)", "gaussian"),
    # an interaction of mo() varying over g next to a varying design column (mo(ord)
    # written first, as brms names the population-level term), and mo() of sigma
    # varying alone over h (no Z for either)
    Case(
        "gaussian_mo_group_interaction",
        bf("y ~ mo(ord) * z + (1 + mo(ord):z + z | g)", sigma="~ mo(bin) + (0 + mo(bin) | h)"),
        "gaussian",
    ),
    # a categorical covariate of mo(): one special term per contrast of f (Csp_1, Csp_2
    # the indicators of b and c), each with its own simplex; the structure of the
    # recovery case
    Case("gaussian_mo_factor", "y ~ mo(ord) * f", "gaussian"),
)


# constant() priors fixing part of b (mu and sigma) and of sd, for the compiled
# plain-versus-threaded test and the fit whose b_x draws all equal 0.5.
CONSTANT_MODEL = Case(
    "gaussian_constants",
    bf("y ~ x + z + (1 + x | g)", sigma="~ z"),
    "gaussian",
    prior("normal(0, 2)")
    + prior("constant(0.5)", coef="x")
    + prior("constant(0.2)", dpar="sigma")
    + prior("constant(1)", class_="sd", group="g", coef="x"),
)


# Addition terms se(), rate(), cens() and trunc(), alone and with weights() and
# trials(), one per way the likelihood is written: se replacing or joining sigma,
# log_denom added to a log-link predictor or denom scaling mu (and shape),
# censoring vectorized over index sets or in a loop with interval censoring,
# truncation with per-row and constant bounds (discrete: from lb - 1).
ADDITION_MODELS: tuple[Case, ...] = (
    Case("gaussian_se", "y | se(s) ~ x + (1 | g)", "gaussian"),
    Case(
        "student_se_sigma_weights",
        bf("y | se(s, sigma = TRUE) + weights(w) ~ x", sigma="~ z"),
        "student",
    ),
    Case("poisson_rate", "count | rate(e) ~ x + (1 | g)", "poisson"),
    Case("negbinomial_rate_cens", "count | rate(e) + cens(c3) ~ x", "negbinomial"),
    Case("weibull_right_cens", "pos | cens(cr) ~ x + (1 | g)", "weibull"),
    Case("gaussian_interval_cens", "y | cens(c4, y2) ~ x", "gaussian"),
    Case("gaussian_trunc", "y | trunc(lb = tl, ub = 8) ~ x + (1 | g)", "gaussian"),
    Case("poisson_trunc_weights", "cp | trunc(1, 15) + weights(w) ~ x", "poisson"),
    # right censoring with a lower bound: brms's lccdf(y) - lccdf(lb) is a probability
    # (with an upper bound, lccdf(y) - lcdf(ub) is not, and random data make the
    # posterior improper)
    Case("lognormal_cens_trunc", "pos | cens(cr) + trunc(lb = 0.05) ~ x", "lognormal"),
    Case("binomial_cens", "succ | trials(n) + cens(c3) ~ x", "binomial"),
    # missing responses estimated, brms's Ymi and Yl: through the GLM function, in a
    # vectorized density next to a group-level term (no level slicing: Yl is no data),
    # and row by row with weights, positive (Ymi declared <lower=0>)
    Case("gaussian_mi", "ymi | mi() ~ x", "gaussian"),
    Case("student_mi_sigma", bf("ymi | mi() ~ x + (1 | g)", sigma="~ z"), "student"),
    Case("lognormal_mi_weights", "posmi | mi() + weights(w) ~ x", "lognormal"),
    # zero-inflated and hurdle families: brms's lcdf/lccdf functions (a truncation's
    # lb - 1 below zero leaves all the mass above it)
    Case("zero_inflated_poisson_cens", "count | cens(c3) ~ x", "zero_inflated_poisson"),
    Case("hurdle_negbinomial_trunc", "count | trunc(lb = 0, ub = cu) ~ x", "hurdle_negbinomial"),
    Case("hurdle_gamma_cens", bf("pos0 | cens(cr) ~ x", hu="~ z"), "hurdle_gamma"),
    # Stan's cdfs of exp_mod_normal, frechet and beta_binomial
    Case("exgaussian_cens", "y | cens(c4, y2) ~ x", "exgaussian"),
    Case("frechet_cens", "pos | cens(cr) ~ x", "frechet"),
    Case("beta_binomial_cens", "bb | trials(n) + cens(c3few) ~ x", "beta_binomial"),
    # geometric: neg_binomial_2's cdfs with the shape fixed at 1
    Case("geometric_trunc", "count | trunc(ub = cu) ~ x", "geometric"),
    Case("geometric_cens", "count | cens(c3) ~ x", "geometric"),
    # exgaussian's quantiles solved on whole arrays (truncated predictions and means)
    Case("exgaussian_trunc", "exg | trunc(lb = tl, ub = 12) ~ x", "exgaussian"),
    # mixtures censored and truncated component by component, as brms (interval
    # censoring on y: brms's log_diff_exp of two lcdfs is -inf at points whose intervals
    # lie far in a component's upper tail, as the second mode of ymix does)
    Case("mixture_gaussian_cens", "y | cens(c4, y2) ~ x", mixture("gaussian", "gaussian")),
    Case(
        "mixture_poisson_negbinomial_trunc",
        "cmix | trunc(ub = 40) ~ 1",
        mixture("poisson", "negbinomial", order="mu"),
    ),
)


# Shrinkage priors on class b: horseshoe with par_ratio scaled by sigma (GLM
# likelihood), R2D2 on mu and on the predictor of sigma (no autoscaling there),
# horseshoe without sigma next to group-level effects and an offset, and R2D2 on
# the coefficients of an ordinal model (no intercept column).
SHRINKAGE_MODELS: tuple[Case, ...] = (
    Case("gaussian_horseshoe", "y ~ x + z + f", "gaussian", prior("horseshoe(3, par_ratio = 0.5)")),
    Case(
        "gaussian_r2d2_sigma",
        bf("y ~ x + z + (1 | g)", sigma="~ x + z"),
        "gaussian",
        prior("R2D2(mean_R2 = 0.5, prec_R2 = 2)")
        + prior("R2D2(0.3, 4, cons_D2 = 1)", dpar="sigma"),
    ),
    Case(
        "poisson_horseshoe",
        "count ~ x + z + f + (1 | g) + offset(o)",
        "poisson",
        prior("horseshoe(1, scale_global = 0.5, autoscale = FALSE)"),
    ),
    Case("cumulative_r2d2", "ord ~ x + z + f", "cumulative", prior("R2D2()")),
)


# ARMA autocorrelation (brms's cov = FALSE): AR(2) in time within groups, ARMA(1, 1)
# over the row order within groups next to a group-level effect, and MA(2) over all rows.
# brms refuses threading for these, so they have no threaded program.
AC_MODELS: tuple[Case, ...] = (
    Case("gaussian_ar2_time_gr", "y ~ x + ar(t, g, p = 2)", "gaussian"),
    Case("student_arma_gr", "y ~ x + (1 | h) + arma(gr = g, p = 1, q = 1)", "student"),
    Case("gaussian_ma2", "y ~ x + ma(q = 2)", "gaussian"),
)

# Finite mixtures of two-mode responses, each component identified by ordered
# intercepts (an unused component wanders over its prior, and a sigma predicted from
# a covariate can collapse onto a few rows: their draws lose the digits the tests
# compare): two gaussians (weights, a group-level term, sigma2 and the log-odds theta2
# predicted), and a poisson with a negbinomial (order set for different families, the
# simplex theta, the response sliced; intercepts only, so that the ordering bounds
# the poisson's mean should the negbinomial take both modes).
MIXTURE_MODELS: tuple[Case, ...] = (
    Case(
        "mixture_gaussian",
        bf("ymix | weights(w) ~ x + (1 | g)", sigma2="~ 1", theta2="~ x"),
        mixture("gaussian", "gaussian"),
    ),
    Case(
        "mixture_poisson_negbinomial",
        "cmix ~ 1",
        mixture("poisson", "negbinomial", order="mu"),
    ),
)
FAMILY_MODELS = FAMILY_MODELS + MIXTURE_MODELS

# Multivariate models: two gaussian responses with residual correlations and one
# correlation matrix across their group-level terms (1 | p | g); a gaussian and a
# poisson response without residual correlations, one with a group-level term; two
# student responses with residual correlations and one shared nu, the first with its
# sigma predicted (each row its own residual covariance, as brms).
MV_MODELS: tuple[Case, ...] = (
    Case("mv_gaussian_rescor", mvbf("mvbind(y, y2) ~ x + (1 | p | g)"), "gaussian"),
    Case(
        "mv_gaussian_poisson",
        bf("y ~ x") + bf("count ~ z + (1 | g)") + set_rescor(False),
        ("gaussian", "poisson"),
    ),
    Case(
        "mv_student_rescor",
        bf("y ~ x", sigma="~ z") + bf("y2 ~ x") + set_rescor(True),
        "student",
    ),
)

# Parameters fixed by the formula, brms's bf(y ~ x, theta1 = 1, theta2 = 2): mixing
# proportions (scaled to sum to 1) and a component's sigma; sigma of gen_extreme_value,
# read by the bounds of xi too.
FIXED_MODELS: tuple[Case, ...] = (
    Case(
        "mixture_fixed_theta_sigma",
        bf("ymix ~ x + (1 | g)", theta1=1, theta2=2, sigma2=1.0),
        mixture("gaussian", "gaussian"),
    ),
    Case("gen_extreme_value_fixed_sigma", bf("y ~ x + (1 | g)", sigma=1.5), "gen_extreme_value"),
)

# Threaded programs that slice the levels of their one group-level effect (see
# pybrms.codegen.context.ByLevel) with a Gaussian process as that effect: its latent
# points are the levels, with a numeric `by` as the effect's weight.
LEVEL_MODELS: tuple[Case, ...] = (
    Case("gp_one", "y ~ x + gp(z, k = 8)", "gaussian"),
    Case("gp_exact_by", "count ~ gp(x, by = w, gr = FALSE)", "poisson"),
)

# Predictors with missing values estimated, brms's mi(x) with the model of x: a
# gaussian response on mi(xmi) * z (bsp_y[1] * Yl_xmi[n] + bsp_y[2] * Yl_xmi[n] *
# Csp_y_1[n] row by row), and a student response with missing values of its own on
# mi(xmi) next to a group-level term.
MISSING_MODELS: tuple[Case, ...] = (
    Case(
        "mv_gaussian_mi_predictor",
        bf("y ~ mi(xmi) * z") + bf("xmi | mi() ~ z") + set_rescor(False),
        "gaussian",
    ),
    Case(
        "mv_student_mi_both",
        bf("ymi | mi() ~ mi(xmi) + (1 | g)") + bf("xmi | mi() ~ z") + set_rescor(False),
        ("student", "gaussian"),
    ),
)


# subset(): the gaussian response on the rows where cr is true (missing elsewhere), the
# poisson one on all rows; the grouping g is that of all rows, its effects correlated
# across the responses (one ID, each response's level index over its own rows), and a
# multi-membership grouping on the rows of the subset. Threaded: one partial sum per
# response over its own rows.
SUBSET_MODELS: tuple[Case, ...] = (
    Case(
        "mv_subset",
        bf("ys | subset(cr) ~ x + (1 | p | g) + (1 | mm(m1st, m2nd))")
        + bf("count ~ z + (1 | p | g)")
        + set_rescor(False),
        ("gaussian", "poisson"),
    ),
)

# Time-series covariance structures (brms's normal_time_hom / student_t_time_het): the
# compound symmetry cosy() and an AR(1) with cov = TRUE within the series of g in time t,
# and an ARMA(1, 1) with cov = TRUE next to a group-level term with sigma predicted (the
# heterogeneous density). Threaded programs slice the series.
TIME_COV_MODELS: tuple[Case, ...] = (
    Case("gaussian_cosy", "y ~ x + cosy(t, g)", "gaussian"),
    Case("gaussian_ar_cov", "y ~ x + ar(t, g, cov = TRUE)", "gaussian"),
    Case(
        "student_arma_cov_sigma",
        bf("y ~ x + (1 | h) + arma(t, g, cov = TRUE)", sigma="~ z"),
        "student",
    ),
)
