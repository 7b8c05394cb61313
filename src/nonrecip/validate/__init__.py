"""Validation: every model checked against the paper's closed forms and each other.

The results form one tidy table.

>>> from nonrecip.validate import run_checks
>>> df = run_checks("quick", select=["classical.eq6"])
>>> bool(df["passed"].all())
True

* :mod:`.registry` — the :func:`check` decorator, the row helpers and
  :func:`run_checks`;
* :mod:`.checks_classical` — exact classical solve vs Eqs. 6, 8, 9, A14-A44,
  C23-C24; the circuit vs Sec. I / App. D and vs the ``p -> 0`` limit;
* :mod:`.checks_stochastic` — Monte Carlo vs the closed forms, in standard
  errors;
* :mod:`.checks_quantum` — NEGF solve vs B28-B33, C13/Eq. 22, Eqs. 19-21,
  and the classical-vs-quantum comparison on the axis ``N / l_c``;
* :mod:`.report` — Markdown, CSV, JSON, HTML and rich output.
"""

from .registry import COLUMNS, LEVELS, Check, Context, all_checks, check, get_check, run_checks
from .report import summary, write_report

__all__ = ["COLUMNS", "LEVELS", "Check", "Context", "check", "get_check", "all_checks", "run_checks",
           "summary", "write_report"]
