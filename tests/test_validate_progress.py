"""validate shows a progress bar with the time left (on a terminal or with --progress)."""

from nonrecip.cli import main


def test_progress_bar_with_time_left(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats stderr as a terminal
    monkeypatch.setenv("COLUMNS", "120")
    assert main(["validate", "--select", "circuit.*", "--progress"]) == 0
    err = capsys.readouterr().err
    assert "validate" in err and " left " in err and "3/3" in err


def test_no_progress_gives_one_line_per_check(capsys):
    assert main(["validate", "--select", "circuit.*", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert " left " not in err and "\r" not in err
    assert sum(line.strip().startswith("circuit.") for line in err.splitlines()) == 3
