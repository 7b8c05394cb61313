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
