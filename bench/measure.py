"""Run one command as a child process and measure it: wall time, CPU time, peak RSS.

Peak memory is the child's ``ru_maxrss`` as returned by ``os.wait4`` for that child alone (on
Linux it covers the child and any process it waited for, e.g. the commands run by ``sh -c``),
so steps never see each other's peaks. No psutil.

The machine is shared, so a run can be stopped before it hurts anyone: after ``timeout``
seconds, or when the resident memory of its process group passes ``memory_limit_gb`` (read
from ``/proc`` twice a second). Either way the whole group is killed and the run is marked
with the reason.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Run", "group_rss_bytes", "run"]

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Run:
    """One measured run of a command."""

    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float  # MiB
    returncode: int
    timed_out: bool = False
    killed: str | None = None  # why the bench stopped it: "timeout" or "memory"

    def to_dict(self) -> dict:
        return asdict(self)


def group_rss_bytes(pgid: int) -> int:
    """Resident memory of every process in process group ``pgid``."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields after "comm)": state ppid pgrp ... rss is 24th
                total += int(fields[21]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(
    argv: Sequence[str] | str,
    *,
    stdout: Path | None = None,
    stderr: Path | None = None,
    timeout: float | None = None,
    memory_limit_gb: float | None = None,
    env: dict | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run ``argv`` (a list, or a string for ``sh -c``), wait for it, return what it cost.

    stdout and stderr go to files (``/dev/null`` when not given) so that writing the output is
    part of the measured work but the terminal is not.
    """
    shell = isinstance(argv, str)
    reason: list[str] = []
    done = threading.Event()
    with contextlib.ExitStack() as files:
        out = files.enter_context(open(stdout, "wb")) if stdout else subprocess.DEVNULL
        err = files.enter_context(open(stderr, "wb")) if stderr else subprocess.DEVNULL
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["/bin/sh", "-c", argv] if shell else list(argv),
            stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
            start_new_session=True,  # its own process group, killed as a whole
        )

        def kill(why: str) -> None:
            if not reason:
                reason.append(why)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        def watch() -> None:
            limit = (memory_limit_gb or 0) * 1e9
            deadline = started + timeout if timeout else None
            while not done.wait(0.5):
                if deadline and time.perf_counter() > deadline:
                    kill("timeout")
                    return
                if limit and group_rss_bytes(proc.pid) > limit:
                    kill("memory")
                    return

        watcher = None
        if timeout or memory_limit_gb:
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        if watcher:
            watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # sh -c may leave children of a killed sequence behind: make sure the group is gone.
        if reason:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return Run(
        wall_s=round(wall, 3),
        user_s=round(usage.ru_utime, 3),
        sys_s=round(usage.ru_stime, 3),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
        returncode=proc.returncode,
        timed_out=reason == ["timeout"],
        killed=reason[0] if reason else None,
    )
