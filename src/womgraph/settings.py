"""Settings, read with pydantic-settings.

Precedence, highest first: command-line option > environment variable > ``.env`` file in the
working directory > default. Secrets are :class:`~pydantic.SecretStr` and are never printed.

Environment variables: ``WOMGRAPH_STORE`` (store location: a folder for the embedded store, or a
``bolt://`` / ``neo4j://`` / ``neo4j+s://`` URI), ``NEO4J_URI``, ``NEO4J_USERNAME``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``, ``WOMGRAPH_BATCH_SIZE``.

>>> Settings(_env_file=None, WOMGRAPH_STORE="/tmp/x").store
'/tmp/x'
"""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

__all__ = ["Settings", "DEFAULT_STORE", "load_settings"]

#: Where the embedded store lives when nothing else is said: a folder in the working directory,
#: like ``.git``, so each project keeps its own history.
DEFAULT_STORE = ".womgraph"


class Settings(BaseSettings):
    """Every setting womgraph reads from the environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    store: str | None = Field(default=None, validation_alias=AliasChoices("WOMGRAPH_STORE", "store"))
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices("NEO4J_URI", "neo4j_uri"))
    neo4j_username: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_USERNAME", "neo4j_username")
    )
    neo4j_password: SecretStr = Field(
        default=SecretStr(""), validation_alias=AliasChoices("NEO4J_PASSWORD", "neo4j_password")
    )
    neo4j_database: str = Field(
        default="neo4j", validation_alias=AliasChoices("NEO4J_DATABASE", "neo4j_database")
    )
    batch_size: int = Field(
        default=5000, ge=1, validation_alias=AliasChoices("WOMGRAPH_BATCH_SIZE", "batch_size")
    )

    def store_location(self, option: str | None = None) -> str:
        """The store to use: the option, else ``WOMGRAPH_STORE``, else ``NEO4J_URI``, else the default."""
        return option or self.store or self.neo4j_uri or DEFAULT_STORE


def load_settings(**overrides) -> Settings:
    """Read the settings, letting explicit keyword overrides win over the environment.

    An invalid value is a :class:`~womgraph.errors.ConfigError` that names the variable.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            problems.append(f"{name} ({err['msg']}, got {err.get('input')!r})")
        raise ConfigError(
            "Invalid setting: " + "; ".join(problems) + ". Fix the environment variable or the "
            ".env file."
        ) from None
