"""The docstring examples of every module of ``nonrecip`` run and print what
they show (the same as ``python -m pytest --doctest-modules src/nonrecip``,
but through the imported package, so it also works on an installed copy
without pytest's path juggling). One test per module that has examples."""

import doctest
import importlib
import pkgutil

import pytest

import nonrecip


def _modules_with_examples() -> list[str]:
    names = ["nonrecip"] + [m.name for m in pkgutil.walk_packages(nonrecip.__path__, "nonrecip.")]
    finder = doctest.DocTestFinder()
    out = []
    for name in names:
        if name.endswith("__main__"):
            continue
        mod = importlib.import_module(name)
        if any(t.examples for t in finder.find(mod, name)):
            out.append(name)
    return out


MODULES = _modules_with_examples()


def test_examples_were_found():
    # the package documents its main entry points by example; losing them all
    # (e.g. a broken finder) must not pass silently
    assert {"nonrecip", "nonrecip.deterministic.quantum", "nonrecip.validate"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    mod = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(mod, name):
        runner.run(test)
    res = runner.summarize(verbose=False)
    assert res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {name} (output above)"
