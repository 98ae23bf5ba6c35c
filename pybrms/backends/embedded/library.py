"""A model's shared library (see ``model_api.cpp``), loaded with ctypes.

:class:`ModelLibrary` is the loaded library of one Stan program;
:meth:`ModelLibrary.instantiate` binds it to data and returns a :class:`LibraryModel`
that evaluates the log density and gradient, maps unconstrained draws to Stan's
constrained values and draws initial points, all in-process.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import stanio

from pybrms.errors import DataError, SamplingError, ToolchainError

_DOUBLES = np.ctypeslib.ndpointer(dtype=np.float64, flags="C_CONTIGUOUS")
_ERROR_SIZE = 4096

# Return codes of the C interface (see model_api.cpp).
OUTSIDE_SUPPORT = 1

_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "pybrms_model_new": (
        ctypes.c_void_p,
        [ctypes.c_char_p, ctypes.c_uint, ctypes.c_char_p, ctypes.c_size_t],
    ),
    "pybrms_model_free": (None, [ctypes.c_void_p]),
    "pybrms_model_error": (ctypes.c_char_p, [ctypes.c_void_p]),
    "pybrms_last_error": (ctypes.c_char_p, []),
    "pybrms_init_threads": (None, [ctypes.c_int]),
    "pybrms_num_unconstrained": (ctypes.c_int, [ctypes.c_void_p]),
    "pybrms_num_constrained": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
    "pybrms_param_names": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]),
    "pybrms_log_density_gradient": (
        ctypes.c_int,
        [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            _DOUBLES,
            ctypes.POINTER(ctypes.c_double),
            _DOUBLES,
        ],
    ),
    "pybrms_constrain_draws": (
        ctypes.c_int,
        [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_int,
            _DOUBLES,
            _DOUBLES,
            ctypes.POINTER(ctypes.c_int),
        ],
    ),
    "pybrms_initial_point": (
        ctypes.c_int,
        [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_double, ctypes.c_uint, ctypes.c_uint, _DOUBLES],
    ),
}


class ModelLibrary:
    """The shared library of one Stan program, loaded once per process.

    Parameters
    ----------
    path
        The library built by :func:`pybrms.backends.embedded.programs.build_shared_library`.

    Examples
    --------
    >>> library = ModelLibrary(entry / "model.so")  # doctest: +SKIP
    >>> model = library.instantiate({"N": 2, "y": [0.1, -0.3]})  # doctest: +SKIP
    >>> model.log_density_gradient(np.zeros(1))  # doctest: +SKIP
    (-1.88..., array([...]))
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # RTLD_LOCAL: each model's copy of the Stan headers stays private to it.
        self._lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_LOCAL)
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(self._lib, name)
            function.restype = restype
            function.argtypes = argtypes

    def function_address(self, name: str) -> int:
        """Address of an exported C function (for samplers that call it directly)."""
        address = ctypes.cast(getattr(self._lib, name), ctypes.c_void_p).value
        if address is None:
            raise ToolchainError(f"the compiled model exports no function {name!r}")
        return address

    def instantiate(self, data: Mapping[str, Any], seed: int = 0) -> LibraryModel:
        """Bind the program to ``data`` (its transformed data use ``seed``).

        Raises
        ------
        DataError
            The program rejected the data (Stan's message says which variable).
        """
        error = ctypes.create_string_buffer(_ERROR_SIZE)
        handle = self._lib.pybrms_model_new(
            stanio.dump_stan_json(dict(data)).encode(), seed, error, _ERROR_SIZE
        )
        if not handle:
            raise DataError(f"the Stan program rejected the data: {error.value.decode()}")
        return LibraryModel(self, handle)

    def init_threads(self, threads: int) -> None:
        """Size the TBB pool that ``reduce_sum`` draws from; as in Stan, the first call
        in a process decides and later calls change nothing."""
        self._lib.pybrms_init_threads(threads)


