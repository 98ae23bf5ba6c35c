"""Griffe extension: read pybrms's numpydoc docstrings as Sphinx's numpydoc would.

mkdocstrings parses numpydoc sections itself, but two habits of the docstrings
need help, and this extension rewrites each docstring once the whole package is
loaded:

* **Sphinx cross-reference roles** (``:func:`pybrms.brm```, ``:meth:`update```,
  ``:class:`~pybrms.scheduler.Threading```). Each role is resolved in the scope
  of the object whose docstring holds it, and becomes an autorefs link to the
  object's canonical path. The link is optional: it points at the object's API
  entry when the site documents it, and is plain code otherwise. In a docstring
  the site shows (an object named by a ``::: path`` line of
  ``docs/reference/*.md``, or one of its members), a role naming nothing that
  exists is a warning, which ``mkdocs build --strict`` turns into a failure.
* **Parameters documented together** (``chains, iter, warmup, thin`` followed by
  one description). numpydoc allows this; griffe would give every name the type
  and default of the first. Each name gets its own entry with the shared
  description, so types and defaults come from the signature, name by name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import griffe

logger = logging.getLogger("mkdocs.plugins.numpydoc_compat")

ROLE = re.compile(r":(?:py:)?(func|meth|class|mod|data|attr|exc|obj):`(~?)\.?([\w.]+)`")
CALLABLE_ROLES = ("func", "meth")
REFERENCE_PAGES = Path(__file__).resolve().parents[1] / "reference"
SHOWN = re.compile(r"^::: ([\w.]+)", re.MULTILINE)
PARAMETER_SECTIONS = ("Parameters", "Other Parameters")
SHARED_ENTRY = re.compile(r"^(\**\w+(?:, \**\w+)+)(\s*:.*)?$")


class NumpydocCompat(griffe.Extension):
    """Rewrite docstrings once the whole package is loaded (roles may point anywhere in it)."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        shown = _shown_paths(loader)
        for obj in _walk(pkg):
            if obj.docstring is None:
                continue
            checked = any(obj.path == p or obj.path.startswith(f"{p}.") for p in shown)
            text = _split_shared_entries(obj.docstring.value)
            obj.docstring.value = ROLE.sub(
                lambda match, obj=obj, checked=checked: _link(match, obj, loader, checked), text
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


def _walk(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


def _split_shared_entries(text: str) -> str:
    """``a, b`` + description in a Parameters section -> one entry per name."""
    lines = text.splitlines()
    out: list[str] = []
    section = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()):
            section = line.strip()
        match = SHARED_ENTRY.match(line) if section in PARAMETER_SECTIONS else None
        if match is None:
            out.append(line)
            i += 1
            continue
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or lines[end].startswith(" ")):
            end += 1
        description = lines[i + 1 : end]
        for name in match.group(1).split(", "):
            out += [f"{name}{match.group(2) or ''}", *description]
        i = end
    return "\n".join(out)


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


def _resolve(target: str, role: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
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
    name = target.rsplit(".", 1)[-1]
    if found.is_module and role != "mod" and name in found.members:
        found = found.members[name]
    try:
        return found.final_target.canonical_path if found.is_alias else found.canonical_path
    except griffe.AliasResolutionError:
        return None
