"""The run engine shared by every long computation.

``simulate``, ``converge``, ``trajectory`` and ``sweep`` all use it.

One idea per module:

* :mod:`.workers` -- how many threads or processes (one rule);
* :mod:`.batches` -- independent batches scheduled on threads, stoppable,
  completed batches kept on an interruption;
* :mod:`.checkpoint` -- atomic, versioned checkpoint files with a SHA-256
  checksum over their content and the run's parameters, validated on load;
* :mod:`.paths` -- output and checkpoint paths checked before any work
  (overwrite and resume policies, leftover temporary files);
* :mod:`.lock` -- an OS file lock so two runs never write one file;
* :mod:`.signals` -- SIGINT and SIGTERM delivered where a run can keep its work;
* :mod:`.progress` -- a progress bar with an ETA on stderr;
* :mod:`.budget` -- memory and size guards, before anything is allocated.

Each name loads its module on first use (PEP 562): the exact solvers' size
guards do not import the thread pool or the checkpoint machinery.
"""

from typing import TYPE_CHECKING

from .._lazy import attach

if TYPE_CHECKING:
    from .batches import Stopped, run_on_threads
    from .budget import (
        check_budgets,
        check_checkpoint_space,
        check_count,
        check_layout,
        check_memory,
        check_monte_carlo,
        check_output_space,
        check_sites,
        check_trajectory,
        check_trajectory_space,
    )
    from .checkpoint import read_checkpoint, write_checkpoint
    from .lock import FileLock
    from .paths import check_checkpoint, check_directory, check_free_space, check_output, clean_temporaries
    from .progress import ProgressBar, progress_default
    from .signals import Interruption
    from .workers import worker_count

__all__ = [
    "Stopped",
    "check_budgets",
    "check_checkpoint_space",
    "check_count",
    "check_layout",
    "check_memory",
    "check_sites",
    "check_monte_carlo",
    "check_trajectory",
    "check_trajectory_space",
    "run_on_threads",
    "read_checkpoint",
    "write_checkpoint",
    "FileLock",
    "check_checkpoint",
    "check_directory",
    "check_output",
    "check_output_space",
    "check_free_space",
    "clean_temporaries",
    "ProgressBar",
    "progress_default",
    "Interruption",
    "worker_count",
]

__getattr__, __dir__ = attach(__name__, {
    "Stopped": ".batches",
    "run_on_threads": ".batches",
    "check_budgets": ".budget",
    "check_checkpoint_space": ".budget",
    "check_output_space": ".budget",
    "check_count": ".budget",
    "check_layout": ".budget",
    "check_memory": ".budget",
    "check_monte_carlo": ".budget",
    "check_sites": ".budget",
    "check_trajectory": ".budget",
    "check_trajectory_space": ".budget",
    "read_checkpoint": ".checkpoint",
    "write_checkpoint": ".checkpoint",
    "FileLock": ".lock",
    "check_checkpoint": ".paths",
    "check_directory": ".paths",
    "check_output": ".paths",
    "check_free_space": ".paths",
    "clean_temporaries": ".paths",
    "ProgressBar": ".progress",
    "progress_default": ".progress",
    "Interruption": ".signals",
    "worker_count": ".workers",
})
