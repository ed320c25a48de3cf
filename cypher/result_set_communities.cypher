// result_set_communities: write community ids onto accounts.
// Parameters:
//   $rows  list of {account, community}
// Returns: n, the number of accounts found and written
// Index: womgraph_account_id
UNWIND $rows AS row
MATCH (a:Account {id: row.account})
SET a.community = row.community
RETURN count(a) AS n
