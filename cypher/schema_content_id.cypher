// schema_content_id: uniqueness of :Content(id), which MERGE on Content ids relies on (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_content_id (a uniqueness constraint with its range index; Community edition)
CREATE CONSTRAINT womgraph_content_id IF NOT EXISTS
FOR (c:Content) REQUIRE c.id IS UNIQUE
