// explore_top_advocates: the best genuine advocates, with the peers they reached and converted.
// Run it yourself (Neo4j Browser: `:param limit => 20`), after `womgraph` wrote results back.
// Parameters:
//   $limit  how many advocates
// Returns: account, handle, rank, score, community, referred (people they referred or
//          recommended to), converted (people whose adoption is credited to them)
// Index: womgraph_account_advocate_rank (ordered index scan)
MATCH (a:Account)
WHERE a.advocate_rank IS NOT NULL
WITH a
ORDER BY a.advocate_rank
LIMIT $limit
RETURN a.id AS account,
       a.handle AS handle,
       a.advocate_rank AS rank,
       a.advocate_score AS score,
       a.community AS community,
       COUNT { (a)-[:REFERRED]->(:Account) } AS referred,
       COUNT { (a)-[:CONVERTED]->(:Account) } AS converted
ORDER BY rank
