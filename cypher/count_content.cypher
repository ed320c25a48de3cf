// count_content: how many content items (posts, replies, shares, reviews, mentions) the store holds (answered from the count store, no scan).
// Parameters: none
// Returns: n
// Index: none (label count)
MATCH (c:Content)
RETURN count(c) AS n
