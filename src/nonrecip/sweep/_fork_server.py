"""What the fork server of the local cluster's workers does before it forks any.

Imported first by that server (:func:`nonrecip.sweep.cluster.start_fork_server`
names it as the server's preload), with the environment variable
:data:`~nonrecip.sweep.cluster.ENV` naming a directory: it ignores SIGINT
(Ctrl-C reaches the whole process group; the client handles it, and the
workers forked from here inherit the setting; SIGINT was blocked until
then, since the server was spawned), imports what a worker runs,
computes a little of the sweep's point left in ``warm.pickle`` (if any) so
that its compiled kernels are loaded, and then creates the file ``ready``
there, which the client watches. Nothing of this may fail the server: a
warm-up that raises is skipped (the workers then load the kernels at their
first task). Imported anywhere else (no such variable) it does nothing.
"""

from __future__ import annotations

import os


def _warm(folder: str) -> None:
    import dataclasses
    import pickle
    import warnings

    path = os.path.join(folder, "warm.pickle")
    if not os.path.exists(path):
        return
    with open(path, "rb") as f:
        solver, prep, stochastic = pickle.load(f)
    from . import models

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if stochastic:  # one short batch of the same kind: the same compiled kernels
            nb = prep.kwargs["n_batches"]
            short = dataclasses.replace(prep, kwargs={**prep.kwargs, "steps": 64 * nb})
            models.mc_chunk(short, [0])
        else:
            models.solve_point(solver, prep)


def _prepare(folder: str) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked since the spawn: now ignored
    try:
        import distributed.nanny  # noqa: F401  (what a worker process runs)
        import distributed.worker  # noqa: F401

        from . import execute  # noqa: F401  (the tasks: models, solvers' entry points)

        _warm(folder)
    except Exception:  # never fail the server; the workers then do it themselves
        pass
    finally:
        os.environ.pop("NONRECIP_FORK_SERVER_DIR", None)  # not for the workers' own children
        try:
            with open(os.path.join(folder, "ready"), "w"):
                pass
        except OSError:  # the client is gone (and its folder with it): nothing waits for the mark
            pass


if os.environ.get("NONRECIP_FORK_SERVER_DIR"):
    _prepare(os.environ["NONRECIP_FORK_SERVER_DIR"])
