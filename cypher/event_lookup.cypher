// event_lookup: what is stored under some event ids (to find conflicts without writing).
// Parameters:
//   $ids  list of event ids
// Returns: id, digest, src, line of the ids that are stored
// Index: womgraph_event_id
UNWIND $ids AS id
MATCH (e:Event {id: id})
RETURN e.id AS id, e.digest AS digest, e.src AS src, e.line AS line
