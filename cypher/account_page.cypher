// account_page: one page of account profiles in id order (keyset pagination).
// Parameters:
//   $after  return ids greater than this ("" for the first page)
//   $limit  page size
//   $keys   property names to return in `vals`, in this order
// Returns: id, created_us (microseconds since the epoch, UTC, or null), vals
// Index: womgraph_profiled_id (range seek and order on :Profiled(id))
MATCH (a:Profiled)
WHERE a.id > $after
WITH a
ORDER BY a.id
LIMIT $limit
RETURN a.id AS id,
       a.created.epochSeconds * 1000000 + a.created.microsecond AS created_us,
       [k IN $keys | a[k]] AS vals
