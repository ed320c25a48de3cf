// schema_event_ts: range index on :Event(ts), for time-range questions and ordering by time (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_event_ts
CREATE INDEX womgraph_event_ts IF NOT EXISTS
FOR (e:Event) ON (e.ts)
