// schema_account_advocate_rank: range index on :Account(advocate_rank), for top advocates in rank order (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_account_advocate_rank
CREATE INDEX womgraph_account_advocate_rank IF NOT EXISTS
FOR (a:Account) ON (a.advocate_rank)
