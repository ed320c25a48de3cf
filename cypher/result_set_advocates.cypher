// result_set_advocates: write advocate ranks (1 = best) and scores onto accounts.
// Parameters:
//   $rows  list of {account, rank, score}
// Returns: n, the number of accounts found and written
// Index: womgraph_account_id
UNWIND $rows AS row
MATCH (a:Account {id: row.account})
SET a.advocate_rank = row.rank, a.advocate_score = row.score
RETURN count(a) AS n
