"""Assemble the advocacy report from a store: what was ingested, and what the analysis found.

The report is a plain dict (JSON-ready); :mod:`womgraph.render.report` draws it for a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .analyse.cache import cached_analysis, cached_event_summary
from .analyse.frame import Options
from .analyse.result import table_rows, top_chains

if TYPE_CHECKING:
    from .analyse.result import Analysis
    from .store import Store

__all__ = ["build_report", "report_from_analysis", "scorecard_summary"]


def scorecard_summary(m: dict) -> dict:
    """The headline measures of the scorecard ``m`` (``Analysis.metrics``), for reports."""
    return {
        "wom_purity": m["wom_purity"],
        "wom_purity_interactions": m["wom_purity_interactions"],
        "k_factor": m["k_factor"],
        "referral_conversion_rate": m["referral_conversion_rate"],
        "share_of_conversions_from_deep_chains": m["share_of_conversions_from_deep_chains"],
        "adopters": m["adopters"],
        "adopters_by_cause": m["adopters_by_cause"],
        "cascades": m["cascades"],
        "longest_chain_depth": m["longest_chain_depth"],
        "say_do_gap": m["say_do"]["say_do_gap"],
        "referred_repeat_rate": m["repeat_purchase"]["referred_repeat_rate"],
        "other_repeat_rate": m["repeat_purchase"]["other_repeat_rate"],
    }


def build_report(store: Store, options: Options | None = None, *, top: int = 10, redact: bool = False) -> dict:
    """The report document for ``store`` (runs the analysis). With ``redact``, every account id,
    handle and name in it is a pseudonym (see docs/privacy.md)."""
    analysis = cached_analysis(store, options)
    if redact:
        from .render.redact import Redactor

        analysis = Redactor.for_store(store).analysis(analysis)
    return report_from_analysis(store, analysis, top=top)


def report_from_analysis(store: Store, a: Analysis, *, top: int = 10) -> dict:
    log = store.ingest_log(limit=1)
    m = a.metrics
    adv_cols = ["rank", "account", "handle", "followers", "score", "conversions_direct",
                "conversions_chain", "people_reached", "reason"]
    chain_cols = ["root", "size", "depth", "max_breadth", "structural_virality", "conversions",
                  "conversions_per_generation", "median_hop_hours"]
    longest = top_chains(a.cascades, ("depth", "size"), 3)
    valuable = top_chains(a.cascades, ("conversions", "depth"), 3)
    by_rule: dict[str, int] = {}
    for f in a.flags:
        by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    severity = {"high": 0, "medium": 1, "low": 2}
    review = sorted(a.flags, key=lambda f: (severity.get(f["severity"], 3), -len(f["accounts"]), f["flag_id"]))
    return {
        "store": store.location,
        "counts": store.counts(),
        "summary": cached_event_summary(store, a.options),
        "last_ingest": log[0] if log else None,
        "scorecard": scorecard_summary(m),
        "vanity": m["vanity"],
        "classes": m["classes"],
        "top_advocates": [{k: r[k] for k in adv_cols} for r in table_rows(a.advocates.slice(0, top))],
        "advocates": a.advocates.num_rows,
        "longest_chains": [{k: c[k] for k in chain_cols} for c in longest],
        "most_valuable_chains": [{k: c[k] for k in chain_cols} for c in valuable],
        "flags": {"total": len(a.flags), "by_rule": dict(sorted(by_rule.items())),
                  "to_review": [{"flag_id": f["flag_id"], "rule": f["rule"], "severity": f["severity"],
                                 "accounts": len(f["accounts"]),
                                 "example_accounts": f["accounts"][:5]} for f in review[:8]]},
        "per_channel": a.channels,
        "per_week": a.weekly,
        "communities": table_rows(a.community_health.slice(0, 5)),
    }
