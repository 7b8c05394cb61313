"""Every command and Python snippet of README.md runs as written.

The README's fenced ``bash`` blocks are split into commands (``&&`` chains
and ``# comments`` handled like a shell does); each command is either run
here or skipped for a stated reason:

* ``pip install ...`` installs packages (CI does it before the tests);
* ``python -m pytest ...`` is this test suite itself;
* ``nonrecip ...`` runs through :func:`nonrecip.cli.main`, the entry point of
  the ``nonrecip`` console script (pyproject ``[project.scripts]``), in
  process, in one scratch directory per README block, in README order (so
  ``--resume`` finds the checkpoint written by the line above). The
  placeholder ``tcp://HOST:8786`` is replaced by the address of a local Dask
  cluster started here; nothing else is changed;
* ``python benchmarks/...`` runs as a subprocess and is marked ``slow``,
  as is ``nonrecip validate --full`` (about 40 s): ``python -m pytest -m slow``.

Each ``python`` block runs as a script file in a subprocess (so the
``if __name__ == "__main__":`` guard of the sweep example is exercised the
way a user's script exercises it). The ``json`` block documents the shape of
``--json`` output; its top-level keys are compared with a real output.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

import nonrecip
from nonrecip.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

SLOW = ("validate --full",)


def _blocks(lang: str) -> list[tuple[int, str]]:
    """(line number, body) of every fenced block of the given language."""
    out = []
    for m in re.finditer(r"^```(\w*)\n(.*?)^```", README, re.S | re.M):
        if m.group(1) == lang:
            out.append((README[: m.start()].count("\n") + 2, m.group(2)))
    return out


def _commands() -> list[tuple[str, int, list[str]]]:
    """(block id, line, argv) for every command of every bash block."""
    cmds = []
    for b, (first, body) in enumerate(_blocks("bash")):
        for k, line in enumerate(body.splitlines()):
            words = shlex.split(line, comments=True)
            while words:
                if "&&" in words:
                    i = words.index("&&")
                    part, words = words[:i], words[i + 1:]
                else:
                    part, words = words, []
                cmds.append((f"block{b}", first + k, part))
    return cmds


COMMANDS = _commands()


def _kind(argv: list[str]) -> str:
    if argv[:2] == ["pip", "install"]:
        return "install"
    if argv[:3] == ["python", "-m", "pytest"]:
        return "pytest"
    if argv[0] == "nonrecip":
        return "nonrecip"
    if argv[0] == "python" and len(argv) == 2 and argv[1].startswith("benchmarks/"):
        return "benchmark"
    return "unknown"


def _id(c) -> str:
    return f"L{c[1]}:{' '.join(c[2])[:60]}"


def test_readme_has_commands_and_snippets():
    assert len(COMMANDS) >= 20 and len(_blocks("python")) >= 2
    # every command is one we know how to run or why we skip it
    assert [c for c in COMMANDS if _kind(c[2]) == "unknown"] == []


def test_readme_cites_the_paper_and_no_internal_documents():
    assert "arXiv:2409.12510" in README and "Bag" in README and "Roy" in README
    # neither the internal notes the project started from nor their paths
    assert not re.search(r"\b[S]PEC\b", README) and "shared/" not in README
    for link in ("docs/conventions.md", "LICENSE", "CITATION.cff", "CHANGELOG.md"):
        assert f"]({link})" in README, link
        assert (ROOT / link).is_file(), link


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory):
    """One scratch directory per README block, shared by its commands."""
    return {}


@pytest.fixture(scope="module")
def dask_address():
    from nonrecip.sweep import local_cluster

    with local_cluster(1) as c:
        yield c.scheduler_address


def _params():
    out = []
    for c in COMMANDS:
        kind = _kind(c[2])
        marks = []
        line = " ".join(c[2])
        if kind == "benchmark" or any(s in line for s in SLOW):
            marks.append(pytest.mark.slow)
        out.append(pytest.param(c, id=_id(c), marks=marks))
    return out


@pytest.mark.parametrize("cmd", _params())
def test_readme_command(cmd, workdirs, tmp_path_factory, request, monkeypatch, capsys):
    block, line, argv = cmd
    kind = _kind(argv)
    if kind == "install":
        pytest.skip("installs packages (CI installs the package before running the tests)")
    if kind == "pytest":
        pytest.skip("this is the test suite itself")
    cwd = workdirs.setdefault(block, tmp_path_factory.mktemp(block))
    monkeypatch.chdir(cwd)
    if kind == "benchmark":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pathlib.Path(nonrecip.__file__).parents[1]),
                                                           os.environ.get("PYTHONPATH", "")]))
        r = subprocess.run([sys.executable, str(ROOT / argv[1])], cwd=cwd, env=env,
                           capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr[-3000:]
        assert r.stdout.strip()
        return
    args = argv[1:]
    if "tcp://HOST:8786" in args:
        args = [request.getfixturevalue("dask_address") if a == "tcp://HOST:8786" else a for a in args]
    before = {p for p in cwd.rglob("*")}
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc == 0, f"exit code {rc}; stderr: {err[-2000:]}"
    assert "Traceback" not in err
    if "--json" in args:
        json.loads(out)  # exactly one JSON document
    for flag in ("--out", "--plot", "--checkpoint"):
        if flag in args:
            f = cwd / args[args.index(flag) + 1]
            assert f.is_file() and f.stat().st_size > 0, f
    if args[0] == "figure":
        new = {p for p in cwd.rglob("*.png")} - before
        assert new, "figure wrote no PNG"
    elif "--out" not in args and "--plot" not in args:
        assert out.strip(), "printed nothing"


def _keys_by_depth(text: str) -> dict[int, list[str]]:
    """Quoted keys (``"k":``) of a JSON-like sketch, by brace depth."""
    depth, out = 0, {}
    for m in re.finditer(r'[{}]|"(\w+)":', text):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
        else:
            out.setdefault(depth, []).append(m.group(1))
    return out


def test_readme_json_shape_matches_real_output(capsys):
    (_, body), = _blocks("json")
    keys = _keys_by_depth(body)
    assert keys[1] == ["parameters", "forward", "reverse", "delta_I"]
    assert main(["solve", "classical", "--layout", ".SD.", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == keys[1]
    # the fields the sketch names inside "forward" exist in a real output
    assert set(keys[2]) <= set(doc["forward"])


@pytest.mark.parametrize("snippet", _blocks("python"), ids=lambda s: f"L{s[0]}")
def test_readme_python_snippet(snippet, tmp_path):
    line, body = snippet
    script = tmp_path / "snippet.py"
    script.write_text(body)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pathlib.Path(nonrecip.__file__).parents[1]),
                                                       os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Traceback" not in r.stderr and "Nanny failed" not in r.stderr
    assert not [w for w in r.stderr.splitlines() if "Warning" in w], r.stderr[-3000:]


def test_console_script_when_installed():
    """CI installs the package, so ``nonrecip`` is on PATH there; from a source
    tree (PYTHONPATH=src) it is absent and :func:`main` above stands in."""
    exe = shutil.which("nonrecip")
    if exe is None:
        pytest.skip("console script not installed (running from the source tree)")
    r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "validate" in r.stdout


def test_conventions_page_has_every_section_the_code_cites():
    """Docstrings, help texts and tests cite ``docs/conventions.md`` as
    "conventions §N": every cited section exists, with its MyST anchor."""
    page = (ROOT / "docs" / "conventions.md").read_text()
    sections = {int(n) for n in re.findall(r"^\(conventions-(\d)\)=\n## §\1 ", page, re.M)}
    assert sections == {1, 2, 3, 4, 5}
    cited = set()
    for path in [*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), ROOT / "README.md"]:
        cited |= {int(n) for n in re.findall(r"conventions §(\d)", path.read_text())}
    assert cited and cited <= sections
