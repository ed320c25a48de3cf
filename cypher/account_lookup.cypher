// account_lookup: the stored profiles of some account ids (to merge an update into them).
// Parameters:
//   $ids   list of account ids
//   $keys  property names to return in `vals`, in this order
// Returns: id, created_us (microseconds since the epoch, UTC, or null), vals; only for ids
//          that have a profile
// Index: womgraph_profiled_id
UNWIND $ids AS id
MATCH (a:Profiled {id: id})
RETURN a.id AS id,
       a.created.epochSeconds * 1000000 + a.created.microsecond AS created_us,
       [k IN $keys | a[k]] AS vals
