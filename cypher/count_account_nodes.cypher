// count_account_nodes: how many accounts, with or without a profile the store holds (answered from the count store, no scan).
// Parameters: none
// Returns: n
// Index: none (label count)
MATCH (a:Account)
RETURN count(a) AS n
