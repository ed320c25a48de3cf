// ingest_log_add: remember what one ingest did.
// Parameters:
//   $summary  the ingest summary as JSON text
// Returns: nothing
// Index: none (CREATE)
CREATE (:IngestLog {at: datetime(), summary: $summary})
