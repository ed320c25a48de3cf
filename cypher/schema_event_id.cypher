// schema_event_id: uniqueness of :Event(id), which MERGE on Event ids relies on (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_event_id (a uniqueness constraint with its range index; Community edition)
CREATE CONSTRAINT womgraph_event_id IF NOT EXISTS
FOR (e:Event) REQUIRE e.id IS UNIQUE
