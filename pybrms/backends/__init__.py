"""Stan backends behind one interface: ``compile_model(code) -> CompiledModel``.

* ``embedded`` (default): pybrms's own driver around ``stan::services``, built with
  the toolchain shipped in the httpstan wheel; needs only ``pip install``.
* ``cmdstanpy``: used when a CmdStan installation is present.
* ``nutpie``: nutpie's NUTS on the model's gradient from a shared library built
  with the embedded toolchain (optional: ``pip install 'pybrms[nutpie]'``).

``backend="auto"`` picks cmdstanpy when CmdStan is installed and embedded otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pybrms.backends.base import Backend, CompiledModel, LogProb
from pybrms.backends.cmdstanpy import CmdStanPyBackend, cmdstan_available
from pybrms.backends.embedded import EmbeddedBackend
from pybrms.backends.nutpie import NutpieBackend
from pybrms.backends.sample_args import SampleArgs
from pybrms.errors import SettingsError

BackendName = Literal["auto", "embedded", "cmdstanpy", "nutpie"]

BACKENDS: dict[str, type] = {
    "embedded": EmbeddedBackend,
    "cmdstanpy": CmdStanPyBackend,
    "nutpie": NutpieBackend,
}


def get_backend(name: BackendName = "auto") -> Backend:
    """Return the backend called ``name``.

    Examples
    --------
    >>> get_backend("embedded").name
    'embedded'
    """
    if name == "auto":
        name = "cmdstanpy" if cmdstan_available() else "embedded"
    try:
        return BACKENDS[name]()
    except KeyError:
        raise SettingsError(
            f"unknown backend {name!r}; choose one of 'auto', {', '.join(map(repr, BACKENDS))}"
        ) from None


def check_sample_args(backend: BackendName, args: SampleArgs) -> None:
    """Raise if ``backend`` cannot honour ``args``; called before anything compiles.

    Examples
    --------
    >>> from pybrms.backends.sample_args import make_sample_args
    >>> args = make_sample_args(chains=2, threads=1, seed=1, iter_warmup=10,
    ...     iter_sampling=10, thin=1, adapt_delta=0.8, max_treedepth=10, init=None,
    ...     step_size=None, inv_metric=None, adapt_engaged=True, save_warmup=False,
    ...     parallel="processes")
    >>> check_sample_args("embedded", args)
    >>> check_sample_args("nutpie", args)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pybrms.errors.SettingsError: backend='nutpie' runs chains as threads of one process: ...
    """
    check = getattr(get_backend(backend), "check_sample_args", None)
    if check is not None:
        check(args)


def compile_model(
    stan_code: str,
    backend: BackendName = "auto",
    *,
    show_progress: bool = True,
    optimize: bool = True,
) -> CompiledModel:
    """Compile a Stan program (cached by content) and return the runnable model.

    Parameters
    ----------
    stan_code
        The Stan program.
    backend
        ``"auto"``, ``"embedded"``, ``"cmdstanpy"`` or ``"nutpie"``.
    show_progress
        Show the elapsed time while compiling.
    optimize
        Compile with the C++ compiler's full optimisation (``-O3``, the default).
        ``False`` compiles with ``-O0``: about 60% of the compiler time (after a
        one-time build of an unoptimised precompiled header), but sampling is many
        times slower. Only for programs that evaluate the log density a few times and
        never sample, such as tests; cached apart from the optimised build.

    Returns
    -------
    CompiledModel

    Raises
    ------
    pybrms.errors.CompileError
        With stanc's message (and the line) for a syntax error.

    Examples
    --------
    >>> code = "parameters { real mu; } model { mu ~ normal(0, 1); }"
    >>> model = compile_model(code)  # doctest: +SKIP
    >>> model.sample({}, chains=2).variables()["mu"].shape  # doctest: +SKIP
    (2, 1000)
    """
    return get_backend(backend).compile(stan_code, show_progress=show_progress, optimize=optimize)


def precompile(
    stan_codes: Iterable[str],
    backend: BackendName = "auto",
    *,
    show_progress: bool = True,
    optimize: bool = True,
) -> list[CompiledModel]:
    """Compile several Stan programs at once (cached by content) and return them in order.

    Later fits and :func:`compile_model` calls on these programs find them in the
    cache. The embedded and nutpie backends compile the programs missing from the
    cache together: up to 8 programs share one compiler run, which compiles what they
    have in common (most of Stan's templates) once, and one compiler runs per core.
    In a batch of 8, a program costs about a quarter of the compiler time it costs
    alone (see the backends page of the documentation).

    Parameters
    ----------
    stan_codes
        The Stan programs, e.g. from :func:`pybrms.stancode` (duplicates are built once).
    backend
        ``"auto"``, ``"embedded"``, ``"cmdstanpy"`` (one program after the other) or
        ``"nutpie"``: the backend the programs will run on.
    show_progress
        Show the elapsed time while compiling.
    optimize
        Compile with the C++ compiler's full optimisation (``-O3``, the default).
        ``False`` compiles with ``-O0``: about 60% of the compiler time (after a
        one-time build of an unoptimised precompiled header), but sampling is many
        times slower. Only for programs that evaluate the log density a few times and
        never sample, such as tests; cached apart from the optimised build.

    Returns
    -------
    list[CompiledModel]
        One model per program, in order.

    Raises
    ------
    pybrms.errors.SettingsError
        ``stan_codes`` is one string, or holds something other than strings.
    pybrms.errors.CompileError
        Naming every program stanc or the C++ compiler rejected (by position, with
        the compiler's message), after the others are built and cached.

    Examples
    --------
    >>> import pybrms as bm
    >>> df = bm.datasets.load_epilepsy()
    >>> codes = [bm.stancode("count ~ zAge + (1|patient)", df, family=family)
    ...          for family in ("poisson", "negbinomial")]
    >>> poisson, negbinomial = bm.precompile(codes)  # doctest: +SKIP
    >>> bm.brm("count ~ zAge + (1|patient)", df, family="poisson").model.from_cache
    ... # doctest: +SKIP
    True
    """
    if isinstance(stan_codes, str | bytes):
        raise SettingsError(
            "precompile() takes a list of Stan programs, not one program: precompile([code])"
        )
    codes = list(stan_codes)
    for number, code in enumerate(codes):
        if not isinstance(code, str):
            raise SettingsError(
                f"precompile(): program {number} is a {type(code).__name__}, "
                "not a string of Stan code"
            )
    return list(
        get_backend(backend).compile_many(codes, show_progress=show_progress, optimize=optimize)
    )


__all__ = [
    "CompiledModel",
    "LogProb",
    "check_sample_args",
    "compile_model",
    "get_backend",
    "precompile",
]
