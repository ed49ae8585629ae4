"""Joining a Ray cluster, and fanning independent jobs out to an actor pool on it.

Ingest, evaluation and briefs all run the same way on Ray: Ray Data spreads
rows over a pool of actors (each loads its models once) and streams results
back to the driver, the only process that writes files or the index. Ray Data
restarts an actor lost with its node and re-runs the rows it held, so a job
that loses a node still yields every row; the driver keeps the first result per
key in case a re-run row arrives twice.

Rows cross the cluster as JSON text: plain values, no Python objects of ours in
the object store beyond the actor's constructor arguments.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from typing import Any

from index.errors import NewsragError


def connect(address: str) -> None:
    """Join the cluster at `address` ("auto": RAY_ADDRESS's), or start a Ray on this machine when it is ""."""
    import ray
    import ray.data  # configures its loggers on import: quieten them after

    # per-operator reports every 10 s and "progress bars disabled": noise in a CLI with its own bar
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    if ray.is_initialized():
        return
    if address == "auto" and not os.environ.get("RAY_ADDRESS"):
        raise NewsragError("--ray auto: RAY_ADDRESS is not set; give the cluster's address "
                           "(--ray HOST:6379) or --ray alone for a Ray on this machine")
    try:
        ray.init(address=address or None, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise NewsragError(f"--ray {address}: cannot join the Ray cluster ({exc}); "
                           "check the address and that `ray status` works there") from exc


def cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def data_context(preserve_order: bool) -> None:
    """Ray Data's per-driver options for the next dataset; newsrag draws its own progress bar."""
    import ray

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = preserve_order
    ctx.enable_progress_bars = False


def fan_out(jobs: list[dict[str, Any]], actor: type, actor_args: dict[str, Any], workers: int | None = None,
            cpus_per_worker: float = 1.0) -> Iterator[dict[str, Any]]:
    """Each job (a JSON-able dict) through `actor(**actor_args)(job)` on a pool of `workers` actors (default:
    as many as the cluster's CPUs hold; never more than there are jobs: each loads its models), results as
    they finish (not in job order)."""
    import ray

    if not jobs:
        return
    data_context(preserve_order=False)
    workers = workers or max(1, int(cluster_cpus() // cpus_per_worker))
    rows = [{"job": json.dumps(job)} for job in jobs]
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
        _JsonRows, batch_size=1, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=min(workers, len(rows))),
        num_cpus=cpus_per_worker, fn_constructor_kwargs={"actor": actor, "actor_args": actor_args})
    try:
        for row in dataset.iter_rows():
            yield json.loads(row["result"])
    except Exception as exc:
        if (failure := _newsrag_error_inside(exc)) is not None:  # an actor could not start: say why, in one line
            raise NewsragError(f"a Ray worker failed: {failure}") from exc
        raise


def _newsrag_error_inside(exc: BaseException) -> NewsragError | None:
    """The NewsragError a worker raised, unwrapped from Ray's errors (ActorDiedError → RayTaskError → cause)."""
    pending, seen = [exc], set()
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        cause = getattr(error, "cause", None)  # RayTaskError: the exception the worker raised
        if isinstance(error, NewsragError) and not isinstance(cause, BaseException):
            return error
        pending += [e for e in (cause, error.__cause__, *error.args) if isinstance(e, BaseException)]
    return None


class _JsonRows:
    """Adapts a per-job actor (dict in, dict out) to Ray Data's numpy batches of JSON text."""

    def __init__(self, actor: type, actor_args: dict[str, Any]) -> None:
        self.actor = actor(**actor_args)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        results = [json.dumps(self.actor(json.loads(job)), ensure_ascii=False) for job in batch["job"]]
        return {"result": np.array(results, dtype=object)}
