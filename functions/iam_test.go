package functions_test

// grant is one DynamoDB action on the table ("" index) or one of its
// indexes.
type grant struct {
	Action string
	Index  string
}

// dynamoActions lists, per function directory, the DynamoDB actions its code
// calls. template.yaml must grant exactly these (template_test.go), and the
// bootstrap test records what each real binary calls and checks it against
// this list; TestFamilyPathsStayInsideTheirPolicies drives the paths the
// samples do not reach. Items in a TransactWriteItems or TransactGetItems
// are authorised per item, so a transaction of Puts needs dynamodb:PutItem
// only, one of Gets dynamodb:GetItem only, and a ConditionCheck item
// dynamodb:ConditionCheckItem ("Using IAM with DynamoDB transactions",
// Amazon DynamoDB Developer Guide).
var dynamoActions = map[string][]grant{
	// GetItem: API keys, a parent session, an idempotent replay.
	"create-session":     {{"dynamodb:GetItem", ""}, {"dynamodb:PutItem", ""}},
	"get-session":        {{"dynamodb:GetItem", ""}},
	"post-session-event": {{"dynamodb:GetItem", ""}, {"dynamodb:PutItem", ""}, {"dynamodb:ConditionCheckItem", ""}}, // a child's settlement checks its parent's version
	"cancel-session":     {{"dynamodb:GetItem", ""}, {"dynamodb:PutItem", ""}},
	"session-v1":         {{"dynamodb:GetItem", ""}},
	"payment-status":     {{"dynamodb:GetItem", ""}},
	"payment-session":    {{"dynamodb:GetItem", ""}},
	"checkout-session":   {{"dynamodb:GetItem", ""}},                                                // a parent with its child: TransactGetItems, authorised per item as GetItem
	"session-records":    {{"dynamodb:Query", "byMerchantDayShard"}, {"dynamodb:BatchGetItem", ""}}, // ids from the index, sessions from the table
	"session-record":     {{"dynamodb:GetItem", ""}},
	"create-api-key":     {{"dynamodb:PutItem", ""}},
	"delete-api-key":     {{"dynamodb:UpdateItem", ""}}, // revocation marks the key

	// GetItem: an expiry write whose answer was lost is read back (store.Expire).
	"expiry-sweeper": {{"dynamodb:Query", "byExpiry"}, {"dynamodb:UpdateItem", ""}, {"dynamodb:GetItem", ""}},
}

// Item kinds: the partition key prefixes of the table's items.
const (
	kindSession     = "SESSION#"
	kindAPIKey      = "APIKEY#"
	kindIdempotency = "IDEMPOTENCY#"
)

// itemKinds lists, per function directory and table action, the kinds of
// item the code touches with it. template.yaml confines each action to
// them with a dynamodb:LeadingKeys condition (TestPoliciesConfineEachFunctionToItsItems),
// and the bootstrap and family-path tests check each real request against
// this list. So a function that only reads sessions cannot read or write
// an API key, and the two API-key functions cannot touch a session: the
// processors' event function, say, can never mint or revive a merchant's
// key. Only the bearer-only functions leave out APIKEY# (the API-key
// verifier reads it where a route takes X-Api-Key).
var itemKinds = map[string]map[string][]string{
	"create-session": {
		"dynamodb:GetItem": {kindSession, kindAPIKey, kindIdempotency}, // parent, key, replay
		"dynamodb:PutItem": {kindSession, kindIdempotency},
	},
	"get-session": {"dynamodb:GetItem": {kindSession, kindAPIKey}},
	"post-session-event": {
		"dynamodb:GetItem":            {kindSession},
		"dynamodb:PutItem":            {kindSession},
		"dynamodb:ConditionCheckItem": {kindSession},
	},
	"cancel-session": {
		"dynamodb:GetItem": {kindSession, kindAPIKey},
		"dynamodb:PutItem": {kindSession},
	},
	"session-v1":       {"dynamodb:GetItem": {kindSession}},
	"payment-status":   {"dynamodb:GetItem": {kindSession}},
	"payment-session":  {"dynamodb:GetItem": {kindSession, kindAPIKey}},
	"checkout-session": {"dynamodb:GetItem": {kindSession}},
	"session-records":  {"dynamodb:BatchGetItem": {kindSession}},
	"session-record":   {"dynamodb:GetItem": {kindSession}},
	"create-api-key":   {"dynamodb:PutItem": {kindAPIKey}},
	"delete-api-key":   {"dynamodb:UpdateItem": {kindAPIKey}},
	"expiry-sweeper": {
		"dynamodb:UpdateItem": {kindSession},
		"dynamodb:GetItem":    {kindSession}, // the read-back after a lost answer
	},
}
