// schema_account_advocate_score: range index on :Account(advocate_score), for clearing old advocate scores (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_account_advocate_score
CREATE INDEX womgraph_account_advocate_score IF NOT EXISTS
FOR (a:Account) ON (a.advocate_score)
