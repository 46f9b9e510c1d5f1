"""Ground Truth labeling jobs from lake data: `python -m tools.labeling <command> --env <env> ...`.

    start      build the input manifest and label categories, write them under the labels prefix of the
               raw zone, and create the labeling job (`--dry-run` prints the request and writes nothing)
    status     one job: state, counters, output manifest
    list       the environment's jobs, newest first
    collect    copy a finished job's output manifest into a labels dataset, where the catalog crawls it
    workforce  apply labeling.source_ip_cidrs to an existing workforce the stack does not manage

A text job labels one column of a CSV file (`--csv`) or of a pinned training set
(`--training-set <name> --dataset <dataset>`, or the manifest's s3:// URI; see tools/training_set.py):
the training set's query runs in the platform's Athena workgroup as of the pinned snapshot, so the
job labels exactly the rows a model pinned to that training set learns from.

Everything `start` needs is checked before anything is written: the region has the built-in
functions, the labeling stack is deployed and its work team exists, the input has data objects,
the job name is free. A problem is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from config import ConfigError
from lake_constructs.ground_truth_functions import TASK_TYPES, UnsupportedRegion, function_arn
from tools import training_set
from tools.athena import Athena, pinned_sql
from tools.deployed import Clients, Platform, add_environment_arguments, environment_config, region_of
from tools.deployed import ToolError as LabelingError

__all__ = ["Clients", "LabelingError", "main"]

# File types Ground Truth's image tasks accept as data objects.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
LABEL_CATEGORY_VERSION = "2018-11-28"
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ATTRIBUTE_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$")
MAX_LABEL_LENGTH = 256
EXIT_USAGE = 2


class LabelingPlatform(Platform):
    """The environment with what labeling adds: the labels prefix, the labeling stack, its work team."""

    @property
    def labels_prefix(self) -> str:
        return self.config.labeling.labels_prefix

    def job_prefix(self, job: str) -> str:
        return f"{self.labels_prefix}jobs/{job}/"

    @property
    def stack_name(self) -> str:
        return f"{self.prefix}-labeling"

    @property
    def workteam_name(self) -> str:
        return f"{self.prefix}-labelers"

    def stack_outputs(self) -> dict[str, str]:
        try:
            stacks = self.clients.cloudformation.describe_stacks(StackName=self.stack_name)["Stacks"]
        except ClientError as error:
            raise LabelingError(
                f"the labeling stack {self.stack_name} is not deployed in {self.region} "
                f"({error.response['Error'].get('Message', error)}); deploy it with labeling.enabled: true"
            ) from None
        return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}

    def workteam_arn(self) -> str:
        try:
            return self.clients.sagemaker.describe_workteam(WorkteamName=self.workteam_name)["Workteam"]["WorkteamArn"]
        except ClientError as error:
            raise LabelingError(
                f"work team {self.workteam_name} not found in {self.region} "
                f"({error.response['Error'].get('Message', error)}); is the labeling stack deployed here?"
            ) from None


@dataclass
class StartPlan:
    """What `start` will write and send, fully built and checked before anything is written."""

    manifest_key: str
    manifest: str
    categories_key: str
    categories: str
    request: dict
    objects: int


# --- start ----------------------------------------------------------------------------------------


def plan_start(platform: LabelingPlatform, args: argparse.Namespace) -> StartPlan:
    task = TASK_TYPES[args.task]
    try:
        pre = function_arn("PRE", task.name, platform.region)
        acs = function_arn("ACS", task.name, platform.region)
    except UnsupportedRegion as error:
        raise LabelingError(str(error)) from None
    labels = _checked_labels(args.labels)
    attribute = _checked_attribute(args.label_attribute)
    job = args.name if args.name is not None else f"{platform.prefix}-{task.name}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    if not NAME_PATTERN.fullmatch(job):
        raise LabelingError(
            f"job name {job!r} is not valid: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    if args.workers_per_object < 1 or args.workers_per_object > 9:
        raise LabelingError(f"--workers-per-object is 1 to 9, given {args.workers_per_object}")

    lines = _image_manifest(platform, args) if task.name == "image" else _text_manifest(platform, args)

    outputs = platform.stack_outputs()
    template_output = f"{task.name.capitalize()}TemplateUri"
    missing = [key for key in ("LabelingRoleArn", template_output) if key not in outputs]
    if missing:
        raise LabelingError(
            f"the labeling stack {platform.stack_name} has no output {', '.join(missing)}; "
            "redeploy it from this version"
        )
    workteam_arn = platform.workteam_arn()
    _check_job_name_free(platform, job)

    job_prefix = platform.job_prefix(job)
    bucket = platform.raw_bucket
    manifest_key = f"{job_prefix}input.manifest"
    categories_key = f"{job_prefix}categories.json"
    request = {
        "LabelingJobName": job,
        "LabelAttributeName": attribute,
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": f"s3://{bucket}/{manifest_key}"}}},
        "OutputConfig": {
            # Ground Truth writes under <S3OutputPath><job>/, next to the job's input manifest.
            "S3OutputPath": f"s3://{bucket}/{platform.labels_prefix}jobs/",
            "KmsKeyId": f"alias/{platform.prefix}-lake",
        },
        "RoleArn": outputs["LabelingRoleArn"],
        "LabelCategoryConfigS3Uri": f"s3://{bucket}/{categories_key}",
        "HumanTaskConfig": {
            "WorkteamArn": workteam_arn,
            "UiConfig": {"UiTemplateS3Uri": outputs[template_output]},
            "PreHumanTaskLambdaArn": pre,
            "TaskTitle": args.title if args.title is not None else task.description,
            "TaskDescription": f"Choose one label: {', '.join(labels)}",
            "TaskKeywords": ["classification", task.name],
            "NumberOfHumanWorkersPerDataObject": args.workers_per_object,
            "TaskTimeLimitInSeconds": args.task_time_limit,
            "TaskAvailabilityLifetimeInSeconds": args.task_lifetime,
            "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": acs},
        },
        "Tags": [
            {"Key": "project", "Value": platform.config.project},
            {"Key": "environment", "Value": platform.config.environment},
        ],
    }
    categories = {"document-version": LABEL_CATEGORY_VERSION, "labels": [{"label": label} for label in labels]}
    return StartPlan(
        manifest_key=manifest_key,
        manifest="".join(json.dumps(line) + "\n" for line in lines),
        categories_key=categories_key,
        categories=json.dumps(categories, indent=2) + "\n",
        request=request,
        objects=len(lines),
    )


def start(platform: LabelingPlatform, args: argparse.Namespace, out: Callable[[str], None]) -> int:
    plan = plan_start(platform, args)
    if args.dry_run:
        out(json.dumps({"objects": plan.objects, "request": plan.request}, indent=2))
        out(f"dry run: nothing written; the manifest would have {plan.objects} line(s)")
        return 0
    s3 = platform.clients.s3
    s3.put_object(Bucket=platform.raw_bucket, Key=plan.manifest_key, Body=plan.manifest.encode())
    s3.put_object(Bucket=platform.raw_bucket, Key=plan.categories_key, Body=plan.categories.encode())
    response = platform.clients.sagemaker.create_labeling_job(**plan.request)
    out(f"started {plan.request['LabelingJobName']} on {plan.objects} object(s): {response['LabelingJobArn']}")
    return 0


def _checked_labels(labels: Sequence[str]) -> list[str]:
    labels = [label.strip() for label in labels]
    if len(labels) < 2:
        raise LabelingError(f"a classification job needs at least two labels, given {len(labels)}")
    bad = [label for label in labels if not label or len(label) > MAX_LABEL_LENGTH]
    if bad:
        raise LabelingError(f"labels are 1 to {MAX_LABEL_LENGTH} characters, given {bad!r}")
    lowered = [label.lower() for label in labels]
    repeated = sorted({label for label in lowered if lowered.count(label) > 1})
    if repeated:
        raise LabelingError(f"each label once (ignoring case); repeated: {', '.join(repeated)}")
    return labels


def _checked_attribute(attribute: str) -> str:
    if not ATTRIBUTE_PATTERN.fullmatch(attribute) or attribute.endswith(("-ref", "-metadata")):
        raise LabelingError(
            f"label attribute {attribute!r} is not valid: letters, digits and hyphens, "
            "not ending in '-ref' or '-metadata' (the output manifest uses those)"
        )
    return attribute


def _image_manifest(platform: LabelingPlatform, args: argparse.Namespace) -> list[dict]:
    if args.input is None or args.csv is not None or args.training_set is not None:
        raise LabelingError("an image job reads a raw-zone prefix: give --input <prefix>, not --csv or --training-set")
    prefix = args.input
    allowed = platform.config.labeling.input_prefixes
    if not prefix.endswith("/") or prefix.startswith("/"):
        raise LabelingError(f"--input is a raw-zone prefix like 'unlabeled/sports/', given {prefix!r}")
    if not any(prefix.startswith(p) for p in allowed):
        raise LabelingError(
            f"the labeling role reads data objects only under labeling.input_prefixes ({', '.join(allowed)}); "
            f"{prefix!r} is outside them"
        )
    bucket = platform.raw_bucket
    keys = []
    try:
        for page in platform.clients.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith(IMAGE_SUFFIXES)]
    except ClientError as error:
        raise LabelingError(f"cannot list s3://{bucket}/{prefix}: {error.response['Error'].get('Code')}") from None
    if not keys:
        raise LabelingError(f"no images ({', '.join(IMAGE_SUFFIXES)}) under s3://{bucket}/{prefix}: nothing to label")
    return [{"source-ref": f"s3://{bucket}/{key}"} for key in sorted(keys)]


def _text_manifest(platform: LabelingPlatform, args: argparse.Namespace) -> list[dict]:
    if args.input is not None or (args.csv is None) == (args.training_set is None):
        raise LabelingError(
            "a text job reads one column of a CSV file or of a pinned training set: give --csv <s3://... or path> "
            "or --training-set <name> --dataset <dataset> (or the manifest's s3:// URI), with --column <name>; "
            "not --input"
        )
    if args.column is None:
        raise LabelingError(
            f"{'--csv' if args.csv else '--training-set'} needs --column: the column that holds the texts"
        )
    if args.csv is not None:
        source, text = args.csv, _read_text(platform, args.csv)
    else:
        source, text = _pinned_rows(platform, args)
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or args.column not in rows.fieldnames:
        raise LabelingError(
            f"{source} has no column {args.column!r}; columns: {', '.join(rows.fieldnames or []) or 'none'}"
        )
    texts = [row[args.column] for row in rows if row.get(args.column) not in (None, "")]
    if not texts:
        raise LabelingError(f"column {args.column!r} of {source} has no non-empty values: nothing to label")
    return [{"source": text} for text in texts]


def _pinned_rows(platform: LabelingPlatform, args: argparse.Namespace) -> tuple[str, str]:
    """The pinned training set's rows as CSV: its query run by Athena as of its snapshot."""
    manifest = training_set.deployed_manifest(platform, args.training_set, args.dataset)
    athena = Athena(platform.clients.athena, platform.clients.s3, platform.workgroup)
    source = f"training set {manifest['name']} of {manifest['dataset']} (snapshot {manifest['snapshot_id']})"
    return source, athena.csv(pinned_sql(manifest))


