// result_clear_classes: remove up to $limit old interaction classes (run until it returns 0).
// Parameters:
//   $limit  how many events per transaction
// Returns: n, the number of events cleared
// Index: womgraph_event_class
MATCH (e:Event)
WHERE e.class IS NOT NULL
WITH e
LIMIT $limit
REMOVE e.class, e.reason
RETURN count(e) AS n
