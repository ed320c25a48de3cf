"""``womgraph forget ACCOUNT``: delete everything the store holds about one person.

The store does the deleting (:meth:`womgraph.store.base.Store.forget`, in both stores); this
command also looks through the rejects files, which womgraph never changes (they are the record
of what was refused, as it was written), and names the ones that mention the account so that a
person can delete or edit them. See ``docs/privacy.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import WomgraphError
from ..render import emit
from .common import State, format_option, pass_state, quiet_option, store_option

__all__ = ["register", "forget", "rejects_mentioning"]


class NothingToForget(WomgraphError):
    """The store holds no profile and no event of the account."""


def rejects_mentioning(folder: Path, account: str) -> list[dict]:
    """Rejects files in ``folder`` with lines that hold ``account`` (as text anywhere in the
    line, so a short id may also match other records), with how many lines each.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "r.jsonl").write_text('{"record": "ann"}\\n{"record": "bob"}\\n', encoding="utf-8")
    >>> [(Path(r["file"]).name, r["lines"]) for r in rejects_mentioning(d, "ann")]
    [('r.jsonl', 1)]
    """
    if not folder.is_dir():
        return []
    needles = {account, account.encode("unicode_escape").decode("ascii")}  # as JSON may show it
    found = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8", errors="replace") as fh:
            n = sum(1 for line in fh if any(x in line for x in needles))
        if n:
            found.append({"file": str(path), "lines": n})
    return found


@click.command()
@click.argument("account")
@format_option()
@store_option
@quiet_option
@pass_state
def forget(state: State, account: str, fmt: str) -> None:
    """Delete an account and every event it acted in or was targeted by.

    Its profile, its events, content nothing else points at (Neo4j), and every analysis result
    written back (results may name it; run `womgraph analyse` again) are deleted; the embedded
    store's file is rewritten so that no trace stays on disk. Rejects files are not changed:
    the ones that mention the account are listed on stderr. An account the store does not know
    is an error (exit 1), so a mistyped id never looks forgotten.

    \b
    Example:
      womgraph forget ann --format json
    """
    with state.open_store(read_only=True):
        pass  # a store that is not there is an error here, not a new empty store
    with state.open_store() as store:
        done = store.forget(account)
        where, rejects_dir = store.location, Path(store.rejects_dir)
    if not done.get("events") and not done.get("accounts"):
        raise NothingToForget(
            f"Nothing to forget: the store at {where} holds no account {account!r} and no "
            "event naming it (ids are matched exactly: case and spaces count)."
        )
    mentions = rejects_mentioning(rejects_dir, account)
    emit([{"account": account, "events": done.get("events", 0), "accounts": done.get("accounts", 0),
           "rejects_files_mentioning": len(mentions)}], fmt, sys.stdout, title="forgotten")
    state.note(
        f"Forgot {account!r}: {done.get('accounts', 0)} profile(s) and {done.get('events', 0)} "
        f"event(s) deleted from {where}; analysis results were cleared (run `womgraph analyse` "
        "again if you keep them in the store)."
    )
    if mentions:
        # Not silenced by --quiet: the person asked to forget someone and must know what is left.
        click.echo(
            "The rejects files keep refused records as they were written, and these mention "
            f"{account!r}; delete or edit them: "
            + ", ".join(f"{m['file']} ({m['lines']} line(s))" for m in mentions),
            err=True,
        )


def register(main: click.Group) -> None:
    main.add_command(forget)
