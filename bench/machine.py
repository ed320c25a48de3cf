"""What the benchmark ran on: CPU, memory, load, Python, package versions, git state."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

__all__ = ["code_fingerprint", "load", "machine_info"]

PACKAGES = ("womgraph", "duckdb", "pyarrow", "numpy", "scipy", "networkx", "igraph", "pandas",
            "click", "rich", "orjson")
REPO = Path(__file__).resolve().parent.parent


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def code_fingerprint() -> str:
    """A hash of the package source as it is on disk now (commits and uncommitted edits alike).

    The product is edited while benchmarks run: equal fingerprints mean the same code ran.
    """
    import hashlib

    h = hashlib.sha256()
    root = REPO / "src" / "womgraph"
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".cypher") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def load() -> list[float]:
    """1, 5 and 15 minute load averages (how busy the shared machine was)."""
    return [round(x, 2) for x in os.getloadavg()]


def machine_info() -> dict:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            versions[p] = None
    dirty = _git("status", "--porcelain", "--", "src")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _mem_total_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_src_changed_files": len(dirty.splitlines()) if dirty is not None else None,
        "code_fingerprint": code_fingerprint(),
        "load_at_start": load(),
    }
