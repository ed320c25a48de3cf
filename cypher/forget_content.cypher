// forget_content: delete content items that nothing points at any more.
// Parameters:
//   $ids  content ids to check
// Returns: n, the number deleted
// Index: womgraph_content_id
UNWIND $ids AS id
MATCH (c:Content {id: id})
WHERE NOT (c)--()
DELETE c
RETURN count(c) AS n
