// schema_event_type: range index on :Event(type), for selecting events by type (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_event_type
CREATE INDEX womgraph_event_type IF NOT EXISTS
FOR (e:Event) ON (e.type)
