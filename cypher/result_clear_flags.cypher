// result_clear_flags: delete up to $limit old flags with their links (run until it returns 0).
// Parameters:
//   $limit  how many flags per transaction
// Returns: n, the number of flags deleted
// Index: none (label scan of :Flag)
MATCH (f:Flag)
WITH f
LIMIT $limit
DETACH DELETE f
RETURN count(*) AS n
