"""Stan backends behind one interface: ``compile_model(code) -> CompiledModel``.

* ``embedded`` (default): pybrms's own driver around ``stan::services``, built with
  the toolchain shipped in the httpstan wheel; needs only ``pip install``.
* ``cmdstanpy``: used when a CmdStan installation is present.

``backend="auto"`` picks cmdstanpy when CmdStan is installed and embedded otherwise.
"""

from __future__ import annotations

from typing import Literal

from pybrms.backends.base import Backend, CompiledModel, LogProb
from pybrms.backends.cmdstanpy import CmdStanPyBackend, cmdstan_available
from pybrms.backends.embedded import EmbeddedBackend
from pybrms.errors import SettingsError

BackendName = Literal["auto", "embedded", "cmdstanpy"]

BACKENDS: dict[str, type] = {"embedded": EmbeddedBackend, "cmdstanpy": CmdStanPyBackend}


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


def compile_model(
    stan_code: str, backend: BackendName = "auto", *, show_progress: bool = True
) -> CompiledModel:
    """Compile a Stan program (cached by content) and return the runnable model.

    Parameters
    ----------
    stan_code
        The Stan program.
    backend
        ``"auto"``, ``"embedded"`` or ``"cmdstanpy"``.
    show_progress
        Show the elapsed time while compiling.

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
    return get_backend(backend).compile(stan_code, show_progress=show_progress)


__all__ = ["CompiledModel", "LogProb", "compile_model", "get_backend"]
