"""One driver per process and server, shared by every store that talks to it.

The official driver pools connections and is meant to live as long as the process; opening one
per command would pay a handshake (and a TLS negotiation on Aura) each time. :data:`POOL` keeps
one driver per (URI, user, database, password fingerprint), counts the stores using it, and
closes it when the last one is closed (or at exit). :func:`shared_driver` is the context-manager
form.

>>> class Driver:
...     def close(self): print("closed")
>>> calls = []
>>> pool = DriverPool(factory=lambda uri, auth, **cfg: calls.append(uri) or Driver())
>>> from pydantic import SecretStr
>>> a = pool.acquire("bolt://h:7687", "neo4j", SecretStr("pw"), "neo4j")
>>> b = pool.acquire("bolt://h:7687", "neo4j", SecretStr("pw"), "neo4j")
>>> a[1] is b[1], len(calls), len(pool)
(True, 1, 1)
>>> pool.release(a[0])
>>> pool.release(b[0])
closed
>>> len(pool)
0
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import threading
from urllib.parse import urlsplit
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from pydantic import SecretStr

from ... import __version__
from ...errors import ConfigError
from .errors import safe_uri

__all__ = ["DriverPool", "POOL", "default_factory", "shared_driver", "check_uri", "DRIVER_CONFIG"]

#: Driver settings womgraph uses (the driver retries managed transactions for this long).
DRIVER_CONFIG: dict[str, Any] = {
    "user_agent": f"womgraph/{__version__}",
    "max_transaction_retry_time": 30.0,
    "connection_timeout": 15.0,
}

# The driver logs retries and routing trouble as warnings; womgraph reports failures itself, so
# without a logging set-up of the application these must not land on stderr as stray lines.
logging.getLogger("neo4j").addHandler(logging.NullHandler())

DriverFactory = Callable[..., Any]
Key = tuple[str, str, str, str]


def check_uri(uri: str) -> None:
    """Refuse a URI the driver could only fail on later (no host, a port that is no number).

    >>> check_uri("bolt://127.0.0.1:notaport")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    womgraph.errors.ConfigError: The Neo4j URI bolt://127.0.0.1:notaport is not usable (the port ...
    """
    parts = urlsplit(uri)
    problem = None
    try:
        _ = parts.port  # parsing the port is the check
    except ValueError:
        problem = "the port is not a number"
    if not parts.hostname:
        problem = "it names no host"
    if "@" in parts.netloc:
        problem = (
            "it holds a user name or password, which the driver does not take from the URI: "
            "put them in NEO4J_USERNAME and NEO4J_PASSWORD"
        )
    if problem:
        raise ConfigError(
            f"The Neo4j URI {safe_uri(uri)} is not usable ({problem}): give bolt://HOST:PORT, "
            "neo4j://HOST:PORT or neo4j+s://HOST in NEO4J_URI or --store."
        )


def _scrub(exc: BaseException, uri: str) -> str:
    """The driver's message, with the URI as given replaced by the one fit to print."""
    return str(exc).replace(uri, safe_uri(uri))


def default_factory(uri: str, auth: tuple[str, str], **config: Any):
    """A real :class:`neo4j.Driver` (connections are made on first use)."""
    from neo4j import GraphDatabase

    return GraphDatabase.driver(uri, auth=auth, **config)


class DriverPool:
    """Reference-counted drivers, one per server identity."""

    def __init__(self, factory: DriverFactory = default_factory):
        self.factory = factory
        self._drivers: dict[Key, list] = {}  # key -> [driver, users]
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._drivers)

    def acquire(self, uri: str, user: str, password: SecretStr, database: str) -> tuple[Key, Any]:
        """The shared driver for this identity (made on first use); release it with the key."""
        secret = password.get_secret_value()
        fingerprint = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        key: Key = (uri, user, database, fingerprint)
        with self._lock:
            entry = self._drivers.get(key)
            if entry is None:
                check_uri(uri)
                try:
                    driver = self.factory(uri, (user, secret), **DRIVER_CONFIG)
                except (ValueError, TypeError) as exc:
                    raise ConfigError(
                        f"The Neo4j URI {safe_uri(uri)} is not usable ({_scrub(exc, uri)}): give "
                        "bolt://HOST:PORT, neo4j://HOST:PORT or neo4j+s://HOST in NEO4J_URI "
                        "or --store."
                    ) from exc
                except Exception as exc:  # the driver's ConfigurationError and kin
                    if type(exc).__module__.startswith("neo4j"):
                        raise ConfigError(
                            f"The Neo4j URI {safe_uri(uri)} is not usable ({_scrub(exc, uri)}): check "
                            "NEO4J_URI or --store."
                        ) from exc
                    raise
                entry = self._drivers[key] = [driver, 0]
            entry[1] += 1
            return key, entry[0]

    def release(self, key: Key) -> None:
        """One user fewer; the driver is closed when nobody uses it."""
        with self._lock:
            entry = self._drivers.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del self._drivers[key]
        entry[0].close()

    def close_all(self) -> None:
        with self._lock:
            entries = list(self._drivers.values())
            self._drivers.clear()
        for driver, _ in entries:
            driver.close()


#: The process's drivers.
POOL = DriverPool()
atexit.register(POOL.close_all)


@contextmanager
def shared_driver(
    uri: str, user: str, password: SecretStr, database: str, pool: DriverPool = POOL
) -> Iterator[Any]:
    """The process's driver for this server, released (and closed when unused) on exit."""
    key, driver = pool.acquire(uri, user, password, database)
    try:
        yield driver
    finally:
        pool.release(key)
