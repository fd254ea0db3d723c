package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table attribute and index names. The table's definition lives here once;
// template.yaml is checked against TableDefinition by a test.
const (
	attrPK               = "pk"
	attrSK               = "sk"
	attrTTL              = "ttl"
	attrCreatedKey       = "createdKey"
	attrMerchantDayShard = "merchantDayShard"
	attrListUntil        = "listUntil"
	attrExpiryShard      = "expiryShard"
	attrExpiresAt        = "expiresAt"

	// IndexByMerchantDayShard lists a merchant's sessions created on one UTC
	// day, spread over LIST_SHARDS partitions (<merchantId>#<day>#<shard>),
	// each sorted by <createdAt>#<id>: the list reads them all and merges
	// them. It holds keys and listUntil only: the list reads the sessions
	// from the table.
	IndexByMerchantDayShard = "byMerchantDayShard"
	// IndexByExpiry is the sparse, sharded index of open sessions by
	// expiresAt that the sweeper queries.
	IndexByExpiry = "byExpiry"
	// TTLAttribute is the epoch-seconds attribute DynamoDB TTL deletes by.
	TTLAttribute = attrTTL
)

// TableDefinition is the table: keys pk/sk, on-demand billing, the list
// indexes and the sparse expiry index (keys only). TTL and
// point-in-time recovery are set after creation (CreateTable) and in
// template.yaml.
func TableDefinition(name string) *dynamodb.CreateTableInput {
	s := ddb.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddb.BillingModePayPerRequest,
		AttributeDefinitions: []ddb.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: s},
			{AttributeName: aws.String(attrSK), AttributeType: s},
			{AttributeName: aws.String(attrCreatedKey), AttributeType: s},
			{AttributeName: aws.String(attrMerchantDayShard), AttributeType: s},
			{AttributeName: aws.String(attrExpiryShard), AttributeType: ddb.ScalarAttributeTypeN},
			{AttributeName: aws.String(attrExpiresAt), AttributeType: s},
		},
		KeySchema: []ddb.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: ddb.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: ddb.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []ddb.GlobalSecondaryIndex{
			{
				IndexName: aws.String(IndexByMerchantDayShard),
				KeySchema: []ddb.KeySchemaElement{
					{AttributeName: aws.String(attrMerchantDayShard), KeyType: ddb.KeyTypeHash},
					{AttributeName: aws.String(attrCreatedKey), KeyType: ddb.KeyTypeRange},
				},
				Projection: &ddb.Projection{
					ProjectionType:   ddb.ProjectionTypeInclude,
					NonKeyAttributes: []string{attrListUntil},
				},
			},
			{
				IndexName: aws.String(IndexByExpiry),
				KeySchema: []ddb.KeySchemaElement{
					{AttributeName: aws.String(attrExpiryShard), KeyType: ddb.KeyTypeHash},
					{AttributeName: aws.String(attrExpiresAt), KeyType: ddb.KeyTypeRange},
				},
				Projection: &ddb.Projection{ProjectionType: ddb.ProjectionTypeKeysOnly},
			},
		},
	}
}

// CreateTableWithoutTTL creates the table if it does not exist and waits
// until it is active, leaving TTL off. Tests use it: DynamoDB Local does
// delete expired items, within seconds, where DynamoDB may take days, and
// the service must be correct either way; with TTL off, a test controls
// time alone and sees every item it wrote.
func CreateTableWithoutTTL(ctx context.Context, db *dynamodb.Client, name string) error {
	out, err := db.CreateTable(ctx, TableDefinition(name), adminCall)
	var inUse *ddb.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	// DynamoDB answers a table created with its description; a 200 without
	// one is another server's (an echo or mock answering JSON), which would
	// otherwise be waited on for a minute as a table not yet there.
	if err == nil && (out == nil || out.TableDescription == nil) {
		return fmt.Errorf("create table %s: the answer holds no TableDescription: not DynamoDB", name)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 50 * time.Millisecond
		o.MaxDelay = time.Second
		o.ClientOptions = append(o.ClientOptions, adminCall)
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	return nil
}

// CreateTable creates the store's table if it does not exist, waits until
// it is active and turns TTL on. For local runs (make run, make start-api);
// in AWS the template creates the table. (Tests use CreateTableWithoutTTL.)
func (s *Store) CreateTable(ctx context.Context) error {
	db, name := s.db, s.table
	if err := CreateTableWithoutTTL(ctx, db, name); err != nil {
		return err
	}
	if ttlEnabled(ctx, db, name) {
		return nil
	}
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &ddb.TimeToLiveSpecification{AttributeName: aws.String(attrTTL), Enabled: aws.Bool(true)},
	}, adminCall)
	// Another local server started at once on the same new table may have
	// turned TTL on between the read above and this update, which is then
	// refused ("TimeToLive is already enabled"): TTL on is what was asked.
	if err != nil && !ttlEnabled(ctx, db, name) {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// ttlEnabled reports whether the table's TTL is on.
func ttlEnabled(ctx context.Context, db *dynamodb.Client, name string) bool {
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)}, adminCall)
	if err != nil || ttl.TimeToLiveDescription == nil {
		return false
	}
	return ttl.TimeToLiveDescription.TimeToLiveStatus == ddb.TimeToLiveStatusEnabled
}
