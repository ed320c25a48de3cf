// schema_event_class: range index on :Event(class), for write-back of classes and browsing events by class (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_event_class
CREATE INDEX womgraph_event_class IF NOT EXISTS
FOR (e:Event) ON (e.class)
