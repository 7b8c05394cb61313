"""The one table of parameters: every input a physicist sets, declared once.

Each :class:`Parameter` says what a parameter is called (the name the paper
and the physicist use, which is also the Python attribute, the keyword of
the API and the column of a sweep table), its type, default, unit, allowed
range or choices, help text and command-line flag. Everything else is
derived from :data:`PARAMETERS`:

* the validation of the frozen parameter objects of :mod:`nonrecip.wire`
  (:class:`~nonrecip.wire.ClassicalParams`, ``CircuitParams``,
  ``QuantumParams``): their ``__post_init__`` calls :meth:`Parameter.check`
  on every field, and their field defaults are :func:`default`;
* the options of every command that takes model parameters
  (:mod:`nonrecip.cli._common`: :func:`~nonrecip.cli._common.opt` gives the
  ``Annotated`` typer option of one parameter, and
  :func:`~nonrecip.cli._common.table_options` adds the options of a list of
  parameters to a command's signature);
* the axes of ``nonrecip sweep MODEL`` (:data:`MODEL_PARAMETERS`);
* the reference table ``docs/parameters.md``, written by
  :func:`markdown_table` (``python docs/gen_parameters.py``; a test checks
  that the committed file is current).

The library and the command line share these defaults: ``ClassicalParams()``
is what ``nonrecip solve classical`` computes with no options. The quantum
wire's ``Ig`` is the one rule with two spellings: either ``Ig`` itself or
``ig_ratio = Ig / Io`` with ``Io = dmu / (2 pi)``, never both, and
``ig_ratio = 0.3`` (the paper's example, Sec. III) when neither is given;
:func:`quantum_ig` is that rule.

How to add a parameter
----------------------
1. Add one :class:`Parameter` to ``_TABLE`` below (name, type, default,
   unit, range or choices, help; the flag defaults to ``--name`` in lower
   case with ``-`` for ``_``) and the model names that use it to
   :data:`MODEL_PARAMETERS`.
2. That is all the table needs. The command-line option, the sweep axis and
   the documentation row exist from then on; a frozen parameter object
   that should carry it gets a field ``name: float = default("name")``
   (validated automatically), and a command that is not generated from
   :data:`MODEL_PARAMETERS` names it in ``table_options("...")`` or uses
   ``opt("name")``. Regenerate ``docs/parameters.md``.

This module is light: it imports only the standard library and
:mod:`nonrecip.errors`, so the CLI can build its help from it without loading
numba, scipy or pandas.

Examples
--------
>>> PARAMETERS["p"].allowed
'in (0, 1]'
>>> PARAMETERS["p"].check(0.5)
0.5
>>> default("Ig"), default("Ig", "quantum")
(0.05, None)
>>> round(quantum_ig(None, None, dmu=0.1) / (0.1 / (2 * math.pi)), 12)
0.3
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError

__all__ = [
    "Parameter",
    "PARAMETERS",
    "MODEL_PARAMETERS",
    "EXCLUSIVE",
    "IG_RATIO_DEFAULT",
    "ESTIMATORS",
    "MODES",
    "RESPONSES",
    "METHODS",
    "BIASES",
    "STARTS",
    "OBJECTIVES",
    "ROBUST",
    "WIRE_MODELS",
    "HAMILTONIAN_PARAMETERS",
    "DESIGN_PARAMETERS",
    "default",
    "defaults",
    "choices",
    "check_real",
    "check_int",
    "quantum_ig",
    "markdown_table",
]


# --------------------------------------------------------------------------
# validation of single values (the ParameterError messages)
# --------------------------------------------------------------------------
def _real(name: str, value: Any) -> float:
    """Return ``value`` as a finite float or raise :class:`ParameterError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(name, value, "must be a real number")
    x = float(value)
    if not math.isfinite(x):
        raise ParameterError(name, value, "must be finite (not NaN or infinite)")
    return x


def _interval(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    """``in (0, 1]``, ``>= 0``, ``> 0``, ``<= 2``; empty without bounds."""
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return ""


def check_real(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False, hi_open: bool = False) -> float:
    """Validate a finite real within an interval; return it as a float.

    The error message spells the interval, e.g. ``must be in (0, 1]``.
    """
    x = _real(name, value)
    bad = (
        (lo is not None and (x <= lo if lo_open else x < lo))
        or (hi is not None and (x >= hi if hi_open else x > hi))
    )
    if bad:
        raise ParameterError(name, value, "must be " + _interval(lo, hi, lo_open, hi_open))
    return x


def check_int(name: str, value: Any, *, lo: int | None = None) -> int:
    """Validate an integer (not bool), optionally ``>= lo``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(name, value, "must be an integer")
    v = int(value)
    if lo is not None and v < lo:
        raise ParameterError(name, value, f"must be an integer >= {lo}")
    return v


# --------------------------------------------------------------------------
# the declaration
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    """One parameter, declared once.

    Attributes
    ----------
    name : str
        As the physicist writes it; also the Python attribute, the API
        keyword and the sweep-table column (``p``, ``Ig``, ``mubar``).
    kind : {float, int, str}
        Its type.
    default : object
        The default of the library and of every command; ``None`` means
        "not given" (the parameter is then optional: ``N`` of an explicit
        layout, the nonlinear solver's ``tol``).
    help : str
        One sentence for ``--help`` and the docs (the allowed range is
        added from ``lo``/``hi``/``choices``, don't repeat it).
    unit : str
        Unit in the project's units (conventions §1), ``""`` if none.
    lo, hi : float or int, optional
        Bounds of the allowed interval; ``lo_open``/``hi_open`` exclude them.
    choices : tuple of str
        The allowed values of a ``str`` parameter (``()``: any string).
    flag : str
        Command-line option; ``--`` + the name in lower case, ``_`` -> ``-``
        when not given.
    model_defaults : tuple of (str, object)
        Defaults that differ in one model (or command), as ``(model,
        value)`` pairs: e.g. the quantum wire's ``Ig`` is ``None`` (taken
        from ``ig_ratio``).
    reader : str
        ``"module:function"`` validating a per-site array parameter given
        as a file name (the command line, a sweep) or an array (the API):
        ``function(name, value)`` returns a read-only array or ``None``
        (e.g. :func:`nonrecip.profiles.check_profile`). Imported only when
        such a value is checked, so this module stays light. ``""`` for a
        plain ``float``/``int``/``str`` parameter.
    each : str
        What each value of such a per-site parameter must be (``in (0, 1]``).
    """

    name: str
    kind: type
    default: Any
    help: str
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple[str, ...] = ()
    flag: str = ""
    model_defaults: tuple[tuple[str, Any], ...] = ()
    reader: str = ""
    each: str = ""

    def __post_init__(self) -> None:
        """Default the flag to ``--name`` (lower case, ``-`` for ``_``)."""
        if not self.flag:
            object.__setattr__(self, "flag", "--" + self.name.lower().replace("_", "-"))

    # -- what is allowed -------------------------------------------------
    @property
    def allowed(self) -> str:
        """What is allowed, in words (``in (0, 1]``, ``one of a, b``)."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.reader:
            return f"N values {self.each}, one per site (a file or an array)"
        text = _interval(self.lo, self.hi, self.lo_open, self.hi_open)
        if self.kind is int:
            return f"an integer {text}".rstrip()
        return text

    def check(self, value: Any) -> Any:
        """Validate ``value``; return it normalised (``float``, ``int``, ``str``).

        ``None`` passes when the default is ``None`` somewhere (an optional
        parameter). Raises :class:`~nonrecip.errors.ParameterError`.
        """
        if value is None and self.optional:
            return None
        if self.reader:
            import importlib

            module, function = self.reader.split(":")
            return getattr(importlib.import_module(module), function)(self.name, value)
        if self.kind is float:
            return check_real(self.name, value, lo=self.lo, hi=self.hi, lo_open=self.lo_open, hi_open=self.hi_open)
        if self.kind is int:
            v = check_int(self.name, value, lo=None if self.lo is None else int(self.lo))
            if self.hi is not None and v > self.hi:
                raise ParameterError(self.name, value, f"must be an integer <= {self.hi:g}")
            return v
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ParameterError(self.name, value, "must be true or false")
            return value
        if not isinstance(value, str):
            raise ParameterError(self.name, value, "must be a string")
        if self.choices and value not in self.choices:
            raise ParameterError(self.name, value, f"must be one of {', '.join(self.choices)}")
        return value

    @property
    def optional(self) -> bool:
        """True when ``None`` ("not given") is a valid value."""
        return self.default is None or any(v is None for _, v in self.model_defaults)

    def default_for(self, model: str | None = None) -> Any:
        """Return the default in ``model`` (a model or command name)."""
        return dict(self.model_defaults).get(model, self.default) if model else self.default

    @property
    def aliases(self) -> set[str]:
        """Spellings accepted in sweep grids and TOML files.

        The name, the flag without dashes, either with ``-`` or ``_``, any case.
        """
        f = self.flag.lstrip("-")
        return {s.lower() for s in (self.name, f, f.replace("-", "_"), self.name.replace("_", "-"))}

    @property
    def cli_help(self) -> str:
        """The ``--help`` text: the help sentence and what is allowed."""
        allowed = self.allowed
        return f"{self.help} Allowed: {allowed}." if allowed and self.kind is not str else (
            f"{self.help} One of: {', '.join(self.choices)}." if self.choices else self.help)


# --------------------------------------------------------------------------
# choices, written once
# --------------------------------------------------------------------------
ESTIMATORS = ("walkers", "adjoint")
MODES = ("linear", "physical")
RESPONSES = ("linear", "nonlinear", "cubic")
METHODS = ("auto", "fast", "dense")
BIASES = ("forward", "reverse")
STARTS = ("empty", "rho0", "linear")
OBJECTIVES = ("delta_I", "relative", "per-pair")
ROBUST = ("worst", "mean")
WIRE_MODELS = ("uniform", "ssh", "anderson", "aubry-andre", "long-range")

#: Ig/Io of the quantum wire when neither Ig nor ig_ratio is given (the
#: paper's example value, Sec. III, Eqs. B31-B33)
IG_RATIO_DEFAULT = 0.3

# --------------------------------------------------------------------------
# THE table
# --------------------------------------------------------------------------
_CLASSICAL_UNITS = "conventions §1: e = v_F = a = tau = 1"
_TABLE: tuple[Parameter, ...] = (
    # -- the wire ---------------------------------------------------------
    Parameter("layout", str, "dimers",
              "Layout string of '.', 'S', 'D', 'P' (e.g. .SDSD.; sites 1 and N are '.'), "
              "or a named layout 'dimers'/'single' with --n (conventions §1).",
              flag="--layout"),
    Parameter("N", int, None, "Number of sites N (needed by 'dimers' and 'single'; an explicit layout fixes it).",
              lo=4, flag="--n"),
    # -- classical walkers (Sec. II, conventions §2) -----------------------
    Parameter("p", float, 0.9, "Move probability at sites with S, D or P attached; 1-p flips.",
              lo=0.0, hi=1.0, lo_open=True),
    Parameter("p_profile", str, None,
              "Move probability per site, each in (0, 1]: a text file of N numbers (sites 1..N, separated by whitespace or "
              "newlines) or a .npy file; used on S/D/P sites (free sites move on with probability 1). "
              "Replaces p: not with --p (conventions §2). Echoed as a digest (sha256, N, min, max).",
              reader="nonrecip.profiles:check_profile", each="in (0, 1]"),
    Parameter("Ig", float, 0.05, "Current injected by each source and drawn by each drain.",
              unit="walkers/step (classical); V/R (circuit); e gamma_o/hbar (quantum)", lo=0.0,
              model_defaults=(("quantum", None),)),
    Parameter("drho", float, 0.1, "Density bias delta_rho (the left reservoir is higher when forward).",
              unit="walkers/site", lo=0.0),
    Parameter("rho0", float, 1.0, "Background reservoir density (currents do not depend on it).",
              unit="walkers/site", lo=0.0),
    # -- resistive circuit (Sec. I, App. D, conventions §3) ----------------
    Parameter("V", float, 1.0, "Bias voltage (site 1 at V when forward, site N at 0).", unit="volt", lo=0.0),
    Parameter("R", float, 1.0, "Total resistance of the wire, split into N-1 equal segments.", unit="ohm",
              lo=0.0, lo_open=True),
    # -- quantum wire (Sec. III, App. B, conventions §4) -------------------
    Parameter("gamma", float, 0.5, "Coupling of the S, D and P baths.", unit="gamma_o (hopping)", lo=0.0),
    Parameter("mubar", float, 1.0, "Mean chemical potential (mu_L + mu_R)/2, inside the band.",
              unit="gamma_o", lo=-2.0, hi=2.0, lo_open=True, hi_open=True, flag="--mu"),
    Parameter("dmu", float, 0.1, "Forward bias mu_L - mu_R (reverse swaps the two sides).", unit="gamma_o",
              lo=0.0, lo_open=True),
    Parameter("ig_ratio", float, None,
              f"Ig in units of Io = dmu/(2 pi) (the paper's Ig/Io); {IG_RATIO_DEFAULT} when Ig is not given. "
              "Not with --ig.", unit="Io", lo=0.0),
    Parameter("gamma_contact", float, 1.0, "Coupling of the reservoirs at sites 1 and N (1: reflectionless).",
              unit="gamma_o", lo=0.0, lo_open=True),
    Parameter("temperature", float, 0.0,
              "Temperature of every bath (linear and nonlinear response; cubic needs 0).",
              unit="gamma_o/k_B", lo=0.0),
    # -- the quantum wire's Hamiltonian (nonrecip.hamiltonian, conventions §4) --
    Parameter("wire_model", str, "uniform",
              "Hamiltonian of the quantum wire: uniform (the paper's: eps = 0, t = 1), ssh (--t1, --t2), "
              "anderson (--disorder, --disorder-seed), aubry-andre (--aa-lambda, --aa-beta, --aa-phase) or "
              "long-range (--hopping-range, --hopping-decay).", choices=WIRE_MODELS, flag="--model"),
    Parameter("t1", float, None, "SSH: hopping of the bonds 1-2, 3-4, ... (default 1).", unit="gamma_o"),
    Parameter("t2", float, None, "SSH: hopping of the bonds 2-3, 4-5, ... (required by --model ssh).",
              unit="gamma_o"),
    Parameter("disorder", float, None,
              "Anderson: width W, eps_l uniform in [-W/2, W/2] (required by --model anderson).",
              unit="gamma_o", lo=0.0),
    Parameter("disorder_seed", int, None, "Anderson: seed of the on-site energies (default 0).", lo=0),
    Parameter("aa_lambda", float, None,
              "Aubry-Andre: amplitude lambda of eps_l = lambda cos(2 pi beta l + phi) (required by "
              "--model aubry-andre).", unit="gamma_o"),
    Parameter("aa_beta", float, None, "Aubry-Andre: wave number beta (default (sqrt 5 - 1)/2).", unit="1/site"),
    Parameter("aa_phase", float, None, "Aubry-Andre: phase phi (default 0).", unit="rad"),
    Parameter("hopping_range", int, None,
              "Long-range: range r, t_{l,l+k} = k^-alpha for k <= r (required by --model long-range).", lo=1),
    Parameter("hopping_decay", float, None, "Long-range: decay exponent alpha (default 2).", lo=0.0),
    Parameter("onsite", str, None,
              "File of the N on-site energies eps_1..eps_N (text: numbers separated by whitespace; or .npy); "
              "only with --model uniform.", unit="gamma_o"),
    Parameter("hoppings", str, None,
              "CSV file with the header i,j,t: the complete list of hoppings, sites 1-based (a pair not listed "
              "has none); only with --model uniform.", unit="gamma_o"),
    Parameter("response", str, "linear",
              "linear (any T), nonlinear (full Landauer-Buttiker, Newton) or cubic (Eq. B35, T = 0).",
              choices=RESPONSES),
    Parameter("method", str, "auto", "Linear response: fast (direct O(N), = auto) or dense (O(N^3) oracle).",
              choices=METHODS),
    Parameter("tol", float, None,
              "Nonlinear only: Newton/quadrature tolerance relative to max(Ig, Io) (default 1e-10).",
              lo=0.0, lo_open=True),
    Parameter("max_iter", int, None, "Nonlinear only: Newton iteration limit (default 50).", lo=0),
    Parameter("max_nodes", int, None,
              "Nonlinear only: hard bound on the Chebyshev energy grid (unset: 513, then the adaptive band rule "
              "takes over).", lo=3),
    # -- Monte Carlo (Sec. II, conventions §2) -----------------------------
    Parameter("steps", int, 100_000,
              "Injection time steps sampled (adjoint: walkers entering at site 1); trajectory: steps per run; "
              "with --target-stderr: the pilot's budget (8192 when left at the default).",
              lo=1, model_defaults=(("trajectory", 10_000),)),
    Parameter("seed", int, 0, "Root seed: same inputs and seed, same bytes.", lo=0),
    Parameter("mode", str, "linear",
              "linear (drains always take their share: unbiased for the linear master equation) or physical "
              "(drains take only walkers present; the shortfall is reported as unmet_drain).", choices=MODES),
    Parameter("estimator", str, "walkers",
              "walkers (densities and bond currents) or adjoint (currents only, much faster).",
              choices=ESTIMATORS),
    Parameter("n_batches", int, 32, "Independent batches for the standard errors (fixes the result with --seed).",
              lo=2, flag="--batches"),
    Parameter("target_stderr", float, None,
              "Monte Carlo precision on demand: a pilot run sizes the run so that stderr(delta_I) <= this "
              "in at least 95 % of runs (see --relative, --max-seconds; --steps is then the pilot's budget).",
              lo=0.0, lo_open=True),
    Parameter("relative", int, 0,
              "With --target-stderr: the target is relative, stderr(delta_I) <= target_stderr x |delta_I| "
              "(a switch on the command line; 0 or 1 in a sweep).", lo=0, hi=1),
    Parameter("max_seconds", float, None,
              "With --target-stderr: ceiling on the wall time; a run cut short says so (target_met false).",
              unit="s", lo=0.0, lo_open=True),
    Parameter("steps_min", int, 1000, "Convergence study: smallest budget.", unit="steps", lo=1),
    Parameter("steps_max", int, 256_000, "Convergence study: largest budget.", unit="steps", lo=1),
    Parameter("factor", float, 4.0, "Convergence study: ratio of successive budgets.", lo=1.0, lo_open=True),
    # -- trajectories (time-resolved populations) --------------------------
    Parameter("bias", str, "forward", "Bias of a trajectory: forward, reverse or both.",
              choices=BIASES + ("both",)),
    Parameter("start", str, "empty",
              "Initial wire: empty, rho0 (current-free background) or linear (exact linear state).",
              choices=STARTS),
    Parameter("record_every", int, None, "Record every this many steps (default: steps/500, at least 1).", lo=1),
    Parameter("scale", float, 1000.0, "Walkers per unit density (larger: smoother, same cost per step).",
              lo=0.0, lo_open=True),
    Parameter("runs", int, 1, "Independent runs; recorded values get their standard error.", lo=1),
    # -- inverse design (nonrecip design MODEL, nonrecip.design.design) ------
    Parameter("pairs", int, None, "Number K of sources and of drains placed on the interior sites 2..N-1 "
              "(required).", lo=1),
    Parameter("probes", int, 0, "Number M of zero-current probes P placed besides the pairs.", lo=0),
    Parameter("objective", str, "delta_I",
              "What the search maximises: delta_I, relative (delta_I / mean |I_in|) or per-pair (delta_I / K).",
              choices=OBJECTIVES),
    Parameter("fixed", str, None, "Sites held at one kind, e.g. 2=S,9=D (sites 2..N-1, kinds S D P .).",
              flag="--fixed"),
    Parameter("min_gap", int, 1, "Smallest distance between two baths (1: neighbours allowed).", lo=1),
    Parameter("budget", int, None, "Layouts the search may evaluate (default 100000; exhaustive when all fit).",
              unit="evaluations", lo=1),
    Parameter("max_seconds", float, None, "Wall-clock limit of the annealing search.", unit="s", lo=0.0,
              lo_open=True),
    Parameter("restarts", int, 8, "Independent annealing restarts (how many agree is reported).", lo=1),
    Parameter("top", int, 5, "How many best layouts to list.", lo=1),
    Parameter("robust_over", str, None,
              "Optimise over a parameter range NAME:LO:HI:N (N evenly spaced values, e.g. mubar:0.8:1.2:5).",
              flag="--robust-over"),
    Parameter("robust", str, "worst", "Robust objective: the worst case or the mean over --robust-over.",
              choices=ROBUST),
    Parameter("workers", int, None, "Processes of the exhaustive search (default: serial).", lo=1),
    # -- sweeps ------------------------------------------------------------
    Parameter("max_points", int, 100_000,
              "Sweeps: largest number of grid points; a larger grid is refused before any point is built.",
              lo=1),
)

#: every parameter by name, in table order
PARAMETERS: dict[str, Parameter] = {p.name: p for p in _TABLE}

_WIRE = ("layout", "N")
_CLASSICAL = _WIRE + ("p", "Ig", "drho", "rho0")

#: the options that build the quantum wire's Hamiltonian
#: (:func:`nonrecip.hamiltonian.hamiltonian_from_options`)
HAMILTONIAN_PARAMETERS: tuple[str, ...] = (
    "wire_model", "t1", "t2", "disorder", "disorder_seed", "aa_lambda", "aa_beta", "aa_phase",
    "hopping_range", "hopping_decay", "onsite", "hoppings")

#: the parameters of each model / command, in option and table-column order;
#: the sweep models are those of them that ``nonrecip sweep`` offers
MODEL_PARAMETERS: dict[str, tuple[str, ...]] = {
    "classical": _CLASSICAL + ("p_profile",),
    "circuit": _WIRE + ("V", "R", "Ig"),
    "quantum": _WIRE + ("gamma", "mubar", "dmu", "Ig", "ig_ratio", "gamma_contact", "temperature",
                        "response", "method", "tol", "max_iter", "max_nodes") + HAMILTONIAN_PARAMETERS,
    "simulate": _CLASSICAL + ("p_profile", "steps", "seed", "mode", "estimator", "n_batches", "target_stderr",
                              "relative", "max_seconds"),
    "converge": _CLASSICAL + ("steps_min", "steps_max", "factor", "seed", "estimator", "n_batches"),
    "trajectory": _CLASSICAL + ("steps", "seed", "bias", "start", "mode", "record_every", "scale", "runs"),
    "design": ("N", "pairs", "probes", "objective", "fixed", "min_gap", "budget", "max_seconds", "restarts",
               "seed", "top", "robust_over", "robust", "workers"),
}

#: the options of ``nonrecip design MODEL`` besides the model's own (the keywords of
#: :func:`nonrecip.design.design`, with ``N`` as ``n``)
DESIGN_PARAMETERS: tuple[str, ...] = MODEL_PARAMETERS["design"]

#: pairs of parameters that may not both be given
EXCLUSIVE: tuple[tuple[str, str], ...] = (("Ig", "ig_ratio"), ("p", "p_profile"))


def default(name: str, model: str | None = None) -> Any:
    """Return the default of parameter ``name`` (in ``model`` when it differs there)."""
    return PARAMETERS[name].default_for(model)


def defaults(model: str | None = None) -> dict[str, Any]:
    """Return every parameter's default in ``model``, by name.

    For hand-written command signatures, ``p: POpt = D["p"]`` with
    ``D = defaults("simulate")``.
    """
    return {name: p.default_for(model) for name, p in PARAMETERS.items()}


def choices(name: str) -> tuple[str, ...]:
    """Return the allowed values of a choice parameter (``estimator``, ``mode``...)."""
    return PARAMETERS[name].choices


def quantum_ig(Ig: float | None, ig_ratio: float | None, *, dmu: float) -> float:  # noqa: N803 - physics name
    """Return the quantum wire's source current from ``Ig`` or ``ig_ratio`` (the one rule).

    ``Ig`` and ``ig_ratio = Ig / Io`` (``Io = dmu / (2 pi)``, Sec. III) are
    mutually exclusive; with neither, ``ig_ratio`` is
    :data:`IG_RATIO_DEFAULT`. ``dmu`` must already be validated.

    Raises
    ------
    ParameterError
        Both given, or the one given is not allowed.
    """
    if Ig is not None and ig_ratio is not None:
        raise ParameterError("Ig", Ig, "give either Ig (--ig) or ig_ratio (--ig-ratio), not both")
    if Ig is not None:
        return float(PARAMETERS["Ig"].check(Ig))
    r = check_real("ig_ratio", IG_RATIO_DEFAULT if ig_ratio is None else ig_ratio, lo=0.0)
    return r * dmu / (2.0 * math.pi)


# --------------------------------------------------------------------------
# the documentation table
# --------------------------------------------------------------------------
def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return f"`{v}`"
    return f"{v:g}" if isinstance(v, float) else str(v)


def markdown_table() -> str:
    """``docs/parameters.md``: every parameter, generated from the table."""
    users: dict[str, list[str]] = {n: [] for n in PARAMETERS}
    for model, names in MODEL_PARAMETERS.items():
        for n in names:
            users[n].append(model)
    lines = [
        "# Parameters",
        "",
        "Generated from `src/nonrecip/params.py` by `python docs/gen_parameters.py`;",
        "do not edit by hand (a test checks that this file is current).",
        "",
        "The name is the Python attribute, the API keyword and the sweep-table column; the flag is the",
        "option of every command that takes the parameter. The library and the commands share the",
        "defaults. `-` as a default: not given (see the help). Units: conventions §1.",
        "",
        "| name | flag | type | default | unit | allowed | help | used by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in PARAMETERS.values():
        dflt = _cell(p.default) + "".join(f" ({m}: {_cell(v)})" for m, v in p.model_defaults)
        row = (f"`{p.name}`", f"`{p.flag}`", "file" if p.reader else p.kind.__name__, dflt, p.unit or "", p.allowed,
               p.help, ", ".join(users[p.name]))
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines) + "\n"
