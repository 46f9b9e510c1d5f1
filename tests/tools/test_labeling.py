"""The labeling CLI: manifests land in moto's S3, and every SageMaker and CloudFormation request goes
through a botocore Stubber, which checks it against the service model before answering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.stub import Stubber
from moto import mock_aws

from tests.fixtures import fixture_config, fixture_file
from tools.labeling import Clients, main

from .athena_stub import AthenaStub

ROOT = Path(__file__).resolve().parents[2]
FULL = fixture_config("full")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account
RAW = f"{FULL.bucket_prefix}-raw-{ACCOUNT}-{REGION}"
ARTIFACTS = f"{FULL.bucket_prefix}-artifacts-{ACCOUNT}-{REGION}"
WORKTEAM_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workteam/private-crowd/{FULL.name_prefix}-labelers"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{FULL.name_prefix}-labeling"
TEMPLATES = {
    "ImageTemplateUri": f"s3://cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/image.html",
    "TextTemplateUri": f"s3://cdk-hnb659fds-assets-{ACCOUNT}-{REGION}/text.html",
}
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class Harness:
    """moto S3 and STS, stubbed SageMaker and CloudFormation, and what the CLI printed."""

    def __init__(self) -> None:
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sagemaker = boto3.client("sagemaker", region_name=REGION)
        self.cloudformation = boto3.client("cloudformation", region_name=REGION)
        self.sagemaker_stub = Stubber(self.sagemaker)
        self.cloudformation_stub = Stubber(self.cloudformation)
        self.sagemaker_stub.activate()
        self.cloudformation_stub.activate()
        self.athena = AthenaStub(
            self.s3,
            workgroup=f"{FULL.name_prefix}-analytics",
            results=f"{FULL.bucket_prefix}-athena-results-{ACCOUNT}-{REGION}",
        )
        self.lines: list[str] = []

    def clients(self, region: str) -> Clients:
        return Clients(
            s3=self.s3,
            sts=boto3.client("sts", region_name=REGION),
            athena=self.athena.client,
            sagemaker=self.sagemaker,
            cloudformation=self.cloudformation,
        )

    def run(self, *argv: str) -> int:
        return main(
            ["--config", str(fixture_file("full")), "--region", REGION, *argv],
            clients=self.clients,
            out=self.lines.append,
        )

    def keys(self) -> list[str]:
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=RAW).get("Contents", []))

    def read(self, key: str) -> str:
        return self.s3.get_object(Bucket=RAW, Key=key)["Body"].read().decode()

    def stack_deployed(self) -> None:
        outputs = {"LabelingRoleArn": ROLE_ARN, "WorkteamArn": WORKTEAM_ARN, **TEMPLATES}
        self.cloudformation_stub.add_response(
            "describe_stacks",
            {
                "Stacks": [
                    {
                        "StackName": f"{FULL.name_prefix}-labeling",
                        "CreationTime": NOW,
                        "StackStatus": "CREATE_COMPLETE",
                        "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
                    }
                ]
            },
            {"StackName": f"{FULL.name_prefix}-labeling"},
        )

    def workteam_exists(self) -> None:
        self.sagemaker_stub.add_response(
            "describe_workteam",
            {
                "Workteam": {
                    "WorkteamName": f"{FULL.name_prefix}-labelers",
                    "MemberDefinitions": [
                        {
                            "CognitoMemberDefinition": {
                                "UserPool": "us-east-1_abc",
                                "UserGroup": "labelers",
                                "ClientId": "client",
                            }
                        }
                    ],
                    "WorkteamArn": WORKTEAM_ARN,
                    "Description": "Private labeling work team",
                }
            },
            {"WorkteamName": f"{FULL.name_prefix}-labelers"},
        )

    def job_name_free(self, name: str) -> None:
        self.sagemaker_stub.add_client_error(
            "describe_labeling_job",
            service_error_code="ResourceNotFound",
            service_message=f"Could not find labeling job {name}",
            expected_params={"LabelingJobName": name},
        )

    def verify(self) -> None:
        self.sagemaker_stub.assert_no_pending_responses()
        self.cloudformation_stub.assert_no_pending_responses()
        self.athena.verify()


@pytest.fixture
def harness(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        h = Harness()
        h.s3.create_bucket(Bucket=RAW)
        h.s3.create_bucket(Bucket=ARTIFACTS)
        for key in ("unlabeled/sports/001.jpg", "unlabeled/sports/002.PNG", "unlabeled/sports/README.txt"):
            h.s3.put_object(Bucket=RAW, Key=key, Body=b"x")
        h.s3.put_object(
            Bucket=RAW,
            Key="spam_emails/emails.csv",
            Body=(
                b"id,from_domain,body,spam\n"
                b'1,example.com,"Win a prize, click now",true\n'
                b"2,example.org,Lunch at noon?,false\n"
                b"3,example.net,,false\n"
            ),
        )
        yield h


def expected_request(name: str, task: str, suffix: str, attribute: str, labels: list[str]) -> dict:
    job = f"s3://{RAW}/labels/jobs/{name}/"
    return {
        "LabelingJobName": name,
        "LabelAttributeName": attribute,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": f"{job}input.manifest"}}},
        "OutputConfig": {"S3OutputPath": f"s3://{RAW}/labels/jobs/", "KmsKeyId": f"alias/{FULL.name_prefix}-lake"},
        "RoleArn": ROLE_ARN,
        "LabelCategoryConfigS3Uri": f"{job}categories.json",
        "HumanTaskConfig": {
            "WorkteamArn": WORKTEAM_ARN,
            "UiConfig": {"UiTemplateS3Uri": TEMPLATES[f"{task.capitalize()}TemplateUri"]},
            "PreHumanTaskLambdaArn": f"arn:aws:lambda:us-east-1:432418664414:function:PRE-{suffix}",
            "TaskTitle": f"{task.capitalize()} classification: one label per {task}",
            "TaskDescription": f"Choose one label: {', '.join(labels)}",
            "TaskKeywords": ["classification", task],
            "NumberOfHumanWorkersPerDataObject": 1,
            "TaskTimeLimitInSeconds": 300,
            "TaskAvailabilityLifetimeInSeconds": 259200,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": f"arn:aws:lambda:us-east-1:432418664414:function:ACS-{suffix}"
            },
        },
        "Tags": [{"Key": "project", "Value": FULL.project}, {"Key": "environment", "Value": FULL.environment}],
    }


SPORTS = ["Soccer", "Swimming", "Baseball", "Cricket"]
IMAGE_JOB = (
    "start",
    "--task",
    "image",
    "--input",
    "unlabeled/sports/",
    "--name",
    "sports-1",
    "--label-attribute",
    "sport",
)


def test_image_job_lists_every_image_under_the_prefix_and_sends_the_image_functions(harness):
    harness.stack_deployed()
    harness.workteam_exists()
    harness.job_name_free("sports-1")
    request = expected_request("sports-1", "image", "ImageMultiClass", "sport", SPORTS)
    harness.sagemaker_stub.add_response(
        "create_labeling_job",
        {"LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/sports-1"},
        request,
    )

    assert harness.run(*IMAGE_JOB, "--labels", *SPORTS) == 0

    harness.verify()
    manifest = [json.loads(line) for line in harness.read("labels/jobs/sports-1/input.manifest").splitlines()]
    assert manifest == [
        {"source-ref": f"s3://{RAW}/unlabeled/sports/001.jpg"},
        {"source-ref": f"s3://{RAW}/unlabeled/sports/002.PNG"},
    ]
    assert json.loads(harness.read("labels/jobs/sports-1/categories.json")) == {
        "document-version": "2018-11-28",
        "labels": [{"label": s} for s in SPORTS],
    }
    assert "started sports-1 on 2 object(s)" in harness.lines[-1]


def text_job_starts(harness, name: str) -> None:
    """The checks and the CreateLabelingJob request of a spam/not spam text job named `name`."""
    harness.stack_deployed()
    harness.workteam_exists()
    harness.job_name_free(name)
    request = expected_request(name, "text", "TextMultiClass", "spam", ["spam", "not spam"])
    harness.sagemaker_stub.add_response(
        "create_labeling_job", {"LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}"}, request
    )


def test_text_job_takes_the_non_empty_values_of_a_csv_column(harness):
    text_job_starts(harness, "spam-1")

    code = harness.run(
        "start",
        "--task",
        "text",
        "--csv",
        f"s3://{RAW}/spam_emails/emails.csv",
        "--column",
        "body",
        "--name",
        "spam-1",
        "--label-attribute",
        "spam",
        "--labels",
        "spam",
        "not spam",
    )

    assert code == 0
    harness.verify()
    manifest = [json.loads(line) for line in harness.read("labels/jobs/spam-1/input.manifest").splitlines()]
    assert manifest == [{"source": "Win a prize, click now"}, {"source": "Lunch at noon?"}]


SNAPSHOT = 5937117119577207079
SPAM_SET = {
    "dataset": "spam_emails",
    "name": "spam-2024-06",
    "table": f"{FULL.database_name('curated')}.spam_emails",
    "snapshot_id": SNAPSHOT,
    "tag": "pin_spam_2024_06",
    "query": "SELECT id, body FROM {table} WHERE from_domain <> 'example.com' ORDER BY id",
}
SPAM_SQL = (
    f'SELECT id, body FROM (SELECT * FROM "{FULL.database_name("curated")}"."spam_emails" '
    f"FOR VERSION AS OF {SNAPSHOT}) WHERE from_domain <> 'example.com' ORDER BY id"
)
# As Athena writes results: a header, every value quoted, NULL an empty unquoted field.
SPAM_ROWS = '"id","body"\n"2","Lunch at noon?"\n"4","Dear friend,\nyour parcel ""waits"""\n"5",\n"6",""\n'


