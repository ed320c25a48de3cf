// ingest_log_latest: the latest ingest summaries, newest first.
// Parameters:
//   $limit  how many
// Returns: at_us (microseconds since the epoch, UTC), summary (JSON text)
// Index: womgraph_ingest_log_at (order by :IngestLog(at))
MATCH (l:IngestLog)
WHERE l.at IS NOT NULL
RETURN l.at.epochSeconds * 1000000 + l.at.microsecond AS at_us, l.summary AS summary
ORDER BY l.at DESC
LIMIT $limit
