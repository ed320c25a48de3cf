// result_clear_advocates: remove up to $limit old advocate ranks and scores (run until it returns 0).
// Parameters:
//   $limit  how many accounts per transaction
// Returns: n, the number of accounts cleared
// Index: womgraph_account_advocate_rank, womgraph_account_advocate_score
MATCH (a:Account)
WHERE a.advocate_rank IS NOT NULL OR a.advocate_score IS NOT NULL
WITH a
LIMIT $limit
REMOVE a.advocate_rank, a.advocate_score
RETURN count(a) AS n
