// await_indexes: wait until every index is online (after `womgraph db init`).
// Parameters:
//   $timeout  seconds to wait at most (integer)
// Returns: nothing
// Index: none (a system procedure)
CALL db.awaitIndexes($timeout)
