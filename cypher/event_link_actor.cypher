// event_link_actor: (:Account)-[:ACTED]->(:Event) for events just created.
// Parameters:
//   $rows  list of {id, actor}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), womgraph_account_id (MERGE :Account)
UNWIND $rows AS row
MATCH (e:Event {id: row.id})
MERGE (a:Account {id: row.actor})
CREATE (a)-[:ACTED]->(e)
