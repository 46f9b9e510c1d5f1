"""The training-set CLI against a deployed platform: Athena through a Stubber (the exact SQL and the
workgroup), the manifests and Athena's result files in moto's S3."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from config import load_config
from tools.deployed import Clients
from tools.training_set import main

from .athena_stub import ACCOUNT, REGION, AthenaStub

DEV = load_config("dev")  # the tool runs the shipped dev environment: names follow its config
CURATED = DEV.database_name("curated")
ARTIFACTS = DEV.bucket_name("artifacts", ACCOUNT, REGION)
TABLE = f'"{CURATED}"."houses"'
SNAPSHOT = 8744736658442914487
QUERY = "SELECT house_id, price FROM {table} WHERE bedrooms >= 2 ORDER BY house_id"
PINNED = (
    f"SELECT house_id, price FROM (SELECT * FROM {TABLE} FOR VERSION AS OF {SNAPSHOT}) "
    "WHERE bedrooms >= 2 ORDER BY house_id"
)

DAY_ONE = {  # the manifest of a training set pinned to SNAPSHOT
    "dataset": "houses",
    "name": "day-one",
    "table": f"{CURATED}.houses",
    "snapshot_id": SNAPSHOT,
    "tag": "pin_day_one",
    "query": QUERY,
}


def snapshot_query(*conditions: str) -> str:
    return (
        f'SELECT h.snapshot_id FROM "{CURATED}"."houses$history" h '
        f'JOIN "{CURATED}"."houses$snapshots" s ON s.snapshot_id = h.snapshot_id '
        f"WHERE {' AND '.join(['h.is_current_ancestor', *conditions])} ORDER BY h.made_current_at DESC LIMIT 1"
    )


class Harness:
    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        self.s3.create_bucket(Bucket=ARTIFACTS)
        self.athena = AthenaStub(self.s3)
        self.lines: list[str] = []

    def clients(self, region: str) -> Clients:
        return Clients(s3=self.s3, sts=boto3.client("sts", region_name=REGION), athena=self.athena.client)

    def run(self, *argv: str) -> int:
        return main(["--env", "dev", "--region", REGION, *argv], clients=self.clients, out=self.lines.append)

    def manifest(self, name: str) -> dict:
        key = f"training_sets/houses/{name}.json"
        return json.loads(self.s3.get_object(Bucket=ARTIFACTS, Key=key)["Body"].read())

    def keys(self) -> list[str]:
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=ARTIFACTS).get("Contents", []))


@pytest.fixture
def harness(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield Harness()


def test_pin_checks_the_snapshot_in_the_metadata_tables_counts_its_rows_and_writes_the_manifest(harness):
    harness.athena.expect(snapshot_query(f"h.snapshot_id = {SNAPSHOT}"), f'"snapshot_id"\n"{SNAPSHOT}"\n')
    harness.athena.expect(f"SELECT count(*) AS n FROM ({PINNED})", '"n"\n"2"\n', running=2)

    code = harness.run(
        "pin", "--dataset", "houses", "--name", "day-one", "--snapshot-id", str(SNAPSHOT), "--query", QUERY
    )

    assert code == 0
    harness.athena.verify()
    manifest = harness.manifest("day-one")
    assert {k: v for k, v in manifest.items() if k != "pinned_at"} == {**DAY_ONE, "rows": 2}
    printed = json.loads(harness.lines[-1])
    assert printed["manifest"] == f"s3://{ARTIFACTS}/training_sets/houses/day-one.json"
    assert printed["snapshot_id"] == SNAPSHOT


def test_pin_as_of_a_time_takes_mains_snapshot_then_in_utc(harness):
    harness.athena.expect(
        snapshot_query("h.made_current_at <= from_iso8601_timestamp('2024-06-02T00:00:00+00:00')"),
        f'"snapshot_id"\n"{SNAPSHOT}"\n',
    )
    harness.athena.expect(
        f"SELECT count(*) AS n FROM (SELECT * FROM (SELECT * FROM {TABLE} FOR VERSION AS OF {SNAPSHOT}))", '"n"\n"3"\n'
    )
    assert harness.run("pin", "--dataset", "houses", "--name", "june", "--as-of", "2024-06-02T00:00:00") == 0
    harness.athena.verify()
    assert (harness.manifest("june")["snapshot_id"], harness.manifest("june")["rows"]) == (SNAPSHOT, 3)


def test_pin_without_a_snapshot_then_is_refused_and_writes_nothing(harness, capsys):
    harness.athena.expect(snapshot_query(), '"snapshot_id"\n')
    assert harness.run("pin", "--dataset", "houses", "--name", "now") == 2
    harness.athena.verify()
    assert harness.keys() == []
    assert f"{CURATED}.houses has no snapshot (it was never written)" in capsys.readouterr().err


def test_a_pinned_name_is_never_replaced(harness, capsys):
    harness.s3.put_object(Bucket=ARTIFACTS, Key="training_sets/houses/day-one.json", Body=b"{}")
    assert harness.run("pin", "--dataset", "houses", "--name", "day-one") == 2
    harness.athena.verify()  # no query ran
    assert "training set 'day-one' of houses is pinned already" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--dataset", "unicorns", "--name", "x"), "no dataset 'unicorns'; declared:"),
        (("--dataset", "houses", "--name", "Bad Name"), "training set name 'Bad Name'"),
        (("--dataset", "houses", "--name", "x", "--query", "SELECT 1"), "the query must read the table as {table}"),
    ],
)
def test_bad_pins_are_refused_before_any_query(harness, capsys, argv, message):
    assert harness.run("pin", *argv) == 2
    harness.athena.verify()
    assert message in capsys.readouterr().err and harness.keys() == []


def test_read_runs_the_manifest_query_as_of_its_snapshot_and_prints_csv(harness):
    harness.s3.put_object(Bucket=ARTIFACTS, Key="training_sets/houses/day-one.json", Body=json.dumps(DAY_ONE).encode())
    # Athena quotes every value; the tool prints plain CSV.
    harness.athena.expect(PINNED, '"house_id","price"\n"1","100000.00"\n"2","150000.00"\n')

    assert harness.run("read", "--dataset", "houses", "--name", "day-one") == 0

    harness.athena.verify()
    assert harness.lines == ["house_id,price\n1,100000.00\n2,150000.00"]


def test_a_failed_query_reports_athenas_reason(harness, capsys):
    manifest = {
        "dataset": "houses",
        "name": "old",
        "table": f"{CURATED}.houses",
        "snapshot_id": 1,
        "query": "SELECT * FROM {table}",
    }
    harness.s3.put_object(Bucket=ARTIFACTS, Key="training_sets/houses/old.json", Body=json.dumps(manifest).encode())
    reason = f"ICEBERG_INVALID_SNAPSHOT_ID: Invalid snapshot [1] for table: {CURATED}.houses"
    harness.athena.expect(f"SELECT * FROM (SELECT * FROM {TABLE} FOR VERSION AS OF 1)", None, reason=reason)
    assert harness.run("read", "--dataset", "houses", "--name", "old") == 2
    harness.athena.verify()
    err = capsys.readouterr().err
    assert f"failed in workgroup {DEV.name_prefix}-analytics" in err and reason in err


def test_reading_an_unknown_training_set_says_so(harness, capsys):
    assert harness.run("read", "--dataset", "houses", "--name", "nope") == 2
    assert "no training set 'nope'" in capsys.readouterr().err


def test_one_place_must_be_named(capsys):
    with pytest.raises(SystemExit):
        main(["read", "--dataset", "houses", "--name", "x"])
    assert "one of the arguments --env --config --workdir is required" in capsys.readouterr().err


def test_a_query_still_running_at_the_timeout_is_stopped(harness):
    from tools.athena import Athena
    from tools.deployed import ToolError

    stub, query_id = harness.athena.stub, "00000000-0000-0000-0000-000000000001"
    stub.add_response(
        "start_query_execution", {"QueryExecutionId": query_id}, {"QueryString": "SELECT 1", "WorkGroup": "wg"}
    )
    running = {"QueryExecution": {"QueryExecutionId": query_id, "Status": {"State": "RUNNING"}}}
    for _ in range(3):
        stub.add_response("get_query_execution", running, {"QueryExecutionId": query_id})
    stub.add_response("stop_query_execution", {}, {"QueryExecutionId": query_id})
    pauses: list[float] = []
    athena = Athena(harness.athena.client, harness.s3, "wg", timeout_seconds=0.5, sleep=pauses.append)

    with pytest.raises(ToolError, match="still RUNNING after 1 s; stopped it"):
        athena.csv("SELECT 1")

    harness.athena.verify()
    assert pauses == [0.25, 0.5]  # the polls back off


def test_an_environment_without_the_athena_workgroup_is_refused(harness, capsys, tmp_path):
    import yaml

    root = Path(__file__).resolve().parents[2]
    config = yaml.safe_load((root / "config" / "environments" / "dev.yaml").read_text())
    config["analytics"] = {**config.get("analytics", {}), "enabled": False}
    path = tmp_path / "dev.yaml"
    path.write_text(yaml.safe_dump(config))
    code = main(
        ["--config", str(path), "--region", REGION, "read", "--dataset", "houses", "--name", "x"],
        clients=harness.clients,
    )
    assert code == 2
    assert "analytics is not enabled in dev" in capsys.readouterr().err
