// schema_account_id: uniqueness of :Account(id), which MERGE on Account ids relies on (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_account_id (a uniqueness constraint with its range index; Community edition)
CREATE CONSTRAINT womgraph_account_id IF NOT EXISTS
FOR (a:Account) REQUIRE a.id IS UNIQUE