def _read_text(platform: LabelingPlatform, location: str) -> str:
    if location.startswith("s3://"):
        bucket, _, key = location.removeprefix("s3://").partition("/")
        try:
            return platform.clients.s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        except ClientError as error:
            raise LabelingError(f"cannot read {location}: {error.response['Error'].get('Code')}") from None
    path = Path(location)
    if not path.is_file():
        raise LabelingError(f"no file {location}")
    return path.read_text(encoding="utf-8")


def _check_job_name_free(platform: LabelingPlatform, job: str) -> None:
    try:
        platform.clients.sagemaker.describe_labeling_job(LabelingJobName=job)
    except ClientError as error:
        if error.response["Error"].get("Code") in ("ResourceNotFound", "ValidationException"):
            return
        raise
    raise LabelingError(f"a labeling job named {job!r} already exists; choose another --name")


# --- status, list, collect, workforce ---------------------------------------------------------------


def status(platform: LabelingPlatform, args: argparse.Namespace, out: Callable[[str], None]) -> int:
    job = _describe(platform, args.name)
    summary = {
        "name": job["LabelingJobName"],
        "status": job["LabelingJobStatus"],
        "counters": job["LabelCounters"],
        "created": job["CreationTime"].isoformat(),
        "output_manifest": job.get("LabelingJobOutput", {}).get("OutputDatasetS3Uri"),
        "failure_reason": job.get("FailureReason"),
    }
    out(json.dumps(summary, indent=2))
    return 0


