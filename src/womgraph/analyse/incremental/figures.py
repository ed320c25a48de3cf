"""The advocates' figures in a refresh: computed again for the people it touched."""

from __future__ import annotations

from ..advocates import figures_sql
from .common import STATS, _redo


def _figures(con) -> None:
    """Compute again the advocates' figures (``st.adv_fig``) of the people whose own peer
    events, peer exposures sent or credited first adoptions changed (``fig_touched``). Nothing
    else goes into them: accounts do not change in a refresh, and a new purchase is a new
    event (its actor is among those of the events classified again)."""
    keys = "SELECT DISTINCT account FROM fig_touched WHERE account IS NOT NULL"
    STATS["advocates' figures computed again"] = con.execute(f"SELECT count(*) FROM ({keys})").fetchone()[0]
    _redo(con, "adv_fig", "account", keys,
          lambda mine: figures_sql("st.adv_acts", "exposures", "st.first_adoption", "st.adopt_ev", only=mine))
    con.execute("DROP TABLE fig_touched")
