// result_set_chains: recommendation chains as (parent:Account)-[:CONVERTED {cascade}]->(child:Account).
// Parameters:
//   $rows  list of {cascade, parent, child}
// Returns: n, the number of relationships made
// Index: womgraph_account_id
UNWIND $rows AS row
MATCH (p:Account {id: row.parent})
MATCH (c:Account {id: row.child})
MERGE (p)-[:CONVERTED {cascade: row.cascade}]->(c)
RETURN count(*) AS n
