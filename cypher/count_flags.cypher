// count_flags: how many flags to review the store holds (answered from the count store, no scan).
// Parameters: none
// Returns: n
// Index: none (label count)
MATCH (f:Flag)
RETURN count(f) AS n
