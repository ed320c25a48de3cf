// event_link_parent: (:Event)-[:REACTS_TO]->(:Content) for events just created that name a `parent`.
// Parameters:
//   $rows  list of {id, parent}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), womgraph_content_id (MERGE :Content)
UNWIND $rows AS row
MATCH (e:Event {id: row.id})
MERGE (c:Content {id: row.parent})
CREATE (e)-[:REACTS_TO]->(c)
