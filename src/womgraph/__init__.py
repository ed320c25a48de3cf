"""womgraph: find the word of mouth that actually grows a business.

The library does all the work; the ``womgraph`` command is a thin layer over it.
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str):
    # ``__version__`` is looked up on first use: importlib.metadata costs tens of milliseconds
    # that ``womgraph --help`` and most imports of the package do not need.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("womgraph")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
