"""How a fit is sampled: brm()'s sampling arguments, checked once, with brms's defaults.

:func:`pybrms.brm` builds :class:`SamplerSettings` from its arguments with
:meth:`SamplerSettings.from_brm`; ``BrmsFit.update()`` takes the same arguments
and changes some of them with :meth:`SamplerSettings.updated`. Both check every
setting before anything is compiled or sampled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pybrms.backends.sample_args import (
    DEFAULT_ADAPT_DELTA,
    DEFAULT_CHAINS,
    DEFAULT_ITER,
    DEFAULT_MAX_TREEDEPTH,
    Init,
    Parallel,
    SampleArgs,
    as_threading,
    make_sample_args,
)
from pybrms.errors import SettingsError
from pybrms.scheduler import Threading

#: The sampling arguments of :func:`pybrms.brm`, which ``update()`` takes too.
SAMPLING_ARGUMENTS = (
    "chains",
    "iter",
    "warmup",
    "thin",
    "threads",
    "seed",
    "init",
    "control",
    "parallel",
    "normalize",
)
CONTROL_KEYS = ("adapt_delta", "max_treedepth")


@dataclass(frozen=True)
class SamplerSettings:
    """How a fit was sampled (Stan's names: ``iter_warmup``, ``iter_sampling``).

    Attributes
    ----------
    chains, thin, seed, init, parallel
        As in :func:`pybrms.brm`; ``seed=None`` draws a new seed for every run.
    iter_warmup, iter_sampling
        brms's ``warmup`` and ``iter - warmup``.
    adapt_delta, max_treedepth
        brms's ``control``.
    threads
        :class:`~pybrms.scheduler.Threading`, or None for the plain program.
    normalize
        brms's ``normalize``: False samples a program whose likelihood drops its
        constants (``_lupmf``/``_lupdf``), the same posterior; ``lp__`` then differs
        by a constant.
    """

    chains: int = DEFAULT_CHAINS
    iter_warmup: int = DEFAULT_ITER // 2
    iter_sampling: int = DEFAULT_ITER - DEFAULT_ITER // 2
    thin: int = 1
    adapt_delta: float = DEFAULT_ADAPT_DELTA
    max_treedepth: int = DEFAULT_MAX_TREEDEPTH
    seed: int | None = None
    init: Init = None
    threads: Threading | None = None
    parallel: Parallel = "threads"
    normalize: bool = True

    @classmethod
    def from_brm(
        cls,
        *,
        chains: int = DEFAULT_CHAINS,
        iter: int = DEFAULT_ITER,
        warmup: int | None = None,
        thin: int = 1,
        threads: Threading | int | None = None,
        seed: int | None = None,
        init: Init = None,
        control: Mapping[str, Any] | None = None,
        parallel: Parallel = "threads",
        normalize: bool = True,
    ) -> SamplerSettings:
        """Settings from :func:`pybrms.brm`'s arguments, checked.

        Raises
        ------
        pybrms.errors.SettingsError
            Naming the setting, its value and the rule broken.

        Examples
        --------
        >>> s = SamplerSettings.from_brm(iter=500, threads=2, control={"adapt_delta": 0.95})
        >>> s.iter_warmup, s.iter_sampling, s.threads.threads, s.adapt_delta
        (250, 250, 2, 0.95)
        """
        if isinstance(iter, bool) or not isinstance(iter, int) or iter < 2:
            raise SettingsError(f"iter must be an integer >= 2, got {iter!r}")
        if not isinstance(normalize, bool):
            raise SettingsError(f"normalize must be True or False, got {normalize!r}")
        warmup = iter // 2 if warmup is None else warmup
        if isinstance(warmup, bool) or not isinstance(warmup, int) or not 0 <= warmup < iter:
            raise SettingsError(
                f"warmup must be an integer in [0, iter) = [0, {iter}), got {warmup!r}"
            )
        settings = cls(
            chains=chains,
            iter_warmup=warmup,
            iter_sampling=iter - warmup,
            thin=thin,
            seed=seed,
            init=init,
            threads=as_threading(threads),
            parallel=parallel,
            normalize=normalize,
            **_control(control),
        )
        settings.check()
        return settings

    @property
    def iter(self) -> int:
        """brms's ``iter``: warmup and sampling iterations per chain."""
        return self.iter_warmup + self.iter_sampling

    @property
    def control(self) -> dict[str, Any]:
        """brms's ``control``."""
        return {"adapt_delta": self.adapt_delta, "max_treedepth": self.max_treedepth}

    def updated(self, **changes: Any) -> SamplerSettings:
        """These settings with some of :func:`pybrms.brm`'s sampling arguments changed.

        Settings not named keep their values. ``control`` changes only the keys
        it names. As in ``brm()``, a new ``iter`` without ``warmup`` sets
        ``warmup = iter // 2``.

        Raises
        ------
        pybrms.errors.SettingsError
            For a name that is not a sampling argument (listing them) or a bad value.

        Examples
        --------
        >>> s = SamplerSettings.from_brm(iter=1000).updated(iter=400, control={"max_treedepth": 5})
        >>> s.iter_warmup, s.iter_sampling, s.max_treedepth, s.adapt_delta
        (200, 200, 5, 0.8)
        """
        unknown = sorted(set(changes) - set(SAMPLING_ARGUMENTS))
        if unknown:
            raise SettingsError(
                f"update() got {', '.join(map(repr, unknown))}, which is not a sampling "
                f"argument; valid: {', '.join(SAMPLING_ARGUMENTS)}"
            )
        current: dict[str, Any] = {
            "chains": self.chains,
            "iter": self.iter,
            "thin": self.thin,
            "threads": self.threads,
            "seed": self.seed,
            "init": self.init,
            "parallel": self.parallel,
            "normalize": self.normalize,
        }
        if "iter" not in changes:
            current["warmup"] = self.iter_warmup
        control = {**self.control, **_control(changes.pop("control", None))}
        return SamplerSettings.from_brm(**{**current, **changes, "control": control})

    def sample_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``CompiledModel.sample`` these settings stand for."""
        return {
            "chains": self.chains,
            "threads": self.threads or 1,
            "seed": self.seed,
            "iter_warmup": self.iter_warmup,
            "iter_sampling": self.iter_sampling,
            "thin": self.thin,
            "adapt_delta": self.adapt_delta,
            "max_treedepth": self.max_treedepth,
            "init": self.init,
            "parallel": self.parallel,
        }

    def check(self) -> SampleArgs:
        """The checked arguments; :class:`~pybrms.errors.SettingsError` for an invalid
        setting (nothing runs)."""
        return make_sample_args(
            **self.sample_kwargs(),
            step_size=None,
            inv_metric=None,
            adapt_engaged=True,
            save_warmup=False,
        )


def _control(control: Mapping[str, Any] | None) -> dict[str, Any]:
    if control is None:
        return {}
    if not isinstance(control, Mapping):
        raise SettingsError(
            f"control must be a dict with keys {', '.join(CONTROL_KEYS)}; got {control!r}"
        )
    unknown = sorted(set(control) - set(CONTROL_KEYS))
    if unknown:
        raise SettingsError(
            f"control has unknown key(s) {', '.join(map(repr, unknown))}; valid: "
            f"{', '.join(CONTROL_KEYS)}"
        )
    return dict(control)
