// event_link_mentioned: the browsing shortcut (:Account)-[:MENTIONED {event, ts, post}]->(:Account)
// for mention events just created (run after event_link_actor/_target).
// Parameters:
//   $rows  list of {id}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), then the event's own relationships
UNWIND $rows AS row
MATCH (a:Account)-[:ACTED]->(e:Event {id: row.id})-[:TARGETS]->(b:Account)
CREATE (a)-[:MENTIONED {event: e.id, ts: e.ts, post: e.post}]->(b)
