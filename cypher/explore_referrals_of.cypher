// explore_referrals_of: whom an account referred or recommended, and what those people did next.
// Parameters:
//   $account  the account id
// Returns: invitee, type (referral or recommendation), ts, class (of the invitation event, when
//          written back), adopted (the invitee's signups and purchases after the invitation)
// Index: womgraph_account_id, then [:REFERRED] relationships
MATCH (:Account {id: $account})-[r:REFERRED]->(b:Account)
OPTIONAL MATCH (inv:Event {id: r.event})
RETURN b.id AS invitee,
       r.type AS type,
       r.ts AS ts,
       inv.class AS class,
       COUNT {
         (b)-[:ACTED]->(x:Event)
         WHERE x.type IN ['signup', 'purchase'] AND x.ts >= r.ts
       } AS adopted
ORDER BY ts
