"""A content-addressed cache of build artifacts, safe under concurrent use.

An entry is a directory named by a content key (a hash of everything that goes
into the build). It is built in a temporary sibling directory and renamed into
place, so a killed or failed build never leaves a half-built entry. A file lock
per key keeps two processes from building the same entry at once. Every entry
carries a manifest of file checksums; an entry whose files no longer match is
treated as missing and rebuilt.
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
from collections.abc import Callable, Iterator
from pathlib import Path

import platformdirs

logger = logging.getLogger(__name__)

CACHE_ENV = "PYBRMS_CACHE_DIR"
MANIFEST = "manifest.json"


def cache_root() -> Path:
    """The cache directory: ``$PYBRMS_CACHE_DIR`` or the user cache directory.

    Examples
    --------
    >>> import os
    >>> os.environ["PYBRMS_CACHE_DIR"] = "/tmp/pybrms-doc-cache"
    >>> str(cache_root())
    '/tmp/pybrms-doc-cache'
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
    directory: Path, key: str, build: Callable[[Path], None]
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
    directory.mkdir(parents=True, exist_ok=True)
    entry = directory / key
    if _is_valid(entry):
        return entry, True
    with _locked(directory / f"{key}.lock"):
        if _is_valid(entry):  # built by another process while we waited
            return entry, True
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=directory))
        try:
            build(staging)
            _write_manifest(staging)
            if entry.exists():
                logger.warning("cache entry %s is corrupt; rebuilding it", entry)
                shutil.rmtree(entry)
            os.rename(staging, entry)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return entry, False


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
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
