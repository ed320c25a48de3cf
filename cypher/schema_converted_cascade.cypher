// schema_converted_cascade: relationship range index on [:CONVERTED](cascade), for following
// one recommendation chain and clearing old chains (idempotent).
// Parameters: none
// Returns: nothing
// Index: creates womgraph_converted_cascade
CREATE INDEX womgraph_converted_cascade IF NOT EXISTS
FOR ()-[r:CONVERTED]-() ON (r.cascade)
