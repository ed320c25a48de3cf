// account_upsert: write new and changed account profiles (decided by the caller, in the same
// transaction, from account_lookup). Properties not in props are kept as stored.
// Parameters:
//   $rows  list of {id, created_s, created_ns, props}: props holds non-null properties only;
//          created_s/created_ns are epoch seconds/nanoseconds (UTC), or null to keep `created`
// Returns: n, the number of accounts written
// Index: womgraph_account_id (MERGE on :Account(id))
UNWIND $rows AS row
MERGE (a:Account {id: row.id})
SET a += row.props,
    a:Profiled,
    a.created = CASE
      WHEN row.created_s IS NULL THEN a.created
      ELSE datetime({epochSeconds: row.created_s, nanosecond: row.created_ns})
    END
RETURN count(a) AS n
