// event_link_target: (:Event)-[:TARGETS]->(:Account) for events just created that have a target.
// Parameters:
//   $rows  list of {id, target}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), womgraph_account_id (MERGE :Account)
UNWIND $rows AS row
MATCH (e:Event {id: row.id})
MERGE (b:Account {id: row.target})
CREATE (e)-[:TARGETS]->(b)
