// forget_events: delete up to $limit events an account acted in or was targeted by (run until
// it returns no rows), returning the content those events pointed at.
// Parameters:
//   $account  the account id
//   $limit    how many events per transaction
// Returns: one row per deleted event: content (ids of the content it created or reacted to)
// Index: womgraph_account_id, then the account's relationships
MATCH (:Account {id: $account})-[:ACTED|TARGETS]-(e:Event)
WITH DISTINCT e
LIMIT $limit
OPTIONAL MATCH (e)-[:CREATES|REACTS_TO]->(c:Content)
WITH e, collect(c.id) AS content
DETACH DELETE e
RETURN content
