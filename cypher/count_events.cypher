// count_events: how many events the store holds (answered from the count store, no scan).
// Parameters: none
// Returns: n
// Index: none (label count)
MATCH (e:Event)
RETURN count(e) AS n