class LibraryModel:
    """A Stan program bound to data, evaluated in-process through the C interface.

    Every evaluation releases the GIL, so threads can evaluate concurrently.
    """

    def __init__(self, library: ModelLibrary, handle: int) -> None:
        self.library = library
        self.handle = handle
        self._lib = library._lib
        self.dim = self._lib.pybrms_num_unconstrained(handle)

    def __del__(self) -> None:
        if getattr(self, "handle", None):
            self._lib.pybrms_model_free(self.handle)
            self.handle = 0

    def param_names(self, *, include_tp: bool = True, include_gq: bool = True) -> list[str]:
        """Stan's names of the constrained values (``mu``, ``b.1``, ``r_1_1.2``).

        Not thread-safe (the C side keeps the text); every other method is.
        """
        text = self._lib.pybrms_param_names(self.handle, include_tp, include_gq).decode()
        return text.split(",") if text else []

    def log_density_gradient(
        self, theta: np.ndarray, *, propto: bool = False, jacobian: bool = True
    ) -> tuple[float, np.ndarray]:
        """Log density and its gradient at one unconstrained point.

        ``propto=False`` keeps every constant (as ``CompiledModel.log_prob``);
        ``propto=True`` drops the ones that do not depend on parameters, as
        Stan's samplers do.

        Raises
        ------
        SamplingError
            The point is outside the support, or the program failed.
        """
        theta = np.ascontiguousarray(theta, dtype=np.float64)
        self._check_dim(theta)
        grad = np.empty(self.dim)
        lp = ctypes.c_double()
        code = self._lib.pybrms_log_density_gradient(
            self.handle, propto, jacobian, theta, ctypes.byref(lp), grad
        )
        if code != 0:
            raise SamplingError(f"the log density failed at this point: {self._reason(code)}")
        return lp.value, grad

    def constrain_draws(
        self,
        theta: np.ndarray,
        *,
        seed: int,
        chain: int,
        include_tp: bool = True,
        include_gq: bool = True,
    ) -> tuple[np.ndarray, int]:
        """Constrained values of unconstrained draws ``(n, dim)``; gq use Stan's RNG.

        Returns
        -------
        tuple[np.ndarray, int]
            Values ``(n, len(param_names(...)))`` and how many draws' generated
            quantities failed (their rows are NaN).
        """
        theta = np.ascontiguousarray(np.atleast_2d(theta), dtype=np.float64)
        self._check_dim(theta[0])
        width = self._lib.pybrms_num_constrained(self.handle, include_tp, include_gq)
        out = np.empty((theta.shape[0], width))
        failed = ctypes.c_int()
        code = self._lib.pybrms_constrain_draws(
            self.handle,
            include_tp,
            include_gq,
            seed,
            chain,
            theta.shape[0],
            theta,
            out,
            ctypes.byref(failed),
        )
        if code != 0:
            raise SamplingError(f"constraining the draws failed: {self._reason(code)}")
        return out, failed.value

    def initial_point(
        self, init: Mapping[str, Any] | None, radius: float, *, seed: int, chain: int
    ) -> np.ndarray:
        """An unconstrained initial point: ``init``'s values, uniform(-radius, radius) else.

        Raises
        ------
        SamplingError
            ``init`` names values the program cannot use (wrong shape, out of bounds).
        """
        out = np.empty(self.dim)
        code = self._initial_point(init, radius, seed, chain, out)
        if code != 0:
            reason = self._reason(code)
            # Stan's message names the declaration's line only; find the variables.
            culprits = [
                name
                for name, value in (init or {}).items()
                if self._initial_point({name: value}, radius, seed, chain, out)
            ]
            raise SamplingError(
                f"the initial values of {', '.join(culprits) or 'the parameters'} are not "
                f"usable: {reason}"
            )
        return out

    def _initial_point(
        self, init: Mapping[str, Any] | None, radius: float, seed: int, chain: int, out: np.ndarray
    ) -> int:
        text = stanio.dump_stan_json(dict(init)) if init else ""
        return self._lib.pybrms_initial_point(self.handle, text.encode(), radius, seed, chain, out)

    def error(self) -> str:
        """The first fatal error message the C side recorded ('' if none)."""
        return self._lib.pybrms_model_error(self.handle).decode()

    def _reason(self, code: int) -> str:
        message = self._lib.pybrms_last_error().decode() or f"error code {code}"
        if code == OUTSIDE_SUPPORT:
            return f"outside the support ({message})"
        return message

    def _check_dim(self, theta: np.ndarray) -> None:
        if theta.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} unconstrained values, got {theta.shape[-1]}")
