"""The Stan program of a fit: code and backend, compiled only when first needed.

A :class:`StanProgram` pickles as its Stan code and backend name. Unpickled (or
loaded with :func:`pybrms.load`), it finds its compiled model again in the
compile cache, which is keyed by the code, or compiles it, the first time a run
needs it; summaries and predictions never do.
"""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from pybrms.backends import BACKENDS, BackendName, CompiledModel, compile_model, get_backend
from pybrms.backends.embedded.toolchain import find_toolchain
from pybrms.backends.sample_args import Init, init_names
from pybrms.errors import CompileError, SettingsError


class StanProgram:
    """A Stan program and the backend that compiles it.

    Parameters
    ----------
    stan_code
        The program.
    backend
        ``"embedded"`` or ``"cmdstanpy"``; ``"auto"`` is resolved here, once, so a
        program never changes backend.
    model
        The compiled model when it is already at hand.

    Examples
    --------
    >>> program = StanProgram("parameters { real mu; } model { mu ~ std_normal(); }",
    ...                       "embedded")
    >>> program.parameters()
    ('mu',)
    """

    def __init__(
        self, stan_code: str, backend: BackendName | str, model: CompiledModel | None = None
    ) -> None:
        if backend not in ("auto", *BACKENDS):
            raise SettingsError(
                f"backend must be 'auto', {', '.join(map(repr, BACKENDS))}; got {backend!r}"
            )
        self.stan_code = stan_code
        self.backend = cast(BackendName, get_backend(cast(BackendName, backend)).name)
        self._model = model

    def __repr__(self) -> str:
        return f"StanProgram(backend={self.backend!r}, compiled={self._model is not None})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The compiled model is a path into this machine's cache: store what rebuilds it.
        return (StanProgram, (self.stan_code, self.backend))

    def model(self, *, show_progress: bool = False) -> CompiledModel:
        """The compiled model: from the compile cache, or compiled now."""
        if self._model is None:
            self._model = compile_model(self.stan_code, self.backend, show_progress=show_progress)
        return self._model

    def parameters(self) -> tuple[str, ...]:
        """Names of the program's parameters (stanc's ``--info``; nothing is compiled)."""
        return tuple(_stanc_info(self.stan_code)["parameters"])

    def variables(self) -> tuple[str, ...]:
        """Names of the variables a run writes: parameters, transformed parameters and
        generated quantities (stanc's ``--info``; nothing is compiled)."""
        info = _stanc_info(self.stan_code)
        blocks = ("parameters", "transformed parameters", "generated quantities")
        return tuple(name for block in blocks for name in info[block])

    def check_init(self, init: Init) -> None:
        """Refuse inits for names that are not parameters of the program, before compiling.

        Raises
        ------
        pybrms.errors.SettingsError
            Naming the unknown names and listing the parameters.
        """
        names = init_names(init)
        if not names:
            return
        parameters = self.parameters()
        unknown = sorted(names - set(parameters))
        if unknown:
            raise SettingsError(
                f"init gives values for {_quoted(unknown)}, which "
                f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'} of "
                f"the model; its parameters are {_quoted(parameters)} (the parameters block of the "
                "Stan program, see pybrms.stancode())"
            )


@functools.lru_cache(maxsize=32)
def _stanc_info(stan_code: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pybrms-info-") as name:
        (Path(name) / "model.stan").write_text(stan_code)
        result = subprocess.run(
            [str(find_toolchain().stanc), "--info", "model.stan"],
            cwd=name,
            capture_output=True,
            text=True,
        )
    if result.returncode != 0:
        raise CompileError(f"stanc could not read the Stan program:\n{result.stderr.strip()}")
    return cast(dict[str, Any], json.loads(result.stdout))


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names)
