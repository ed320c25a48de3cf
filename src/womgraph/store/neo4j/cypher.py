"""Named Cypher statements: loaded from ``cypher/*.cypher`` by name, parsed once, cached.

Every statement womgraph sends to Neo4j is one file in the repository's top-level ``cypher/``
folder, shipped inside the package as ``womgraph/cypher/`` (in the repository that folder is a
symbolic link to ``../../cypher``; a wheel holds copies), so it is found the same way whether
womgraph runs from a checkout or an installed wheel, never relative to the working directory.

Each file holds one statement after a header of ``//`` comments with three sections::

    // event_lookup: what is stored under some event ids.
    // Parameters:
    //   $ids  list of event ids
    // Returns: id, digest, src, line
    // Index: womgraph_event_id

Values reach a statement only as ``$parameters`` (:meth:`CypherQuery.params` checks that the
names given are exactly the ones declared). Label, relationship-type and property names are part
of the files; the one place a name may be put into query text is :func:`quote_name`.

>>> q = load("event_lookup")
>>> sorted(q.parameters), q.index
(['ids'], 'womgraph_event_id')
>>> q.params(ids=["e1"])
{'ids': ['e1']}
>>> quote_name("odd`name")
'`odd``name`'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from ...errors import StoreError

__all__ = ["CypherQuery", "load", "names", "schema_statements", "quote_name", "SCHEMA_PREFIX"]

#: Name prefix of every constraint and index womgraph creates.
SCHEMA_PREFIX = "womgraph_"

_SECTION = re.compile(r"^\s*(Parameters|Returns|Index)\s*:(.*)$", re.IGNORECASE)
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_SCHEMA_NAME = re.compile(
    r"^\s*CREATE\s+(?:CONSTRAINT|INDEX)\s+(\w+)", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class CypherQuery:
    """One named statement with what its header declares."""

    name: str
    #: The whole file, header included: exactly what is sent to the server.
    text: str
    #: Parameter names declared in the header (``$name`` in the "Parameters:" section).
    parameters: frozenset[str]
    #: What the header says the statement returns.
    returns: str
    #: Which index or constraint the statement relies on.
    index: str

    @property
    def body(self) -> str:
        """The statement without its header comment."""
        return "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("//")
        )

    def params(self, **values) -> dict:
        """The parameter map for a call, checked against the declaration."""
        given = set(values)
        if given != self.parameters:
            missing = ", ".join(sorted(self.parameters - given)) or "none"
            extra = ", ".join(sorted(given - self.parameters)) or "none"
            raise ValueError(
                f"Cypher {self.name}: parameters do not match its header "
                f"(missing: {missing}; undeclared: {extra})."
            )
        return values


def _folder() -> Traversable:
    folder = resources.files("womgraph") / "cypher"
    if not folder.is_dir():
        raise StoreError(
            f"womgraph's Cypher files are missing (looked in {folder}): reinstall womgraph."
        )
    return folder


def parse(name: str, text: str) -> CypherQuery:
    """Read the header of one statement's text.

    >>> parse("x", "// x: y\\n// Parameters: $a, $b\\n// Returns: n\\n// Index: none\\nRETURN $a + $b AS n").parameters == {"a", "b"}
    True
    """
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        comment = stripped[2:]
        m = _SECTION.match(comment)
        if m:
            current = m.group(1).lower()
            sections[current] = [m.group(2).strip()]
        elif current:
            sections[current].append(comment.strip())
    missing = [s for s in ("parameters", "returns", "index") if s not in sections]
    if missing:
        raise StoreError(f"Cypher file {name}.cypher has no {', '.join(missing)} in its header.")
    params = frozenset(_PARAM.findall(" ".join(sections["parameters"])))
    return CypherQuery(
        name=name,
        text=text,
        parameters=params,
        returns=" ".join(s for s in sections["returns"] if s),
        index=" ".join(s for s in sections["index"] if s),
    )


@cache
def load(name: str) -> CypherQuery:
    """The statement ``cypher/<name>.cypher``, parsed once per process."""
    path = _folder() / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"No Cypher statement named {name!r} in {_folder()}: reinstall womgraph.")
    return parse(name, path.read_text(encoding="utf-8"))


@cache
def names() -> tuple[str, ...]:
    """Names of every statement, sorted."""
    return tuple(
        sorted(p.name[: -len(".cypher")] for p in _folder().iterdir() if p.name.endswith(".cypher"))
    )


def schema_statements() -> list[tuple[str, CypherQuery]]:
    """``(schema object name, statement)`` for every ``schema_*`` file, in name order."""
    out = []
    for name in names():
        if name.startswith("schema_"):
            q = load(name)
            m = _SCHEMA_NAME.search(q.body)
            if not m or not m.group(1).startswith(SCHEMA_PREFIX):
                raise StoreError(
                    f"Cypher file {name}.cypher does not create a {SCHEMA_PREFIX}* object."
                )
            out.append((m.group(1), q))
    return out


def quote_name(name: str) -> str:
    """A label, relationship type or property name as a Cypher identifier, safely quoted.

    The only way a name may enter query text; values never do (they are parameters).

    >>> quote_name("Event"), quote_name("a b")
    ('`Event`', '`a b`')
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ValueError(f"Not a usable Cypher name: {name!r}")
    return "`" + name.replace("`", "``") + "`"
