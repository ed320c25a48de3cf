// event_merge: create the events of one batch that are not stored yet; never change stored ones.
// Parameters:
//   $rows  list of {id, ts_s, ts_ns, props}: one row per event id (ids unique within $rows);
//          ts_s/ts_ns are epoch seconds and nanoseconds (UTC), props the non-null properties
// Returns: one row per input row: id, created (true when this statement made the node), and the
//          stored digest, src and line (those of the existing node when created is false)
// Index: womgraph_event_id (MERGE on :Event(id))
UNWIND $rows AS row
MERGE (e:Event {id: row.id})
  ON CREATE SET
    e += row.props,
    e.ts = datetime({epochSeconds: row.ts_s, nanosecond: row.ts_ns}),
    e._new = true
WITH e, row, e._new IS NOT NULL AS created
REMOVE e._new
RETURN row.id AS id, created, e.digest AS digest, e.src AS src, e.line AS line