def list_jobs(platform: LabelingPlatform, args: argparse.Namespace, out: Callable[[str], None]) -> int:
    request = {"NameContains": platform.prefix, "SortBy": "CreationTime", "SortOrder": "Descending"}
    if args.status is not None:
        request["StatusEquals"] = args.status
    jobs = []
    for page in platform.clients.sagemaker.get_paginator("list_labeling_jobs").paginate(**request):
        jobs += page["LabelingJobSummaryList"]
    if not jobs:
        out(f"no labeling jobs named like {platform.prefix}* in {platform.region}")
        return 0
    for job in jobs:
        counters = job["LabelCounters"]
        labeled = counters.get("TotalLabeled", 0)
        total = labeled + counters.get("Unlabeled", 0)
        out(
            f"{job['LabelingJobName']:<63}  {job['LabelingJobStatus']:<11}  {labeled}/{total} labeled  "
            f"{job['CreationTime']:%Y-%m-%d %H:%M}"
        )
    return 0


def collect(platform: LabelingPlatform, args: argparse.Namespace, out: Callable[[str], None]) -> int:
    try:
        dataset = platform.config.catalog.dataset(args.dataset)
    except KeyError as error:
        raise LabelingError(str(error.args[0])) from None
    job = _describe(platform, args.name)
    attribute = job.get("LabelAttributeName")
    sources = {column.source_name.split(".")[0] for column in dataset.columns}
    if attribute not in sources:
        raise LabelingError(
            f"job {args.name} labels attribute {attribute!r}, but dataset {dataset.name} reads "
            f"{', '.join(sorted(sources))}: collect it into a dataset declared for that attribute"
        )
    output = job.get("LabelingJobOutput", {}).get("OutputDatasetS3Uri")
    if job["LabelingJobStatus"] not in ("Completed", "Stopped") or output is None:
        raise LabelingError(f"job {args.name} is {job['LabelingJobStatus']}, with no output manifest to collect yet")
    source_bucket, _, source_key = output.removeprefix("s3://").partition("/")
    target_key = f"{dataset.raw_location}{args.name}.jsonl"
    platform.clients.s3.copy_object(
        Bucket=platform.raw_bucket, Key=target_key, CopySource={"Bucket": source_bucket, "Key": source_key}
    )
    out(f"copied {output} to s3://{platform.raw_bucket}/{target_key}")
    return 0


