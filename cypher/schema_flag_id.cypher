// schema_flag_id: uniqueness of :Flag(id), which MERGE on Flag ids relies on (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_flag_id (a uniqueness constraint with its range index; Community edition)
CREATE CONSTRAINT womgraph_flag_id IF NOT EXISTS
FOR (f:Flag) REQUIRE f.id IS UNIQUE
