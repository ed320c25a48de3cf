// schema_profiled_id: range index on :Profiled(id), for paging accounts that have a profile, in id order (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_profiled_id
CREATE INDEX womgraph_profiled_id IF NOT EXISTS
FOR (a:Profiled) ON (a.id)
