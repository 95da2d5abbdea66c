"""Work handed to a forked child process, so that a second core does it meanwhile.

Only for pure work on data already in memory: the child inherits the parent's memory as
it was at the fork (copy on write), does the work, sends the result back through a pipe and
leaves without running any cleanup (an inherited database connection is never touched).
Where a child cannot be had, or fails, or dies, the parent does the work itself, so the
result never depends on whether the child ran.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# What starts a piece of work and returns what waits for its result.
Starter = Callable[[Callable[[], Any]], Callable[[], Any]]


def at_once(work: Callable[[], Any]) -> Callable[[], Any]:
    """Do `work` now, here; return what gives its result."""
    result = work()
    return lambda: result


def can_fork() -> bool:
    """Tell whether work can go to a forked child here (fork exists, a second core too)."""
    return "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def in_child(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start `work` in a forked child; return what waits for its result.

    Waiting gives the child's result; if the child failed or died, the work is done then,
    in this process.
    """
    if not can_fork():
        return at_once(work)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(work, sender), daemon=True)
    process.start()
    sender.close()

    def wait() -> Any:
        try:
            status, value = receiver.recv()
        except (EOFError, OSError):  # the child died before it could answer
            status, value = "died", None
        finally:
            receiver.close()
            process.join()
        if status == "done":
            return value
        if status == "failed":
            log.warning("子进程计算失败，改在本进程计算：%s", value)
        return work()

    return wait


def _run(work: Callable[[], Any], sender: Any) -> None:
    """In the child: do the work, send the outcome, and leave at once."""
    try:
        outcome: tuple[str, Any] = ("done", work())
    except BaseException as error:  # the parent must hear of any failure
        outcome = ("failed", "".join(traceback.format_exception_only(error)).strip())
    try:
        sender.send(outcome)
    finally:
        sender.close()
        os._exit(0)  # no atexit handlers, no finalizers on inherited connections