@pytest.mark.parametrize("by", ["name", "uri"])
def test_text_job_reads_a_pinned_training_set_through_athena_as_of_its_snapshot(harness, by):
    key = "training_sets/spam_emails/spam-2024-06.json"
    harness.s3.put_object(Bucket=ARTIFACTS, Key=key, Body=json.dumps(SPAM_SET).encode())
    harness.athena.expect(SPAM_SQL, SPAM_ROWS)
    text_job_starts(harness, "spam-2")
    which = (
        "--training-set spam-2024-06 --dataset spam_emails"
        if by == "name"
        else f"--training-set s3://{ARTIFACTS}/{key}"
    )
    argv = f"start --task text {which} --column body --name spam-2 --label-attribute spam".split()

    code = harness.run(*argv, "--labels", "spam", "not spam")

    assert code == 0
    harness.verify()  # the query above, in the workgroup <prefix>-analytics, and nothing else
    manifest = [json.loads(line) for line in harness.read("labels/jobs/spam-2/input.manifest").splitlines()]
    assert manifest == [{"source": "Lunch at noon?"}, {"source": 'Dear friend,\nyour parcel "waits"'}]


def test_a_training_set_column_that_is_not_selected_is_refused(harness, capsys):
    key = "training_sets/spam_emails/spam-2024-06.json"
    harness.s3.put_object(Bucket=ARTIFACTS, Key=key, Body=json.dumps(SPAM_SET).encode())
    harness.athena.expect(SPAM_SQL, SPAM_ROWS)
    argv = ("start", "--task", "text", "--training-set", f"s3://{ARTIFACTS}/{key}", "--column", "from_domain")
    err = refused(harness, capsys, *argv, "--labels", "spam", "ham")
    assert f"training set spam-2024-06 of spam_emails (snapshot {SNAPSHOT}) has no column 'from_domain'" in err
    assert "columns: id, body" in err


