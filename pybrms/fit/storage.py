"""Fits in files: ``BrmsFit.save(path)`` and :func:`pybrms.load`.

File format (``format_version`` 1): a zip archive holding

``manifest.json``
    ``{"format": "pybrms-fit", "format_version": 1, "pybrms_version": ...,
    "backend": ..., "formula": ..., "family": ..., "chains": ..., "draws": ...}``,
    readable without unpickling anything; :func:`load` checks it first.
``model.stan``
    The Stan program, as text.
``fit.pickle``
    The pickled :class:`~pybrms.fit.brmsfit.BrmsFit`: spec (with the data),
    Stan data, draws with the sampler's adaptation results, and sampler
    settings. The compiled model is stored as its Stan code and backend name;
    it is found again in the compile cache (or compiled) when a run needs it,
    so a loaded fit summarizes and predicts without a compiler.

Like any pickle, load only files you trust. Writes go to a temporary file in
the target's directory, renamed into place once complete.
"""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pybrms._version import __version__
from pybrms.errors import FitFileError
from pybrms.files import atomic_file
from pybrms.spec.model_spec import ModelSpec
from pybrms.spec.multivariate import MvSpec

if TYPE_CHECKING:
    from pybrms.fit.brmsfit import BrmsFit

FORMAT = "pybrms-fit"
FORMAT_VERSION = 1
MANIFEST, STAN_FILE, PICKLE = "manifest.json", "model.stan", "fit.pickle"


def _model(spec: ModelSpec | MvSpec) -> dict[str, str]:
    """The formula and family of the manifest; a multivariate model's one per response."""
    if isinstance(spec, MvSpec):
        return {
            "formula": "; ".join(f.mu.source for f in spec.formula.formulas),
            "family": f"MV({', '.join(p.family.name for p in spec.parts)})",
        }
    return {"formula": spec.formula.mu.source, "family": spec.family.name}


def save(fit: BrmsFit, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Write ``fit`` to ``path`` atomically; see the module docstring for the format.

    Raises
    ------
    FitFileError
        ``path`` exists and ``overwrite`` is False.
    """
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pybrms_version": __version__,
        "backend": fit.backend,
        **_model(fit.spec),
        "chains": fit.draws.num_chains,
        "draws": fit.draws.num_draws,
    }
    with (
        atomic_file(path, overwrite=overwrite, error=FitFileError) as raw,
        zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
        archive.writestr(STAN_FILE, fit.stan_code)
        archive.writestr(PICKLE, pickle.dumps(fit, protocol=pickle.HIGHEST_PROTOCOL))


def load(path: str | os.PathLike[str]) -> BrmsFit:
    """Read a fit written by ``BrmsFit.save``.

    The compiled model is not needed to summarize or predict; it is found again
    in the compile cache (or compiled) the first time the fit is sampled again,
    e.g. by ``update()``.

    Parameters
    ----------
    path
        A file written by ``BrmsFit.save``.

    Returns
    -------
    BrmsFit

    Raises
    ------
    FitFileError
        The file is missing, is not a pybrms fit, or was written in a newer
        format or by a pybrms version whose objects this one cannot read.

    Examples
    --------
    >>> import pybrms as bm
    >>> fit = bm.load("epilepsy.pybrms")  # doctest: +SKIP
    >>> print(fit.summary())  # doctest: +SKIP
    """
    from pybrms.fit.brmsfit import BrmsFit  # the fit module imports this one

    source = Path(path)
    if not source.is_file():
        raise FitFileError(f"no saved fit at {str(source)!r}")
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = _manifest(archive, source)
            payload = archive.read(PICKLE)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise FitFileError(f"{str(source)!r} is not a fit saved by pybrms ({error})") from None
    try:
        fit = pickle.loads(payload)
    except (AttributeError, ImportError, TypeError, pickle.UnpicklingError) as error:
        raise FitFileError(
            f"{str(source)!r} was saved by pybrms {manifest.get('pybrms_version')}, whose "
            f"objects pybrms {__version__} cannot read: {error}"
        ) from error
    if not isinstance(fit, BrmsFit):
        raise FitFileError(f"{str(source)!r} holds a {type(fit).__name__}, not a BrmsFit")
    return fit


def _manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    manifest = json.loads(archive.read(MANIFEST))
    if manifest.get("format") != FORMAT:
        raise ValueError(f"format is {manifest.get('format')!r}, not {FORMAT!r}")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise FitFileError(
            f"{str(source)!r} has fit format {manifest['format_version']} (pybrms "
            f"{manifest.get('pybrms_version')}); this pybrms {__version__} reads format "
            f"{FORMAT_VERSION} and older: upgrade pybrms"
        )
    return manifest
