// forget_account: delete an account node with its remaining relationships.
// Parameters:
//   $account  the account id
// Returns: profiled (true when the account had a profile), or no row when there was no account
// Index: womgraph_account_id
MATCH (a:Account {id: $account})
WITH a, a:Profiled AS profiled
DETACH DELETE a
RETURN profiled