def test_dry_run_prints_the_request_and_writes_nothing(harness):
    before = harness.keys()
    harness.stack_deployed()
    harness.workteam_exists()
    harness.job_name_free("sports-1")

    assert harness.run(*IMAGE_JOB, "--labels", *SPORTS, "--dry-run") == 0

    harness.verify()
    assert harness.keys() == before
    printed = json.loads(harness.lines[0])
    assert printed["objects"] == 2
    assert printed["request"] == expected_request("sports-1", "image", "ImageMultiClass", "sport", SPORTS)


def refused(harness, capsys, *argv: str) -> str:
    """Runs a command that must fail: exit 2, nothing written, no AWS call beyond the stubs queued."""
    before = harness.keys()
    assert harness.run(*argv) == 2
    harness.verify()
    assert harness.keys() == before
    return capsys.readouterr().err


def test_an_empty_prefix_is_refused_before_anything_else(harness, capsys):
    err = refused(harness, capsys, "start", "--task", "image", "--input", "unlabeled/empty/", "--labels", *SPORTS)
    assert f"no images (.jpg, .jpeg, .png) under s3://{RAW}/unlabeled/empty/" in err


def test_a_prefix_the_role_cannot_read_is_refused(harness, capsys):
    err = refused(harness, capsys, "start", "--task", "image", "--input", "curated/", "--labels", *SPORTS)
    assert "only under labeling.input_prefixes (unlabeled/)" in err and "'curated/'" in err


def test_a_region_without_the_built_in_functions_is_refused(harness, capsys):
    before = harness.keys()
    code = main(
        ["--config", str(fixture_file("full")), "--region", "eu-north-1", *IMAGE_JOB, "--labels", *SPORTS],
        clients=harness.clients,
        out=harness.lines.append,
    )
    assert code == 2 and harness.keys() == before
    err = capsys.readouterr().err
    assert "not published in region 'eu-north-1'" in err and "us-east-1" in err


