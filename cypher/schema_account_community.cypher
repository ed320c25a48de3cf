// schema_account_community: range index on :Account(community), for browsing and clearing communities (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_account_community
CREATE INDEX womgraph_account_community IF NOT EXISTS
FOR (a:Account) ON (a.community)
