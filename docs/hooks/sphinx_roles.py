"""Griffe extension: Sphinx cross-reference roles in docstrings become mkdocs links.

pybrms's numpydoc docstrings cross-reference with Sphinx roles
(``:func:`pybrms.brm```, ``:meth:`update```, ``:class:`~pybrms.scheduler.Threading```).
mkdocstrings reads Markdown, so each role is resolved here, in the scope of the
object whose docstring holds it, and replaced by an autorefs link to the object's
canonical path. The link is optional: it points at the object's API entry when
the site documents it and is plain code otherwise. In a docstring the site shows
(an object named by a ``::: path`` line of ``docs/reference/*.md``, or one of its
members), a role naming nothing that exists is a warning, which
``mkdocs build --strict`` turns into a failure.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import griffe

logger = logging.getLogger("mkdocs.plugins.sphinx_roles")

ROLE = re.compile(r":(?:py:)?(func|meth|class|mod|data|attr|exc|obj):`(~?)\.?([\w.]+)`")
CALLABLE_ROLES = ("func", "meth")
REFERENCE_PAGES = Path(__file__).resolve().parents[1] / "reference"
SHOWN = re.compile(r"^::: ([\w.]+)", re.MULTILINE)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles once the whole package is loaded (names may point anywhere in it)."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        shown = _shown_paths(loader)
        for obj in _walk(pkg):
            if obj.docstring is not None and ":" in obj.docstring.value:
                checked = any(obj.path == p or obj.path.startswith(f"{p}.") for p in shown)
                obj.docstring.value = ROLE.sub(
                    lambda match, obj=obj, checked=checked: _link(match, obj, loader, checked),
                    obj.docstring.value,
                )


def _shown_paths(loader: griffe.GriffeLoader) -> set[str]:
    """Canonical paths of the objects the API reference pages render."""
    paths = set()
    for page in REFERENCE_PAGES.glob("*.md"):
        for path in SHOWN.findall(page.read_text()):
            try:
                found = loader.modules_collection[path]
                paths.add(found.final_target.path if found.is_alias else found.path)
            except (KeyError, griffe.AliasResolutionError):
                continue  # mkdocstrings itself fails the build on a missing object
    return paths


def _walk(obj: griffe.Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _link(
    match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader, checked: bool
) -> str:
    role, short, target = match.groups()
    label = target.rsplit(".", 1)[-1] if short else target
    if role in CALLABLE_ROLES:
        label += "()"
    path = _resolve(target, role, obj, loader)
    if path is None:
        (logger.warning if checked else logger.debug)(
            "%s: %s names %r, which does not exist", obj.path, match.group(0), target
        )
        return f"`{label}`"
    return f'<autoref identifier="{path}" optional><code>{label}</code></autoref>'


def _resolve(
    target: str, role: str, obj: griffe.Object, loader: griffe.GriffeLoader
) -> str | None:
    """Canonical path of ``target`` seen from ``obj``, or None if it names nothing."""
    first, _, rest = target.partition(".")
    try:
        base = first if first in loader.modules_collection else obj.resolve(first)
    except griffe.NameResolutionError:
        return None
    try:
        found = loader.modules_collection[f"{base}.{rest}" if rest else base]
    except (KeyError, griffe.AliasResolutionError):
        return None
    # ``pybrms.brm`` is both a module and the function it defines.
    if found.is_module and role != "mod" and target.rsplit(".", 1)[-1] in found.members:
        found = found.members[target.rsplit(".", 1)[-1]]
    try:
        return found.canonical_path if not found.is_alias else found.final_target.canonical_path
    except griffe.AliasResolutionError:
        return None
