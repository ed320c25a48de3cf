// event_link_post: (:Event)-[:CREATES]->(:Content) for events just created that name a `post`.
// Parameters:
//   $rows  list of {id, post}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), womgraph_content_id (MERGE :Content)
UNWIND $rows AS row
MATCH (e:Event {id: row.id})
MERGE (c:Content {id: row.post})
CREATE (e)-[:CREATES]->(c)
