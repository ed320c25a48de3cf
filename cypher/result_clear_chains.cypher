// result_clear_chains: delete up to $limit old recommendation-chain links (run until it returns 0).
// Parameters:
//   $limit  how many relationships per transaction
// Returns: n, the number of relationships deleted
// Index: none (relationship type scan of :CONVERTED)
MATCH (:Account)-[r:CONVERTED]->(:Account)
WITH r
LIMIT $limit
DELETE r
RETURN count(*) AS n
