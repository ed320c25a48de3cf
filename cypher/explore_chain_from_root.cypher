// explore_chain_from_root: a recommendation chain followed from the account that started it, up
// to 10 generations (Browser: `:param root => 'alice'` shows the tree as a graph).
// Parameters:
//   $root  account id of the chain's root
// Returns: one row per path from the root: path, depth, cascade, accounts (ids along the path)
// Index: womgraph_account_id (the root), then [:CONVERTED] relationships
MATCH path = (:Account {id: $root})-[:CONVERTED*1..10]->(:Account)
WHERE all(r IN relationships(path) WHERE r.cascade = head(relationships(path)).cascade)
RETURN path,
       length(path) AS depth,
       head(relationships(path)).cascade AS cascade,
       [n IN nodes(path) | n.id] AS accounts
ORDER BY depth, accounts
