"""The advocates' figures in a refresh: computed again for the people it touched."""

from __future__ import annotations

from ..advocates import figures_sql
from .common import STATS


def _figures(con) -> None:
    """Compute again the advocates' figures (``st.adv_fig``) of the people whose own peer
    events, peer exposures sent or credited first adoptions changed (``fig_touched``). Nothing
    else goes into them: accounts do not change in a refresh, and a new purchase is a new
    event (its actor is among those of the events classified again)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _fig_keys AS SELECT DISTINCT account FROM fig_touched WHERE account IS NOT NULL")
    con.execute("DELETE FROM st.adv_fig WHERE account IN (SELECT account FROM _fig_keys)")
    sql = figures_sql("st.adv_acts", "exposures", "st.first_adoption", "st.adopt_ev",
                      only="SELECT account FROM _fig_keys")
    con.execute(f"INSERT INTO st.adv_fig {sql}")
    STATS["advocates' figures computed again"] = con.execute("SELECT count(*) FROM _fig_keys").fetchone()[0]
    con.execute("DROP TABLE _fig_keys")
    con.execute("DROP TABLE fig_touched")

