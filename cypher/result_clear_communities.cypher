// result_clear_communities: remove up to $limit old community ids (run until it returns 0).
// Parameters:
//   $limit  how many accounts per transaction
// Returns: n, the number of accounts cleared
// Index: womgraph_account_community
MATCH (a:Account)
WHERE a.community IS NOT NULL
WITH a
LIMIT $limit
REMOVE a.community
RETURN count(a) AS n