def test_a_missing_workteam_is_refused(harness, capsys):
    harness.stack_deployed()
    harness.sagemaker_stub.add_client_error(
        "describe_workteam",
        service_error_code="ValidationException",
        service_message=f"Workteam {FULL.name_prefix}-labelers does not exist",
        expected_params={"WorkteamName": f"{FULL.name_prefix}-labelers"},
    )
    err = refused(harness, capsys, *IMAGE_JOB, "--labels", *SPORTS)
    assert f"work team {FULL.name_prefix}-labelers not found in us-east-1" in err


def test_a_missing_stack_is_refused(harness, capsys):
    harness.cloudformation_stub.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {FULL.name_prefix}-labeling does not exist",
        expected_params={"StackName": f"{FULL.name_prefix}-labeling"},
    )
    err = refused(harness, capsys, *IMAGE_JOB, "--labels", *SPORTS)
    assert f"the labeling stack {FULL.name_prefix}-labeling is not deployed in us-east-1" in err


def test_a_job_name_in_use_is_refused(harness, capsys):
    harness.stack_deployed()
    harness.workteam_exists()
    harness.sagemaker_stub.add_response("describe_labeling_job", job_description("sports-1", "InProgress"))
    err = refused(harness, capsys, *IMAGE_JOB, "--labels", *SPORTS)
    assert "a labeling job named 'sports-1' already exists" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((*IMAGE_JOB, "--labels", "Soccer"), "at least two labels, given 1"),
        ((*IMAGE_JOB, "--labels", "Soccer", "soccer"), "repeated: soccer"),
        (
            (
                "start",
                "--task",
                "image",
                "--input",
                "unlabeled/sports/",
                "--label-attribute",
                "sport-metadata",
                "--labels",
                *SPORTS,
            ),
            "label attribute 'sport-metadata' is not valid",
        ),
        (
            ("start", "--task", "image", "--input", "unlabeled/sports/", "--name", "bad_name", "--labels", *SPORTS),
            "job name 'bad_name' is not valid",
        ),
        (("start", "--task", "text", "--input", "unlabeled/sports/", "--labels", "spam", "ham"), "give --csv"),
        (
            ("start", "--task", "text", "--csv", "a.csv", "--training-set", "t", "--labels", "spam", "ham"),
            "give --csv <s3://... or path> or --training-set",
        ),
        (
            ("start", "--task", "text", "--training-set", "t", "--column", "body", "--labels", "spam", "ham"),
            "training set 't': name its dataset (--dataset)",
        ),
        (
            (
                "start",
                "--task",
                "text",
                "--training-set",
                "nope",
                "--dataset",
                "spam_emails",
                "--column",
                "body",
                "--labels",
                "spam",
                "ham",
            ),
            "no training set 'nope'",
        ),
        (
            (
                "start",
                "--task",
                "text",
                "--csv",
                f"s3://{RAW}/spam_emails/emails.csv",
                "--column",
                "text",
                "--labels",
                "spam",
                "ham",
            ),
            "has no column 'text'; columns: id, from_domain, body, spam",
        ),
        (
            ("start", "--task", "text", "--csv", f"s3://{RAW}/nope.csv", "--column", "body", "--labels", "spam", "ham"),
            "cannot read s3://",
        ),
    ],
)
def test_bad_arguments_are_refused_with_what_was_given(harness, capsys, argv, message):
    assert message in refused(harness, capsys, *argv)


def test_labeling_switched_off_is_refused(harness, capsys):
    code = main(["--config", str(fixture_file("minimal")), "--region", REGION, "list"], clients=harness.clients)
    assert code == 2 and "labeling is not enabled in minimal" in capsys.readouterr().err


def job_description(name: str, status: str, output: str | None = None) -> dict:
    description = {
        "LabelingJobStatus": status,
        "LabelCounters": {
            "TotalLabeled": 2,
            "HumanLabeled": 2,
            "MachineLabeled": 0,
            "FailedNonRetryableError": 0,
            "Unlabeled": 0,
        },
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
        "JobReferenceCode": "ref",
        "LabelingJobName": name,
        "LabelingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:labeling-job/{name}",
        "LabelAttributeName": "sport",
        "InputConfig": {
            "DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{RAW}/labels/jobs/{name}/input.manifest"}}
        },
        "OutputConfig": {"S3OutputPath": f"s3://{RAW}/labels/jobs/"},
        "RoleArn": ROLE_ARN,
        "HumanTaskConfig": expected_request(name, "image", "ImageMultiClass", "sport", SPORTS)["HumanTaskConfig"],
    }
    if output is not None:
        description["LabelingJobOutput"] = {"OutputDatasetS3Uri": output}
    return description


