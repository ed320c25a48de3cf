// explore_flags_to_review: flags (evidence, not verdicts) with the accounts they concern, for a
// person to review; most severe first.
// Parameters:
//   $limit  how many flags
// Returns: flag, kind, rule, severity, accounts (ids), evidence (JSON text)
// Index: none (label scan of :Flag; flags are few)
MATCH (f:Flag)
OPTIONAL MATCH (f)-[:CONCERNS]->(a:Account)
WITH f, collect(a.id) AS accounts
RETURN f.id AS flag,
       f.kind AS kind,
       f.rule AS rule,
       f.severity AS severity,
       accounts,
       f.evidence AS evidence
ORDER BY severity DESC, flag
LIMIT $limit
