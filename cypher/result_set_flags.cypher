// result_set_flags: flags for a person to review, (:Flag)-[:CONCERNS]->(:Account) for each
// account behind the flag.
// Parameters:
//   $rows  list of {id, props, accounts}: props holds kind, rule, severity, evidence (JSON
//          text) and accounts (the list of account ids)
// Returns: n, the number of links made
// Index: womgraph_flag_id (MERGE :Flag), womgraph_account_id (MATCH :Account)
UNWIND $rows AS row
MERGE (f:Flag {id: row.id})
SET f += row.props
WITH f, row
UNWIND row.accounts AS account
MATCH (a:Account {id: account})
MERGE (f)-[:CONCERNS]->(a)
RETURN count(*) AS n
