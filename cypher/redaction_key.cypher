// redaction_key: the store's key for pseudonyms (womgraph --redact), made on first use.
// Parameters:
//   $key    the key's name ('redact')
//   $value  a new random key (hex), stored only when the store has none yet
// Returns: value, the key the store keeps
// Index: none (one node; MERGE on its name)
MERGE (k:RedactionKey {name: $key})
ON CREATE SET k.value = $value
RETURN k.value AS value
