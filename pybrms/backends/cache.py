"""A content-addressed cache of build artifacts, safe under concurrent use.

An entry is a directory named by a content key (a hash of everything that goes
into the build). It is built in a temporary sibling directory and renamed into
place, so a killed or failed build never leaves a half-built entry. A file lock
per key keeps two processes from building the same entry at once; a staging
directory whose lock nobody holds was left by a killed build and is removed.
Every entry carries a manifest of file checksums; an entry whose files no
longer match is treated as missing and rebuilt. A large entry that every build
uses (the precompiled header) can be checked once per process instead of on
every request. A cache directory that cannot be used raises
:class:`~pybrms.errors.CacheError`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from pybrms.errors import CacheError

logger = logging.getLogger(__name__)

CACHE_ENV = "PYBRMS_CACHE_DIR"
MANIFEST = "manifest.json"
STAGING = "."  # staging directories are named ".<key>-<random>"

# Entries this process has checked or built; a ``verify_once`` request checks them no more.
_verified: set[Path] = set()


def cache_root() -> Path:
    """The cache directory: ``$PYBRMS_CACHE_DIR`` or the user cache directory.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"PYBRMS_CACHE_DIR": "/data/pybrms-cache"}):
    ...     str(cache_root())
    '/data/pybrms-cache'
    """
    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("pybrms"))


def content_key(*parts: str | bytes) -> str:
    """SHA-256 over the given parts (separated, so ``("ab", "c") != ("a", "bc")``)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def cached_build(
    directory: Path, key: str, build: Callable[[Path], None], *, verify_once: bool = False
) -> tuple[Path, bool]:
    """Return the entry ``directory / key``, building it with ``build`` if needed.

    Parameters
    ----------
    directory
        Parent directory of the entries (created if missing).
    key
        Content key of the entry.
    build
        Called with an empty temporary directory to fill. It must leave there
        every file of the entry; the manifest is added afterwards.
    verify_once
        Check the entry's checksums only the first time this process asks for it;
        later requests only check that it is still there (for entries of hundreds of
        MB that every model build asks for).

    Returns
    -------
    tuple[Path, bool]
        The entry's directory and whether it came from the cache.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> entry, hit = cached_build(root, "k", lambda d: (d / "f").write_text("x"))
    >>> hit, (entry / "f").read_text()
    (False, 'x')
    >>> cached_build(root, "k", lambda d: None)[1]
    True
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cache_error(error) from error
    entry = directory / key
    if verify_once and entry in _verified and (entry / MANIFEST).is_file():
        return entry, True
    _sweep_staging(directory)
    if _is_valid(entry):
        _verified.add(entry)
        return entry, True
    with _locked(_lock_path(directory, key)):
        if _is_valid(entry):  # built by another process while we waited
            _verified.add(entry)
            return entry, True
        staging = _new_staging(directory, key)
        try:
            build(staging)
            _commit(staging, entry)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return entry, False


@dataclass
class Claim:
    """Entries requested together (see :func:`claim_entries`).

    Attributes
    ----------
    hits
        Valid entries, by key.
    staging
        The missing entries this process now builds: an empty staging directory by key.
    busy
        Keys of missing entries another process is building.
    """

    directory: Path
    hits: dict[str, Path] = field(default_factory=dict)
    staging: dict[str, Path] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)

    def commit(self, key: str) -> Path:
        """Move the filled staging directory of ``key`` into place; return the entry."""
        entry = self.directory / key
        _commit(self.staging.pop(key), entry)
        return entry


@contextlib.contextmanager
def claim_entries(directory: Path, keys: Iterable[str]) -> Iterator[Claim]:
    """Claim the missing entries among ``keys`` whose lock nobody holds, to build them together.

    Never waits for a lock: the entries another process builds are listed as busy (ask
    for them with :func:`cached_build` afterwards, which waits), so two processes
    claiming overlapping sets split the work instead of deadlocking. On exit the locks
    are released and staging directories that were not committed are removed.

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> with claim_entries(root, ["a", "b"]) as claim:
    ...     (claim.staging["a"] / "f").write_text("x")
    ...     claim.commit("a").name
    1
    'a'
    >>> with claim_entries(root, ["a", "b"]) as claim:
    ...     sorted(claim.hits), sorted(claim.staging)
    (['a'], ['b'])
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cache_error(error) from error
    _sweep_staging(directory)
    claim = Claim(directory)
    with contextlib.ExitStack() as locks:
        try:
            for key in dict.fromkeys(keys):
                entry = directory / key
                if _is_valid(entry):
                    claim.hits[key] = entry
                elif not locks.enter_context(_try_lock(_lock_path(directory, key))):
                    claim.busy.append(key)
                elif _is_valid(entry):  # built by another process just now
                    claim.hits[key] = entry
                else:
                    claim.staging[key] = _new_staging(directory, key)
            for entry in claim.hits.values():
                _verified.add(entry)
            yield claim
        finally:
            for staging in claim.staging.values():
                shutil.rmtree(staging, ignore_errors=True)


def _new_staging(directory: Path, key: str) -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix=f"{STAGING}{key}-", dir=directory))
    except OSError as error:
        raise _cache_error(error) from error


def _commit(staging: Path, entry: Path) -> None:
    """Add the manifest to a filled staging directory and rename it to ``entry``."""
    _write_manifest(staging)
    if entry.exists():
        logger.warning("cache entry %s is corrupt; rebuilding it", entry)
        shutil.rmtree(entry)
    os.rename(staging, entry)
    _verified.add(entry)


def _lock_path(directory: Path, key: str) -> Path:
    return directory / f"{key}.lock"


def _sweep_staging(directory: Path) -> None:
    """Remove staging directories of builds that were killed (their key's lock is free)."""
    staged = directory.glob(f"{STAGING}*-*")  # ".<key>-<random>"
    for key in {path.name[len(STAGING) :].rsplit("-", 1)[0] for path in staged}:
        with _try_lock(_lock_path(directory, key)) as held:
            if held:  # nobody builds this key, so its staging directories are leftovers
                for staging in directory.glob(f"{STAGING}{key}-*"):
                    logger.info("removing %s, left by a killed build", staging)
                    shutil.rmtree(staging, ignore_errors=True)


def _cache_error(error: OSError) -> CacheError:
    if isinstance(error, FileExistsError | NotADirectoryError):
        problem = "a file stands where a directory should be"
    else:
        problem = (error.strerror or str(error)).lower()
    source = f"set by {CACHE_ENV}" if os.environ.get(CACHE_ENV) else f"{CACHE_ENV} is not set"
    return CacheError(
        f"cannot use the pybrms build cache {cache_root()} ({source}): {problem} at "
        f"{error.filename}. Set {CACHE_ENV} to a directory you can write to "
        "(the embedded backend's build needs about 1 GB)."
    )


def _checksums(directory: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.iterdir())
        if path.is_file() and path.name != MANIFEST
    }


def _write_manifest(directory: Path) -> None:
    (directory / MANIFEST).write_text(json.dumps(_checksums(directory), indent=1))


def _is_valid(entry: Path) -> bool:
    manifest = entry / MANIFEST
    if not manifest.is_file():
        return False
    try:
        expected = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return False
    return expected == _checksums(entry)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        handle = open(path, "a")
    except OSError as error:
        raise _cache_error(error) from error
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _try_lock(path: Path) -> Iterator[bool]:
    """Hold ``path``'s lock if nobody else does; yield whether we got it."""
    try:
        handle = open(path, "a")
    except OSError:  # a read-only cache: nothing can be swept anyway
        yield False
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
