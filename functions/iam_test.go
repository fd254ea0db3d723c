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

	"expiry-sweeper": {{"dynamodb:Query", "byExpiry"}, {"dynamodb:UpdateItem", ""}},
}
