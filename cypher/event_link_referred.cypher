// event_link_referred: the browsing shortcut (:Account)-[:REFERRED {event, ts, type}]->(:Account)
// for referral and recommendation events just created (run after event_link_actor/_target).
// Parameters:
//   $rows  list of {id}
// Returns: nothing
// Index: womgraph_event_id (MATCH :Event), then the event's own relationships
UNWIND $rows AS row
MATCH (a:Account)-[:ACTED]->(e:Event {id: row.id})-[:TARGETS]->(b:Account)
CREATE (a)-[:REFERRED {event: e.id, ts: e.ts, type: e.type}]->(b)
