"""Athena through a botocore Stubber (moto's Athena returns no rows): each expected query is checked
against the service model and the exact request (SQL and workgroup); its result CSV is put where
Athena would write it, in moto's S3, for the tool to read."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from config import load_config

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
DEV = load_config("dev")  # the default: the shipped dev environment's names
RESULTS = DEV.bucket_name("athena-results", ACCOUNT, REGION)
WORKGROUP = f"{DEV.name_prefix}-analytics"


class AthenaStub:
    def __init__(self, s3, *, workgroup: str = WORKGROUP, results: str = RESULTS) -> None:
        self.s3, self.workgroup, self.results = s3, workgroup, results
        self.client = boto3.client("athena", region_name=REGION)
        self.stub = Stubber(self.client)
        self.stub.activate()
        self.count = 0
        s3.create_bucket(Bucket=results)

    def expect(self, sql: str, result_csv: str | None, *, running: int = 1, reason: str | None = None) -> None:
        """One query: `sql` in the workgroup, `running` polls still RUNNING, then SUCCEEDED with
        `result_csv` (or FAILED with `reason` when `result_csv` is None)."""
        self.count += 1
        query_id = f"00000000-0000-0000-0000-{self.count:012d}"
        location = f"s3://{self.results}/{self.workgroup}/{query_id}.csv"
        self.stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": query_id},
            {"QueryString": sql, "WorkGroup": self.workgroup},
        )
        for _ in range(running):
            self.stub.add_response(
                "get_query_execution",
                {"QueryExecution": {"QueryExecutionId": query_id, "Status": {"State": "RUNNING"}}},
                {"QueryExecutionId": query_id},
            )
        if result_csv is None:
            status = {"State": "FAILED", "StateChangeReason": reason or "failed"}
        else:
            status = {"State": "SUCCEEDED"}
            self.s3.put_object(Bucket=self.results, Key=f"{self.workgroup}/{query_id}.csv", Body=result_csv.encode())
        self.stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "QueryExecutionId": query_id,
                    "Query": sql,
                    "WorkGroup": self.workgroup,
                    "Status": status,
                    "ResultConfiguration": {"OutputLocation": location},
                }
            },
            {"QueryExecutionId": query_id},
        )

    def verify(self) -> None:
        self.stub.assert_no_pending_responses()