def workforce(platform: LabelingPlatform, args: argparse.Namespace, out: Callable[[str], None]) -> int:
    labeling = platform.config.labeling
    if labeling.create_workforce:
        out("the labeling stack manages the workforce and its source networks; deploy the stack to change them")
        return 0
    found = platform.clients.sagemaker.list_workforces()["Workforces"]
    if not found:
        raise LabelingError(f"no private workforce in {platform.region} yet: deploy the labeling stack first")
    name = found[0]["WorkforceName"]
    cidrs = list(labeling.source_ip_cidrs)
    request = {"WorkforceName": name, "SourceIpConfig": {"Cidrs": cidrs}}
    if args.dry_run:
        out(json.dumps(request, indent=2))
        return 0
    platform.clients.sagemaker.update_workforce(**request)
    out(f"workforce {name}: workers may connect from {', '.join(cidrs) if cidrs else 'anywhere'}")
    return 0


def _describe(platform: LabelingPlatform, job: str) -> dict:
    try:
        return platform.clients.sagemaker.describe_labeling_job(LabelingJobName=job)
    except ClientError as error:
        if error.response["Error"].get("Code") in ("ResourceNotFound", "ValidationException"):
            raise LabelingError(f"no labeling job {job!r} in {platform.region}") from None
        raise


