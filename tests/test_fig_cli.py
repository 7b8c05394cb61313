"""`nonrecip figure`: bad names, PDF output, the figure registry."""

from __future__ import annotations

import pytest

from nonrecip.paper import figures as F
from nonrecip.wire import ParameterError


def test_bad_name_exit_2_one_line(cli, tmp_path):
    r = cli("figure", "4", "--out", str(tmp_path))
    assert r.code == 2
    assert r.err.count("\n") == 1 and r.err.startswith("nonrecip: error:") and "NAME" in r.err
    assert not list(tmp_path.iterdir())


def test_pdf(cli, tmp_path):
    r = cli("figure", "map-classical", "--out", str(tmp_path), "--quick", "--pdf")
    assert r.code == 0, r.err
    assert (tmp_path / "fig_map-classical.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "fig_map-classical.png").stat().st_size > 10_000
    assert r.out == ""  # messages go to stderr


def test_registry_order_and_titles():
    names = F.names()
    assert names[0] == "1"
    for n in names:
        spec = F.FIGURES[n]
        assert spec.title and callable(spec.func)
    with pytest.raises(ParameterError):
        F.make("nope")


def test_default_out_is_figures_under_cwd_and_said_on_stderr(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("figure", "3a", "--quick")
    assert r.code == 0, r.err
    assert r.out == ""  # status on stderr only
    assert (tmp_path / "figures" / "fig_3a.png").is_file() and (tmp_path / "figures" / "fig_3a.csv").is_file()
    assert not (tmp_path / "docs").exists()
    last = r.err.strip().splitlines()[-1]
    assert last.startswith("wrote 2 files") and last.endswith(str((tmp_path / "figures").resolve()))


def test_out_that_is_a_file_exit_2_nothing_written(cli, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = cli("figure", "3a", "--quick", "--out", str(f))
    assert r.code == 2 and r.err.count("\n") == 1 and "out" in r.err
    assert f.read_text() == "x" and sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def _two_figures(monkeypatch):
    # `figure all` over two cheap figures: the progress path without the whole gallery's time
    monkeypatch.setattr(F, "names", lambda: ["3a", "5"])


def test_all_progress_with_time_left_on_a_terminal(cli, tmp_path, monkeypatch):
    _two_figures(monkeypatch)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats stderr as a terminal
    monkeypatch.setenv("COLUMNS", "120")
    r = cli("figure", "all", "--quick", "--out", str(tmp_path))
    assert r.code == 0, r.err
    assert r.out == ""
    assert "2/2 figures" in r.err and " left " in r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig_3a.csv", "fig_3a.png", "fig_5.csv", "fig_5.png"]


def test_all_no_progress_and_no_bar_when_not_a_terminal(cli, tmp_path, monkeypatch):
    _two_figures(monkeypatch)
    r = cli("figure", "all", "--quick", "--out", str(tmp_path))  # stderr is a StringIO: no bar
    assert r.code == 0 and " left " not in r.err and "\r" not in r.err
    assert len(r.err.strip().splitlines()) == 3  # one line per figure and where the files went
    monkeypatch.setenv("FORCE_COLOR", "1")
    r = cli("figure", "all", "--quick", "--out", str(tmp_path), "--no-progress")
    assert r.code == 0 and " left " not in r.err and "\r" not in r.err and "\x1b" not in r.err
    assert len(r.err.strip().splitlines()) == 3
