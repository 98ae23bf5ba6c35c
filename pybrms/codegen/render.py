"""Render the Stan program of a ModelSpec, plain or threaded, from one Jinja environment."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2

from pybrms.codegen.context import render_context
from pybrms.codegen.multivariate import render_mv_context
from pybrms.errors import SpecError, ToolchainError
from pybrms.scheduler import Threading
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec

__all__ = ["environment", "render", "template_dir"]


def template_dir() -> Path:
    """The folder of the Stan templates.

    A wheel carries them inside the package (``pybrms/templates``); an editable install
    or a source checkout reads the top-level ``templates/`` next to the package.

    Examples
    --------
    >>> (template_dir() / "program.stan.j2").is_file()
    True
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "program.stan.j2").is_file():
            return candidate
    raise ToolchainError(
        f"pybrms is installed without its Stan templates: neither {package / 'templates'} "
        f"nor {package.parent / 'templates'} holds program.stan.j2; reinstall pybrms"
    )


@cache
def environment() -> jinja2.Environment:
    """The one Jinja environment: package templates, StrictUndefined, trimmed blocks.

    Examples
    --------
    >>> environment().undefined is jinja2.StrictUndefined
    True
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.globals["zip"] = zip
    return env


def render(
    spec: ModelSpec | MvSpec, threading: Threading | None = None, *, normalize: bool = True
) -> str:
    """The Stan program for ``spec``.

    Parameters
    ----------
    spec
        The model, from :func:`pybrms.spec.build_spec`.
    threading
        None for the plain program. With a :class:`~pybrms.scheduler.Threading`
        (one thread included, so that the thread count can change without a
        recompile) the likelihood is a ``partial_log_lik`` summed with
        ``reduce_sum`` (``reduce_sum_static`` if ``threading.static``). Threads
        and grainsize are run-time settings and data, so they do not change the
        program.
    normalize
        As brms's ``normalize``: False writes the likelihood with ``_lupmf``/``_lupdf``
        so that it drops its constants (see
        :func:`pybrms.codegen.context.density_suffixes`).

    Returns
    -------
    str
        Stan code.

    Examples
    --------
    >>> import pandas as pd
    >>> from pybrms import threading
    >>> from pybrms.spec import build_spec
    >>> df = pd.DataFrame({"y": [1, 0, 3, 2], "x": [0.1, 0.5, 0.9, 1.3]})
    >>> spec = build_spec("y ~ x", df, family="poisson")
    >>> "reduce_sum(partial_log_lik_lpmf" in render(spec, threading(2))
    True
    >>> "partial_log_lik" in render(spec)
    False
    >>> "poisson_log_glm_lupmf" in render(spec, normalize=False)
    True
    """
    if isinstance(spec, MvSpec):
        static = threading is not None and threading.static
        context = render_mv_context(spec, static=static, normalize=normalize)
        name = "program_mv.stan.j2" if threading is None else "program_mv_threaded.stan.j2"
        return environment().get_template(name).render(context)
    if threading is None:
        context = render_context(spec, normalize=normalize)
        return environment().get_template("program.stan.j2").render(context)
    updates = [u for t in spec.terms if (u := t.mu_update()) is not None]
    if updates:
        # brms's stan_ac: "Threading is not supported for this ARMA model."
        raise SpecError(
            f"Threading is not supported for models with ARMA term {updates[0].term}, "
            "whose rows read the residuals of earlier rows (as brms); fit without threads."
        )
    context = render_context(spec, static=threading.static, normalize=normalize)
    return environment().get_template("program_threaded.stan.j2").render(context)
