// count_accounts: how many account profiles (accounts from an accounts file) the store holds (answered from the count store, no scan).
// Parameters: none
// Returns: n
// Index: none (label count)
MATCH (a:Profiled)
RETURN count(a) AS n
