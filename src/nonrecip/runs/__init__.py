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
"""

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
