"""An Athena workgroup whose settings users cannot override, and the policy of the people who query it."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_athena as athena
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import grants
from .compliance import acknowledge, wildcard_finding
from .lake_formation import acknowledge_data_access, lake_formation_data_access

ENGINE_VERSION = "Athena engine version 3"
MIB = 1024 * 1024

# What a user needs to run queries in the workgroup, read their results and use its saved queries.
QUERY_ACTIONS = [
    "athena:BatchGetNamedQuery",
    "athena:BatchGetQueryExecution",
    "athena:GetNamedQuery",
    "athena:GetQueryExecution",
    "athena:GetQueryResults",
    "athena:GetQueryRuntimeStatistics",
    "athena:GetWorkGroup",
    "athena:ListNamedQueries",
    "athena:ListQueryExecutions",
    "athena:StartQueryExecution",
    "athena:StopQueryExecution",
]


def workgroup_search(workgroup: str, metric: str, statistic: str, label: str) -> cw.MathExpression:
    """A metric of the queries of `workgroup`, hourly: Athena publishes per workgroup, query state
    and query type; the search sums them all."""
    search = (
        f'SEARCH(\'{{AWS/Athena,QueryState,QueryType,WorkGroup}} WorkGroup="{workgroup}" '
        f"MetricName=\"{metric}\"', '{statistic}', 3600)"
    )
    return cw.MathExpression(expression=f"SUM({search})", using_metrics={}, label=label, period=Duration.hours(1))


class AthenaWorkgroup(Construct):
    """A workgroup on Athena engine version 3 with its configuration enforced (a client cannot
    override it): results under `s3://<results_bucket>/<name>/`, encrypted SSE-KMS with `key`;
    a query scanning more than `bytes_scanned_cutoff_mb` MiB is cancelled; CloudWatch metrics on;
    deleting the workgroup deletes its saved queries and history instead of failing on them.

    `query_policy` is a customer-managed policy `<name>-query` for the workgroup's users; attach
    it to a role, group or permission set. It allows exactly: running and reading queries in this
    workgroup, reading the Glue catalog entries of `database` and its tables, reading the objects
    of `data_bucket` but those under `hidden_prefix` (the curated tables, by the naming contract;
    the same policy whatever the number of datasets; no table and no object without a
    `data_bucket`, for a lake with no dataset yet), writing and reading the workgroup's results
    prefix, and using `key` to decrypt data and encrypt results. Pass buckets imported by name
    (`s3.Bucket.from_bucket_name`), so the policy's object wildcards can be acknowledged exactly.

    With `lake_formation`, also `lakeformation:GetDataAccess`: Athena reads tables of registered
    locations with credentials Lake Formation vends; without `direct_reads` (where Lake Formation
    alone decides) the policy reads no curated object itself.

    Attributes: `workgroup` (CfnWorkGroup), `name`, `arn`, `results_prefix`, `query_policy`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        results_bucket: s3.IBucket,
        key: kms.IKey,
        bytes_scanned_cutoff_mb: int,
        database: str,
        data_bucket: s3.IBucket | None,
        hidden_prefix: str,
        lake_formation: bool = False,
        direct_reads: bool = True,
    ) -> None:
        super().__init__(scope, id)
        self.name = name
        self.results_prefix = f"{name}/"
        self.workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=name,
            description=f"Queries over the curated lake ({database}); settings enforced",
            state="ENABLED",
            recursive_delete_option=True,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(selected_engine_version=ENGINE_VERSION),
                bytes_scanned_cutoff_per_query=bytes_scanned_cutoff_mb * MIB,
                publish_cloud_watch_metrics_enabled=True,
                requester_pays_enabled=False,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{results_bucket.bucket_name}/{self.results_prefix}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_KMS", kms_key=key.key_arn
                    ),
                ),
            ),
        )
        stack = Stack.of(self)
        self.arn = stack.format_arn(service="athena", resource="workgroup", resource_name=name)

        self.query_policy = iam.ManagedPolicy(
            self,
            "QueryPolicy",
            managed_policy_name=f"{name}-query",
            description=f"Query the curated lake through the Athena workgroup {name}, and nothing more",
            statements=[
                iam.PolicyStatement(sid="RunQueriesInTheWorkgroup", actions=QUERY_ACTIONS, resources=[self.arn])
            ],
        )
        grants.grant_catalog_read(
            self.query_policy, databases=[database], sid="ReadTheCuratedCatalog", tables=data_bucket is not None
        )
        if data_bucket is not None and direct_reads:
            grants.grant_curated_read(self.query_policy, data_bucket, hidden=hidden_prefix)
        self.query_policy.add_statements(
            iam.PolicyStatement(
                sid="WriteAndReadQueryResults",
                actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                resources=[results_bucket.arn_for_objects(f"{self.results_prefix}*")],
            ),
            iam.PolicyStatement(
                sid="ListQueryResults",
                actions=["s3:ListBucket"],
                resources=[results_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [self.results_prefix, f"{self.results_prefix}*"]}},
            ),
            iam.PolicyStatement(
                sid="LocateTheResultsBucket",
                actions=["s3:GetBucketLocation"],
                resources=[results_bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                sid="DecryptDataEncryptResults",
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[key.key_arn],
            ),
        )
        acknowledge(
            self.query_policy,
            "This workgroup's results prefix (<results bucket>/<workgroup>/*): Athena names the result "
            "objects below it at run time (query ids)",
            wildcard_finding(self, results_bucket.arn_for_objects(f"{self.results_prefix}*")),
        )
        if lake_formation:
            self.query_policy.add_statements(lake_formation_data_access())
            acknowledge_data_access(self.query_policy)