# --- command line -----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m tools.labeling", description=__doc__.split("\n\n")[0])
    add_environment_arguments(root)
    commands = root.add_subparsers(dest="command", required=True)

    begin = commands.add_parser("start", help="create a labeling job from lake data")
    begin.add_argument("--task", choices=sorted(TASK_TYPES), required=True)
    begin.add_argument("--labels", nargs="+", required=True, help="the label categories, e.g. Soccer Swimming")
    begin.add_argument("--input", help="image jobs: raw-zone prefix of the images, e.g. unlabeled/sports/")
    begin.add_argument("--csv", help="text jobs: s3:// URI or local path of a CSV file with a header")
    begin.add_argument(
        "--training-set",
        help="text jobs: a pinned training set (its name, with --dataset, or its manifest's s3:// URI), "
        "read through Athena as of its snapshot",
    )
    begin.add_argument("--dataset", help="text jobs: the dataset of --training-set <name>")
    begin.add_argument("--column", help="text jobs: the column that holds the texts")
    begin.add_argument("--name", help="job name; default '<prefix>-<task>-<UTC timestamp>'")
    begin.add_argument("--label-attribute", default="label", help="key of the label in the output manifest")
    begin.add_argument("--title", help="task title workers see")
    begin.add_argument("--workers-per-object", type=int, default=1, help="1 to 9 (default 1)")
    begin.add_argument("--task-time-limit", type=int, default=300, help="seconds a worker has per task")
    begin.add_argument(
        "--task-lifetime", type=int, default=3 * 24 * 3600, help="seconds a task stays available (default 3 days)"
    )
    begin.add_argument("--dry-run", action="store_true", help="print the request; write and create nothing")

    one = commands.add_parser("status", help="state and counters of one job")
    one.add_argument("name")

    every = commands.add_parser("list", help="this environment's jobs, newest first")
    every.add_argument("--status", choices=["Initializing", "InProgress", "Completed", "Failed", "Stopping", "Stopped"])

    gather = commands.add_parser("collect", help="copy a finished job's output manifest into a labels dataset")
    gather.add_argument("name")
    gather.add_argument("--dataset", required=True, help="a dataset of catalog.datasets, e.g. sport_labels")

    team = commands.add_parser(
        "workforce", help="apply labeling.source_ip_cidrs to a workforce the stack does not manage"
    )
    team.add_argument("--dry-run", action="store_true")
    return root


COMMANDS = {"start": start, "status": status, "list": list_jobs, "collect": collect, "workforce": workforce}


def main(
    argv: Sequence[str] | None = None,
    clients: Callable[[str], Clients] = Clients.for_region,
    out: Callable[[str], None] = print,
) -> int:
    args = parser().parse_args(argv)
    try:
        config = environment_config(args)
        if not config.labeling.enabled:
            raise LabelingError(f"labeling is not enabled in {config.environment}: set labeling.enabled: true")
        region = region_of(args, config)
        return COMMANDS[args.command](LabelingPlatform(config, region, clients(region)), args, out)
    except (ConfigError, LabelingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        print(f"error: AWS refused the request: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
