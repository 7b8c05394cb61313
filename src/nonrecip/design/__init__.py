"""Inverse design: the arrangement of sources and drains that maximises nonreciprocity.

:func:`design` searches the layouts of ``N`` sites with ``K`` sources, ``K``
drains and ``M`` probes (conventions §1) for the largest ``delta_I`` (or
``delta_I / mean |I_in|``, or ``delta_I / K``) of the classical, circuit or
quantum model, and returns a read-only :class:`DesignResult` whose
``to_dict()`` is the JSON contract of ``nonrecip design``.

* :mod:`.space` — the layouts, their constraints and ranks;
* :mod:`.evaluate` — one layout through the model's solver and the objective;
* :mod:`.analytic` — the classical optimum in closed form, with its proof;
* :mod:`.analytic_fixed` — the same with fixed sites (a dynamic programme);
* :mod:`.exhaustive` — all layouts, in parallel rank chunks;
* :mod:`.superpose` — every order of one set of bath sites from ``2K + M`` solves;
* :mod:`.anneal` — simulated annealing with restarts;
* :mod:`.result` — :class:`DesignResult`;
* :mod:`.plot` — the figure of a result.
"""

from .analytic import ClassicalOptimum, bath_weight, classical_optimum, closed_form_currents, optimal_word
from .evaluate import MODELS, OBJECTIVES, Candidate, Evaluator
from .result import DesignResult
from .search import METHODS, design, reference_layouts
from .space import LayoutSpace, parse_fixed

__all__ = ["design", "DesignResult", "Candidate", "LayoutSpace", "Evaluator", "parse_fixed", "reference_layouts",
           "classical_optimum", "ClassicalOptimum", "bath_weight", "closed_form_currents", "optimal_word",
           "MODELS", "OBJECTIVES", "METHODS"]
