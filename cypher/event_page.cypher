// event_page: one page of events in id order (keyset pagination: pass the last id seen).
// Parameters:
//   $after  return ids greater than this ("" for the first page)
//   $limit  page size
//   $keys   property names to return in `vals`, in this order
// Returns: id, ts_us (microseconds since the epoch, UTC), vals (the values of $keys)
// Index: womgraph_event_id (range seek and order on :Event(id))
MATCH (e:Event)
WHERE e.id > $after
WITH e
ORDER BY e.id
LIMIT $limit
RETURN e.id AS id,
       e.ts.epochSeconds * 1000000 + e.ts.microsecond AS ts_us,
       [k IN $keys | e[k]] AS vals
