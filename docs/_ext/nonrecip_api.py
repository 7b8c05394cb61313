"""Sphinx extension: the API reference from the package's ``__all__`` lists.

At ``config-inited`` (before Sphinx discovers the sources and autosummary
generates its stubs) this writes
``docs/api/<module>.rst`` for every module of :mod:`nonrecip` whose dotted
name has no component starting with ``_``, plus ``docs/api/index.rst``. Each
page shows the module docstring, an ``autosummary`` table of the module's
``__all__`` and, below it, every object documented on that page in full (one
page per module, no page per object: the site stays ~100 pages, which keeps
the build fast, as every page carries the whole navigation tree):

* a class or function is documented once, on the page of the module that
  defines it (``obj.__module__``) when that module is public and exports it,
  else on the page of the shortest public module exporting it; every other
  page exporting it lists it with a link to that page;
* data (constants, registries, ``__version__``) is documented on every page
  that exports it.

At ``env-check-consistency`` it checks that every name of every public
``__all__`` is a documented Python object (the expected full name is in the
Python domain), and that every public module has its page; a miss is a
warning, so ``sphinx-build -W`` fails. The pages are regenerated on every
build, so they follow the code: a new module or a new name in ``__all__``
appears without editing the docs.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "nonrecip"


def public_modules() -> dict[str, object]:
    """Every public module of the package, by dotted name, imported."""
    pkg = importlib.import_module(PACKAGE)
    mods = {PACKAGE: pkg}
    for info in pkgutil.walk_packages(pkg.__path__, PACKAGE + "."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        mods[info.name] = importlib.import_module(info.name)
    return dict(sorted(mods.items()))


def _is_routine(obj) -> bool:
    return inspect.isclass(obj) or inspect.isroutine(obj)


def plan(mods: dict[str, object]) -> dict[str, list[tuple[str, str, bool]]]:
    """For each module, ``(name, full target name, documented here)`` per ``__all__`` entry."""
    exporters: dict[int, list[str]] = {}
    # the name each module exports an object under (an alias such as ``Param = Parameter``
    # is documented under the name its home module gives it)
    exported_as: dict[tuple[int, str], str] = {}
    for modname, mod in mods.items():
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if _is_routine(obj):
                exporters.setdefault(id(obj), []).append(modname)
                exported_as.setdefault((id(obj), modname), name)
    home: dict[int, str] = {}
    for mod in mods.values():
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if not _is_routine(obj) or id(obj) in home:
                continue
            where = exporters[id(obj)]
            defining = getattr(obj, "__module__", None)
            if defining in where:
                home[id(obj)] = defining
            else:
                home[id(obj)] = min(where, key=lambda m: (m.count("."), len(m), m))
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for modname, mod in mods.items():
        rows = []
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if _is_routine(obj):
                h = home[id(obj)]
                rows.append((name, f"{h}.{exported_as[(id(obj), h)]}", h == modname))
            else:
                rows.append((name, f"{modname}.{name}", True))
        out[modname] = rows
    return out


def _summary(target: str) -> str:
    """First line of the docstring of the object ``target`` (for the re-export list)."""
    modname, name = target.rsplit(".", 1)
    obj = getattr(importlib.import_module(modname), name)
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip() or "no summary"


def _entry(name: str, obj: object) -> list[str]:
    """Return the autodoc directive documenting ``name`` on its module's page."""
    if inspect.isclass(obj):
        return [f".. autoclass:: {name}", "   :members:", "   :show-inheritance:", ""]
    if inspect.isroutine(obj):
        return [f".. autofunction:: {name}", ""]
    return [f".. autodata:: {name}", ""]


def _page(modname: str, rows: list[tuple[str, str, bool]]) -> str:
    title = f"``{modname}``"
    lines = [f".. _api-{modname}:", "", title, "=" * len(title), "",
             f".. automodule:: {modname}", "   :no-members:", "", f".. currentmodule:: {modname}", ""]
    here = [n for n, _, local in rows if local]
    elsewhere = [(n, t) for n, t, local in rows if not local]
    if here:
        lines += ["Defined or documented here", "--------------------------", "",
                  ".. autosummary::", ""]
        lines += [f"   {n}" for n in here] + [""]
        mod = importlib.import_module(modname)
        for n in here:
            lines += _entry(n, getattr(mod, n))
    if elsewhere:
        lines += ["Re-exported", "-----------", "",
                  "Documented on the page of the module that defines them:", ""]
        lines += [f"* :py:obj:`{n} <{t}>` ({_summary(t)})" for n, t in elsewhere] + [""]
    if not rows:
        lines += ["This module exports no names (no ``__all__``); it is documented by its docstring.", ""]
    return "\n".join(lines)


def generate(app, config=None) -> None:
    """Write ``api/*.rst`` (only files whose content changed, so rebuilds stay incremental)."""
    outdir = Path(app.srcdir) / "api"
    outdir.mkdir(exist_ok=True)
    mods = public_modules()
    p = plan(mods)
    app.nonrecip_api_plan = p
    wanted = {f"{m}.rst": _page(m, rows) for m, rows in p.items()}
    index = ["API reference", "=============", "",
             "One page per public module of :mod:`nonrecip` (a module whose dotted name has no part",
             "starting with ``_``), generated at build time from the module's ``__all__``: the",
             "reference cannot fall behind the code, and the build fails if a public name is not",
             "documented. The top-level package re-exports the everyday names.", "",
             ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {m}" for m in p] + [""]
    wanted["index.rst"] = "\n".join(index)
    for fname, text in wanted.items():
        f = outdir / fname
        if not f.exists() or f.read_text() != text:
            f.write_text(text)
    for f in outdir.glob("*.rst"):
        if f.name not in wanted:
            f.unlink()


def check_coverage(app, env) -> None:
    """Warn (an error under ``-W``) for every public name that is not a documented object."""
    p = getattr(app, "nonrecip_api_plan", None) or plan(public_modules())
    objects = env.get_domain("py").objects
    missing = []
    for modname, rows in p.items():
        if f"api/{modname}" not in env.found_docs:
            missing.append(f"module {modname}: no page api/{modname}")
        for name, target, _ in rows:
            if target not in objects:
                missing.append(f"{modname}.__all__ entry {name!r}: {target} is not documented")
    for m in missing:
        logger.warning("API coverage: %s", m, type="nonrecip", subtype="api")
    total = sum(len(r) for r in p.values())
    logger.info("API coverage: %d public names in %d modules, %d missing", total, len(p), len(missing))


def setup(app):
    """Register the generator (at config-inited, before source discovery) and the coverage check."""
    app.connect("config-inited", generate)
    app.connect("env-check-consistency", check_coverage)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
