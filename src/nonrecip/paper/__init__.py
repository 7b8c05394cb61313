"""The paper as a first-class part, by its own numbering.

:mod:`nonrecip.paper.equations` holds every closed form (one function per
equation, its docstring saying where it is exact); :mod:`nonrecip.paper.figures`
reproduces each figure. Solvers never import this package: a closed form must
not leak into the solver that it checks.
"""
