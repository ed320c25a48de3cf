"""Settings, read with pydantic-settings.

Precedence, highest first: command-line option > environment variable > ``.env`` file in the
working directory > default. Secrets are :class:`~pydantic.SecretStr` and are never printed.

Environment variables: ``WOMGRAPH_STORE`` (store location: a folder for the embedded store, or a
``bolt://`` / ``neo4j://`` / ``neo4j+s://`` URI), ``NEO4J_URI``, ``NEO4J_USERNAME``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``, ``WOMGRAPH_BATCH_SIZE``, ``WOMGRAPH_MEMORY_LIMIT`` (how much
memory DuckDB may hold before it spills to the temporary folder, e.g. ``3GB``),
``WOMGRAPH_INCREMENTAL`` (``false`` makes every analysis after new data a whole one instead of a
refresh of the previous one; for comparisons and benchmarks).

pydantic is imported when :class:`Settings` is first used, not with this module: a command
run with nothing in the environment that names a setting (see :func:`only_defaults`) does not
need it.

>>> from womgraph.settings import Settings
>>> Settings(_env_file=None, WOMGRAPH_STORE="/tmp/x").store
'/tmp/x'
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings as Settings

__all__ = ["Settings", "DEFAULT_STORE", "incremental_enabled", "load_settings", "memory_limit", "only_defaults"]

#: Where the embedded store lives when nothing else is said: a folder in the working directory,
#: like ``.git``, so each project keeps its own history.
DEFAULT_STORE = ".womgraph"

#: The file of settings read from the working directory.
ENV_FILE = ".env"

#: Each setting with the names it is read from (environment variables and ``.env`` keys,
#: case-insensitive) and its default.
_FIELDS = {
    "store": ("WOMGRAPH_STORE", None),
    "neo4j_uri": ("NEO4J_URI", None),
    "neo4j_username": ("NEO4J_USERNAME", "neo4j"),
    "neo4j_password": ("NEO4J_PASSWORD", ""),
    "neo4j_database": ("NEO4J_DATABASE", "neo4j"),
    "batch_size": ("WOMGRAPH_BATCH_SIZE", 5000),
    "memory_limit": ("WOMGRAPH_MEMORY_LIMIT", "3GB"),
    "incremental": ("WOMGRAPH_INCREMENTAL", True),
}

#: What ``WOMGRAPH_MEMORY_LIMIT`` accepts: a number and a unit DuckDB knows.
MEMORY_LIMIT_PATTERN = r"^\s*\d+(\.\d+)?\s*([KMGT]i?B)\s*$"

_NAMES = frozenset(n.lower() for field, (env, _) in _FIELDS.items() for n in (env, field))


def only_defaults() -> bool:
    """True when neither the environment nor a ``.env`` file can set anything.

    Then every setting has its default and reading them cannot fail, so a command may skip
    loading them until it needs one.
    """
    return not os.path.lexists(ENV_FILE) and not any(k.lower() in _NAMES for k in os.environ)


def _define() -> type:
    import re

    from pydantic import AliasChoices, Field, SecretStr, field_validator
    from pydantic_settings import BaseSettings, SettingsConfigDict

    def setting(name: str, **kw):
        env, default = _FIELDS[name]
        if name == "neo4j_password":
            default = SecretStr(default)
        return Field(default=default, validation_alias=AliasChoices(env, name), **kw)

    class Settings(BaseSettings):
        """Every setting womgraph reads from the environment."""

        model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", populate_by_name=True)

        store: str | None = setting("store")
        neo4j_uri: str | None = setting("neo4j_uri")
        neo4j_username: str = setting("neo4j_username")
        neo4j_password: SecretStr = setting("neo4j_password")
        neo4j_database: str = setting("neo4j_database")
        batch_size: int = setting("batch_size", ge=1)
        memory_limit: str = setting("memory_limit")
        incremental: bool = setting("incremental")

        @field_validator("memory_limit")
        @classmethod
        def _size(cls, value: str) -> str:
            if not re.match(MEMORY_LIMIT_PATTERN, value, re.IGNORECASE):
                raise ValueError("use a size such as 3GB, 512MB or 1.5GiB")
            return value.strip()

        def store_location(self, option: str | None = None) -> str:
            """The store to use: the option, else ``WOMGRAPH_STORE``, else ``NEO4J_URI``, else the default."""
            return option or self.store or self.neo4j_uri or DEFAULT_STORE

    Settings.__module__ = __name__
    Settings.__qualname__ = "Settings"
    return Settings


def _settings_class() -> type:
    cls = globals().get("Settings")
    if cls is None:
        cls = globals()["Settings"] = _define()
    return cls


def __getattr__(name: str):
    if name == "Settings":
        return _settings_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def memory_limit() -> str:
    """``WOMGRAPH_MEMORY_LIMIT``, without loading pydantic when nothing could set it."""
    if only_defaults():
        return _FIELDS["memory_limit"][1]
    return load_settings().memory_limit


def incremental_enabled() -> bool:
    """``WOMGRAPH_INCREMENTAL``, without loading pydantic when nothing could set it."""
    if only_defaults():
        return True
    return load_settings().incremental


def load_settings(**overrides) -> Settings:
    """Read the settings, letting explicit keyword overrides win over the environment.

    An invalid value is a :class:`~womgraph.errors.ConfigError` that names the variable.
    """
    from pydantic import ValidationError

    try:
        return _settings_class()(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            problems.append(f"{name} ({err['msg']}, got {err.get('input')!r})")
        raise ConfigError(
            "Invalid setting: " + "; ".join(problems) + ". Fix the environment variable or the "
            ".env file."
        ) from None
