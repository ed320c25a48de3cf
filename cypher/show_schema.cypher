// show_schema: every index, constraint-backed ones included, with its state (the caller keeps
// womgraph's, named womgraph_*).
// Parameters: none
// Returns: name, type, state, constraint (name of the owning constraint, or null)
// Index: none (reads the schema)
SHOW INDEXES YIELD name, type, state, owningConstraint
RETURN name, type, state, owningConstraint AS constraint
