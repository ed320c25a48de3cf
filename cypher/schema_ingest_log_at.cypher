// schema_ingest_log_at: range index on :IngestLog(at), for the latest ingests (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_ingest_log_at
CREATE INDEX womgraph_ingest_log_at IF NOT EXISTS
FOR (l:IngestLog) ON (l.at)
