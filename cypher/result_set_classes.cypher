// result_set_classes: write interaction classes and their reason codes onto events.
// Parameters:
//   $rows  list of {id, class, reason}
// Returns: n, the number of events found and written
// Index: womgraph_event_id
UNWIND $rows AS row
MATCH (e:Event {id: row.id})
SET e.class = row.class, e.reason = row.reason
RETURN count(e) AS n
