// server_components: what server answers, and proof that the credentials and database work.
// Parameters: none
// Returns: one row per component: name, version, edition
// Index: none (a system procedure)
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions[0] AS version, edition