def test_status_reports_state_counters_and_output(harness):
    output = f"s3://{RAW}/labels/jobs/sports-1/manifests/output/output.manifest"
    harness.sagemaker_stub.add_response(
        "describe_labeling_job", job_description("sports-1", "Completed", output), {"LabelingJobName": "sports-1"}
    )
    assert harness.run("status", "sports-1") == 0
    harness.verify()
    reported = json.loads(harness.lines[0])
    assert reported["status"] == "Completed" and reported["output_manifest"] == output
    assert reported["counters"]["TotalLabeled"] == 2


def test_list_asks_for_this_environments_jobs_newest_first(harness):
    summary = {
        key: job_description("sports-1", "InProgress")[key]
        for key in (
            "LabelingJobName",
            "LabelingJobArn",
            "CreationTime",
            "LastModifiedTime",
            "LabelingJobStatus",
            "LabelCounters",
        )
    }
    harness.sagemaker_stub.add_response(
        "list_labeling_jobs",
        {"LabelingJobSummaryList": [{**summary, "WorkteamArn": WORKTEAM_ARN}]},
        {
            "NameContains": f"{FULL.name_prefix}",
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "StatusEquals": "InProgress",
        },
    )
    assert harness.run("list", "--status", "InProgress") == 0
    harness.verify()
    assert (
        harness.lines[0].startswith("sports-1")
        and "InProgress" in harness.lines[0]
        and "2/2 labeled" in harness.lines[0]
    )


def test_collect_copies_the_output_manifest_into_the_labels_dataset(harness):
    output_key = "labels/jobs/sports-1/manifests/output/output.manifest"
    line = {
        "source-ref": f"s3://{RAW}/unlabeled/sports/001.jpg",
        "sport": 0,
        "sport-metadata": {"class-name": "Soccer"},
    }
    harness.s3.put_object(Bucket=RAW, Key=output_key, Body=json.dumps(line).encode())
    harness.sagemaker_stub.add_response(
        "describe_labeling_job",
        job_description("sports-1", "Completed", f"s3://{RAW}/{output_key}"),
        {"LabelingJobName": "sports-1"},
    )
    assert harness.run("collect", "sports-1", "--dataset", "sport_labels") == 0
    harness.verify()
    assert json.loads(harness.read("labels/sport/sports-1.jsonl")) == line


def test_collect_refuses_a_dataset_that_does_not_read_the_jobs_label(harness, capsys):
    harness.sagemaker_stub.add_response("describe_labeling_job", job_description("sports-1", "Completed", "s3://x/y"))
    err = refused(harness, capsys, "collect", "sports-1", "--dataset", "spam_emails")
    assert "labels attribute 'sport', but dataset spam_emails reads" in err


def test_collect_refuses_a_job_still_running(harness, capsys):
    harness.sagemaker_stub.add_response("describe_labeling_job", job_description("sports-1", "InProgress"))
    err = refused(harness, capsys, "collect", "sports-1", "--dataset", "sport_labels")
    assert "job sports-1 is InProgress, with no output manifest to collect yet" in err


def test_workforce_leaves_a_stack_managed_workforce_alone(harness):
    assert harness.run("workforce") == 0
    harness.verify()
    assert "the labeling stack manages the workforce" in harness.lines[0]


def test_workforce_applies_the_source_networks_to_an_existing_workforce(harness, tmp_path):
    config = yaml.safe_load(fixture_file("full").read_text())
    config["labeling"].update(create_workforce=False, source_ip_cidrs=["203.0.113.0/24"])
    path = tmp_path / "full.yaml"
    path.write_text(yaml.safe_dump(config))
    workforce = {"WorkforceName": "default", "WorkforceArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:workforce/default"}
    harness.sagemaker_stub.add_response("list_workforces", {"Workforces": [workforce]}, {})
    harness.sagemaker_stub.add_response(
        "update_workforce",
        {"Workforce": workforce},
        {"WorkforceName": "default", "SourceIpConfig": {"Cidrs": ["203.0.113.0/24"]}},
    )
    code = main(
        ["--config", str(path), "--region", REGION, "workforce"], clients=harness.clients, out=harness.lines.append
    )
    assert code == 0
    harness.verify()
    assert harness.lines == ["workforce default: workers may connect from 203.0.113.0/24"]
