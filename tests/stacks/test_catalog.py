"""What a security reviewer or a user of the catalog layer relies on, asserted exactly."""

from __future__ import annotations

import json
import os

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from config.models.catalog import DatasetSpec
from lake_constructs.dataset_classifier import DatasetClassifier

from ..fixtures import fixture_config

FULL = fixture_config("full")
RETAINED = fixture_config("retained")

# Every declared dataset gets its classifier, crawler, job and workflow: read them from the config.
DATASETS = {name: [d.name for d in fixture_config(name).catalog.datasets] for name in ("full", "retained", "minimal")}
PARTITION = {"Ref": "AWS::Partition"}
ACCOUNT = {"Ref": "AWS::AccountId"}
REGION = {"Ref": "AWS::Region"}


# --- helpers -----------------------------------------------------------------------------------


def named(synth, type_: str, name: str) -> tuple[str, dict]:
    """(logical id, properties) of the resource of `type_` whose Name is `name`."""
    for logical_id, resource in synth.resources("catalog", type_).items():
        properties = resource["Properties"]
        if properties.get("Name") == name or properties.get("DatabaseInput", {}).get("Name") == name:
            return logical_id, properties
    raise AssertionError(f"no {type_} named {name} in {synth.name}")


def classifier(synth, name: str) -> dict:
    for resource in synth.resources("catalog", "AWS::Glue::Classifier").values():
        (kind,) = resource["Properties"].values()
        if kind["Name"] == name:
            return resource["Properties"]
    raise AssertionError(f"no classifier {name}")


def policy_of(synth, role_id: str) -> list[dict]:
    """Statements of the customer-managed policy attached to the role `role_id`."""
    (policy,) = [
        p["Properties"]
        for p in synth.resources("catalog", "AWS::IAM::ManagedPolicy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    return policy["PolicyDocument"]["Statement"]


def key_arn(synth) -> dict:
    """How the catalog stack refers to the platform key: the storage stack's published key ARN."""
    (key_id,) = synth.resources("storage", "AWS::KMS::Key")
    (output_name,) = [
        name
        for name, output in synth.stacks["storage"]["Outputs"].items()
        if output["Value"] == {"Fn::GetAtt": [key_id, "Arn"]}
    ]
    return {
        "Fn::GetStackOutput": {
            "StackName": f"{synth.config.name_prefix}-storage",
            "Region": REGION,
            "OutputName": output_name,
        }
    }


def bucket_arn(synth, zone: str, suffix: str = "") -> dict:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                PARTITION,
                f":s3:::{synth.config.name_prefix}-{zone}-",
                ACCOUNT,
                "-",
                REGION,
                *([suffix] if suffix else []),
            ],
        ]
    }


def s3_url(synth, zone: str, path: str) -> dict:
    return {"Fn::Join": ["", [f"s3://{synth.config.name_prefix}-{zone}-", ACCOUNT, "-", REGION, path]]}


def glue_arn(resource: str, *refs) -> dict:
    return {"Fn::Join": ["", ["arn:", PARTITION, ":glue:", REGION, ":", ACCOUNT, f":{resource}", *refs]]}


def database_id(synth, zone: str) -> str:
    return named(synth, "AWS::Glue::Database", f"{synth.config.database_name('')}{zone}")[0]


def flat(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.fixture(params=["full", "retained", "minimal"])
def synth(request, fixtures):
    return fixtures[request.param]


def datasets_of(env: str):
    return [(env, name) for name in DATASETS[env]]


ALL_DATASETS = datasets_of("full") + datasets_of("retained")


@pytest.fixture
def pair(request, fixtures):
    env, name = request.param
    return fixtures[env], fixtures[env].config.catalog.dataset(name)


def by_dataset(test):
    return pytest.mark.parametrize("pair", ALL_DATASETS, indirect=True, ids=[f"{e}-{n}" for e, n in ALL_DATASETS])(test)


# --- databases and security configuration ------------------------------------------------------


@pytest.mark.parametrize("zone", ["raw", "curated"])
def test_each_zone_has_a_database_located_in_its_bucket(synth, zone):
    _, properties = named(synth, "AWS::Glue::Database", f"{synth.config.database_name('')}{zone}")
    assert properties["DatabaseInput"]["LocationUri"] == {
        "Fn::Join": ["", [f"s3://{synth.config.name_prefix}-{zone}-", ACCOUNT, "-", REGION]]
    }


def test_the_catalog_names_the_buckets_the_storage_stack_creates(synth):
    names = [b["Properties"]["BucketName"] for b in synth.resources("storage", "AWS::S3::Bucket").values()]
    for zone in ("raw", "curated", "artifacts"):
        assert {"Fn::Join": ["", [f"{synth.config.name_prefix}-{zone}-", ACCOUNT, "-", REGION]]} in names


def test_databases_and_security_configuration_survive_outside_ephemeral_environments(synth):
    expected = "Delete" if synth.config.ephemeral else "Retain"
    for type_ in ("AWS::Glue::Database", "AWS::Glue::SecurityConfiguration", "AWS::Logs::LogGroup"):
        for logical_id, resource in synth.resources("catalog", type_).items():
            assert resource["DeletionPolicy"] == expected, (type_, logical_id)
            assert resource["UpdateReplacePolicy"] == expected, (type_, logical_id)


def test_the_security_configuration_encrypts_s3_logs_and_bookmarks_with_the_platform_key(synth):
    _, properties = named(synth, "AWS::Glue::SecurityConfiguration", f"{synth.config.name_prefix}-glue")
    key = key_arn(synth)
    assert properties["EncryptionConfiguration"] == {
        "S3Encryptions": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key},
    }


def test_every_crawler_and_job_runs_with_the_security_configuration(synth):
    security_configuration_id, _ = named(synth, "AWS::Glue::SecurityConfiguration", f"{synth.config.name_prefix}-glue")
    name = {"Ref": security_configuration_id}
    crawlers = synth.resources("catalog", "AWS::Glue::Crawler").values()
    jobs = synth.resources("catalog", "AWS::Glue::Job").values()
    assert len(crawlers) == len(jobs) == len(DATASETS[synth.name])
    assert all(c["Properties"]["CrawlerSecurityConfiguration"] == name for c in crawlers)
    assert all(j["Properties"]["SecurityConfiguration"] == name for j in jobs)


def test_every_log_group_is_encrypted_with_the_key_and_kept_the_configured_days(synth):
    retention = synth.config.catalog.etl.log_retention_days
    groups = synth.resources("catalog", "AWS::Logs::LogGroup").values()
    # Per dataset: the crawler's, and the job's output and error logs (Glue 5.1 writes no other).
    assert len(groups) == 3 * len(DATASETS[synth.name])
    for group in groups:
        assert group["Properties"]["KmsKeyId"] == key_arn(synth)
        assert group["Properties"]["RetentionInDays"] == retention


def test_minimal_has_the_databases_and_no_dataset_pipeline(minimal):
    assert len(minimal.resources("catalog", "AWS::Glue::Database")) == 2
    for type_ in ("AWS::Glue::Crawler", "AWS::Glue::Job", "AWS::Glue::Workflow", "AWS::Glue::Classifier"):
        assert minimal.resources("catalog", type_) == {}


# --- classifiers -------------------------------------------------------------------------------


def test_classifiers_follow_each_datasets_format_and_are_prefixed(full):
    assert classifier(full, f"{FULL.name_prefix}-characters") == {
        "JsonClassifier": {"Name": f"{FULL.name_prefix}-characters", "JsonPath": "$.Characters[*]"}
    }
    assert classifier(full, f"{FULL.name_prefix}-access_logs") == {
        "GrokClassifier": {
            "Name": f"{FULL.name_prefix}-access_logs",
            "Classification": "combined_apache",
            "GrokPattern": "%{COMBINEDAPACHELOG}",
        }
    }
    csv = {
        "ContainsHeader": "PRESENT",
        "QuoteSymbol": '"',
        "DisableValueTrimming": False,
        "AllowSingleColumn": False,
    }
    assert classifier(full, f"{FULL.name_prefix}-spam_emails") == {
        "CsvClassifier": {"Name": f"{FULL.name_prefix}-spam_emails", "Delimiter": ",", **csv}
    }
    assert classifier(full, f"{FULL.name_prefix}-dog_breeds") == {
        "CsvClassifier": {"Name": f"{FULL.name_prefix}-dog_breeds", "Delimiter": "|", **csv}
    }


COLUMNS = [{"name": "a", "source": "A"}, {"name": "b"}]


@pytest.fixture(scope="module")
def classifier_template():
    """Formats and options the shipped environments do not use, built once in-process."""
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    stack = Stack(App(), "Classifiers")
    specs = {
        "tabbed": {"format": "csv", "options": {"delimiter": "\t", "header": False}},
        "semicolons": {"format": "csv", "options": {"delimiter": ";", "quote": "'"}},
        "ctrl_a": {"format": "csv", "options": {"delimiter": "\u0001", "header": False}},
        "pipes": {"format": "csv", "options": {"delimiter": "|"}},
        "orders": {"format": "xml", "options": {"row_tag": "order"}},
        "events": {"format": "json"},
    }
    for name, spec in specs.items():
        DatasetClassifier(stack, name, name=f"p-{name}", dataset=DatasetSpec(name=name, columns=COLUMNS, **spec))
    return Template.from_stack(stack)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tabbed", {"Delimiter": "\t", "ContainsHeader": "ABSENT", "Header": ["A", "b"], "QuoteSymbol": '"'}),
        ("semicolons", {"Delimiter": ";", "ContainsHeader": "PRESENT", "QuoteSymbol": "'"}),
        ("ctrl_a", {"Delimiter": "\u0001", "ContainsHeader": "ABSENT", "Header": ["A", "b"]}),
        ("pipes", {"Delimiter": "|", "ContainsHeader": "PRESENT"}),
    ],
)
def test_csv_classifiers_take_every_delimiter_and_the_header_handling(classifier_template, name, expected):
    (resource,) = classifier_template.find_resources(
        "AWS::Glue::Classifier", {"Properties": {"CsvClassifier": {"Name": f"p-{name}"}}}
    ).values()
    csv = resource["Properties"]["CsvClassifier"]
    assert {k: csv.get(k) for k in expected} == expected
    if expected["ContainsHeader"] == "PRESENT":
        assert "Header" not in csv


def test_xml_classifier_uses_the_row_tag_and_json_defaults_to_the_whole_document(classifier_template):
    classifier_template.has_resource_properties(
        "AWS::Glue::Classifier", {"XMLClassifier": {"Name": "p-orders", "Classification": "xml", "RowTag": "order"}}
    )
    classifier_template.has_resource_properties(
        "AWS::Glue::Classifier", {"JsonClassifier": {"Name": "p-events", "JsonPath": "$"}}
    )


# --- crawlers ----------------------------------------------------------------------------------


@by_dataset
def test_the_raw_crawler_targets_the_raw_prefix_with_its_classifier(pair):
    synth, dataset = pair
    _, crawler = named(synth, "AWS::Glue::Crawler", f"{synth.config.name_prefix}-{dataset.name}-raw")
    assert crawler["Targets"] == {
        "S3Targets": [
            {
                "Path": s3_url(synth, "raw", f"/{dataset.raw_location}"),
                "Exclusions": ["**/_SUCCESS", "**/_temporary/**", "**.crc", "**/.*"],
            }
        ]
    }
    assert crawler["Classifiers"] == [f"{synth.config.name_prefix}-{dataset.name}"]
    assert crawler["DatabaseName"] == {"Ref": database_id(synth, "raw")}
    assert crawler["SchemaChangePolicy"] == {"UpdateBehavior": "UPDATE_IN_DATABASE", "DeleteBehavior": "LOG"}
    assert crawler["RecrawlPolicy"] == {"RecrawlBehavior": "CRAWL_EVERYTHING"}
    assert json.loads(crawler["Configuration"]) == {
        "Version": 1.0,
        "CrawlerOutput": {
            "Partitions": {"AddOrUpdateBehavior": "InheritFromTable"},
            "Tables": {"AddOrUpdateBehavior": "MergeNewColumns"},
        },
        # The table sits at the folder of the raw prefix: its depth, counting the bucket as level 1.
        "Grouping": {
            "TableGroupingPolicy": "CombineCompatibleSchemas",
            "TableLevelConfiguration": dataset.raw_location.count("/") + 1,
        },
    }
    # The workflow starts the crawl; a schedule of the crawler's own would bypass the ETL job.
    assert "Schedule" not in crawler


@by_dataset
def test_the_crawler_is_created_after_the_classifier_it_names_and_its_permissions(pair):
    synth, dataset = pair
    crawler_id, crawler = named(synth, "AWS::Glue::Crawler", f"{synth.config.name_prefix}-{dataset.name}-raw")
    classifiers = synth.resources("catalog", "AWS::Glue::Classifier")
    (classifier_id,) = [
        k for k, v in classifiers.items() if next(iter(v["Properties"].values()))["Name"] == crawler["Classifiers"][0]
    ]
    (policy_id,) = [
        k
        for k, v in synth.resources("catalog", "AWS::IAM::ManagedPolicy").items()
        if v["Properties"]["Roles"] == [{"Ref": crawler["Role"]["Fn::GetAtt"][0]}]
    ]
    depends_on = synth.stacks["catalog"]["Resources"][crawler_id]["DependsOn"]
    assert classifier_id in depends_on and policy_id in depends_on


@by_dataset
def test_the_crawler_role_reads_only_its_prefix_and_writes_only_its_raw_table(pair):
    synth, dataset = pair
    _, crawler = named(synth, "AWS::Glue::Crawler", f"{synth.config.name_prefix}-{dataset.name}-raw")
    role_id = crawler["Role"]["Fn::GetAtt"][0]
    role = synth.resources("catalog", "AWS::IAM::Role")[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}}
    ]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    raw_db = {"Ref": database_id(synth, "raw")}
    log_group_id = next(
        k
        for k, v in synth.resources("catalog", "AWS::Logs::LogGroup").items()
        if v["Properties"]["LogGroupName"]
        == {"Fn::Join": ["", ["/aws-glue/crawlers-role/", {"Ref": role_id}, f"-{synth.config.name_prefix}-glue"]]}
    )
    assert policy_of(synth, role_id) == [
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": [dataset.raw_location, f"{dataset.raw_location}*"]}},
            "Effect": "Allow",
            "Resource": bucket_arn(synth, "raw"),
        },
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": bucket_arn(synth, "raw", f"/{dataset.raw_location}*"),
        },
        {
            # Writing table definitions into a catalog encrypted with the key encrypts them with it.
            "Action": (
                ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
                if synth.config.governance.catalog_encryption.managed
                else "kms:Decrypt"
            ),
            "Effect": "Allow",
            "Resource": key_arn(synth),
        },
        {
            "Action": sorted(
                [
                    # The one catalog-read list (lake_constructs/grants.py): read only.
                    "glue:GetDatabase",
                    "glue:GetDatabases",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:GetTableVersions",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:BatchGetPartition",
                    "glue:GetUserDefinedFunctions",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:UpdatePartition",
                    "glue:BatchUpdatePartition",
                    "glue:CreatePartitionIndex",
                    "glue:GetPartitionIndexes",
                ]
            ),
            "Effect": "Allow",
            "Resource": [
                glue_arn("catalog"),
                glue_arn("database/", raw_db),
                glue_arn("table/", raw_db, f"/{dataset.raw_table}"),
            ],
        },
        {
            "Action": ["logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        },
    ]


# --- ETL jobs ----------------------------------------------------------------------------------


@by_dataset
def test_the_job_runs_glue_5_1_sized_from_config(pair):
    synth, dataset = pair
    settings = synth.config.catalog.job_settings(dataset.name)
    _, job = named(synth, "AWS::Glue::Job", f"{synth.config.name_prefix}-{dataset.name}-etl")
    assert job["GlueVersion"] == "5.1"
    assert job["Command"]["Name"] == "glueetl" and job["Command"]["PythonVersion"] == "3"
    assert job["Command"]["ScriptLocation"]["Fn::Join"][1][-1].endswith(".py")
    assert job["WorkerType"] == settings.worker_type
    assert job["NumberOfWorkers"] == settings.number_of_workers
    assert job["Timeout"] == settings.timeout_minutes
    assert job["MaxRetries"] == settings.max_retries
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}


def test_prod_sizes_jobs_for_production_and_overrides_per_dataset(retained):
    assert named(retained, "AWS::Glue::Job", f"{RETAINED.name_prefix}-adult_census-etl")[1]["NumberOfWorkers"] == 5
    access_logs = named(retained, "AWS::Glue::Job", f"{RETAINED.name_prefix}-access_logs-etl")[1]
    assert (access_logs["WorkerType"], access_logs["NumberOfWorkers"], access_logs["Timeout"]) == ("G.2X", 10, 180)


@by_dataset
def test_the_job_gets_the_contract_arguments(pair):
    synth, dataset = pair
    _, job = named(synth, "AWS::Glue::Job", f"{synth.config.name_prefix}-{dataset.name}-etl")
    arguments = job["DefaultArguments"]
    assert json.loads(arguments["--dataset_spec"]) == json.loads(dataset.model_dump_json())
    assert DatasetSpec.model_validate_json(arguments["--dataset_spec"]) == dataset
    assert arguments["--raw_path"] == s3_url(synth, "raw", f"/{dataset.raw_location}")
    assert arguments["--curated_path"] == s3_url(synth, "curated", f"/{dataset.name}/")
    assert arguments["--quarantine_path"] == s3_url(synth, "curated", f"/_quarantine/{dataset.name}/")
    assert arguments["--report_path"] == s3_url(synth, "artifacts", f"/reports/{dataset.name}/")
    assert arguments["--curated_database"] == {"Ref": database_id(synth, "curated")}
    assert arguments["--environment"] == synth.config.environment
    assert arguments["--metrics_namespace"] == "MLDataLake/ETL"
    assert arguments["--job-bookmark-option"] == "job-bookmark-disable"
    assert arguments["--job-language"] == "python"
    assert arguments["--extra-py-files"]["Fn::Join"][1][-1].endswith(".zip")
    assert_glue_5_logging(synth, "catalog", arguments, f"{synth.config.name_prefix}-{dataset.name}-etl")
    # Optional per run: the job picks its defaults (Glue's run id, today).
    assert "--run_id" not in arguments and "--ingest_date" not in arguments


def assert_glue_5_logging(synth, layer: str, arguments: dict, job_name: str) -> None:
    """Glue 5.x ignores the continuous-logging flags of Glue 4.0; it writes `<prefix>/error` and
    `<prefix>/output`, named by --custom-logGroup-prefix: both exist, encrypted, with a retention."""
    assert not [a for a in arguments if a.startswith(("--enable-continuous", "--continuous-log"))], arguments
    prefix = arguments["--custom-logGroup-prefix"]
    assert prefix == f"/aws-glue/jobs/{job_name}"
    groups = {
        json.dumps(g["Properties"]["LogGroupName"]): g["Properties"]
        for g in synth.resources(layer, "AWS::Logs::LogGroup").values()
    }
    for stream in ("error", "output"):
        group = groups[json.dumps(f"{prefix}/{stream}")]
        assert "KmsKeyId" in group and group["RetentionInDays"] > 0


def test_the_library_zip_holds_the_lake_etl_package_at_its_root(full):
    manifest = next(full.outdir.glob("*catalog*.assets.json"))
    files = json.loads(manifest.read_text())["files"]
    (library,) = [f for f in files.values() if f.get("displayName", "").endswith("JobCode/Library")]
    assert library["source"]["packaging"] == "zip"
    staged = full.outdir / library["source"]["path"]
    assert sorted(p.name for p in staged.iterdir()) == ["lake_etl"]
    assert (staged / "lake_etl" / "__init__.py").is_file()
    assert not list(staged.rglob("__pycache__")) and not list(staged.rglob("*.pyc"))
    (destination,) = library["destinations"].values()
    _, job = named(full, "AWS::Glue::Job", f"{FULL.name_prefix}-characters-etl")
    assert job["DefaultArguments"]["--extra-py-files"]["Fn::Join"][1][-1] == f"/{destination['objectKey']}"


@by_dataset
def test_the_job_role_is_scoped_to_its_dataset(pair):
    synth, dataset = pair
    _, job = named(synth, "AWS::Glue::Job", f"{synth.config.name_prefix}-{dataset.name}-etl")
    role_id = job["Role"]["Fn::GetAtt"][0]
    role = synth.resources("catalog", "AWS::IAM::Role")[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    statements = policy_of(synth, role_id)
    by_actions = {tuple(flat(s["Action"])): s for s in statements}
    name, raw = dataset.name, dataset.raw_location
    # Scheduled maintenance reads the dataset's pinned training sets (it tags their snapshots).
    maintained = synth.config.catalog.etl.maintenance.schedule is not None

    listing = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert [s["Condition"]["StringLike"]["s3:prefix"] for s in listing] == [
        [raw, f"{raw}*"],
        [
            f"{name}/",
            f"{name}/*",
            f"_quarantine/{name}/",
            f"_quarantine/{name}/*",
            f"_consumed/{name}/",
            f"_consumed/{name}/*",
        ],
        [f"reports/{name}/", f"reports/{name}/*"],
        *([[f"training_sets/{name}/", f"training_sets/{name}/*"]] if maintained else []),
    ]
    assert [s["Resource"] for s in listing] == [
        bucket_arn(synth, z) for z in ("raw", "curated", "artifacts", *(["artifacts"] if maintained else []))
    ]

    reads = [s for s in statements if s["Action"] == "s3:GetObject"]
    read_resources = [r for s in reads for r in flat(s["Resource"])]
    assert bucket_arn(synth, "raw", f"/{raw}*") in read_resources
    # S3A HEADs each prefix's bare key and its ancestors: a HEAD without s3:GetObject is a 403.
    raw_keys = ["/".join(raw.strip("/").split("/")[:n]) for n in range(raw.count("/"), 0, -1)]
    probes = [
        *(bucket_arn(synth, "raw", f"/{key}") for key in raw_keys),
        bucket_arn(synth, "curated", f"/{name}"),
        bucket_arn(synth, "curated", f"/_quarantine/{name}"),
        bucket_arn(synth, "curated", "/_quarantine"),
        bucket_arn(synth, "artifacts", f"/reports/{name}"),
        bucket_arn(synth, "artifacts", "/reports"),
    ]
    for probe in probes:
        assert probe in read_resources, probe
    pinned = bucket_arn(synth, "artifacts", f"/training_sets/{name}/*")
    assert (pinned in read_resources) == maintained
    # Besides those: the raw prefix, the training sets, the entry script and the library zip.
    assert len(read_resources) == 3 + maintained + len(probes)

    (writes,) = [s for s in statements if "s3:PutObject" in flat(s["Action"])]
    assert writes["Action"] == ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert sorted(map(json.dumps, writes["Resource"])) == sorted(
        map(
            json.dumps,
            [
                bucket_arn(synth, "curated", f"/{name}/*"),
                bucket_arn(synth, "curated", f"/_quarantine/{name}/*"),
                bucket_arn(synth, "curated", f"/_consumed/{name}/*"),
                bucket_arn(synth, "artifacts", f"/reports/{name}/*"),
            ],
        )
    )

    assert by_actions[("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")]["Resource"] == key_arn(synth)

    curated_db = {"Ref": database_id(synth, "curated")}
    (catalog,) = [s for s in statements if "glue:CreateTable" in flat(s["Action"])]
    assert catalog["Resource"] == [
        glue_arn("catalog"),
        glue_arn("database/", curated_db),
        glue_arn("table/", curated_db, f"/{name}"),
    ]
    # What an Iceberg commit through the Glue catalog calls: read, create on the first run, UpdateTable.
    assert sorted(catalog["Action"]) == ["glue:CreateTable", "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"]

    # Its row counts, and Glue's job and observability metrics (namespace Glue), which it publishes too.
    assert by_actions[("cloudwatch:PutMetricData",)] == {
        "Action": "cloudwatch:PutMetricData",
        "Condition": {"StringEquals": {"cloudwatch:namespace": ["MLDataLake/ETL", "Glue"]}},
        "Effect": "Allow",
        "Resource": "*",
    }

    # Only the two groups Glue 5.1 writes for this job.
    (logs,) = [s for s in statements if "logs:PutLogEvents" in flat(s["Action"])]
    assert flat(logs["Action"]) == [
        "logs:AssociateKmsKey",
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    groups = synth.resources("catalog", "AWS::Logs::LogGroup")
    names = {groups[r["Fn::GetAtt"][0]]["Properties"]["LogGroupName"] for r in flat(logs["Resource"])}
    assert names == {f"/aws-glue/jobs/{synth.config.name_prefix}-{name}-etl/{stream}" for stream in ("error", "output")}
    if synth.config.governance.governed:
        # The job tags the table it creates; Lake Formation's tag calls take no resource ARN.
        assert by_actions[("lakeformation:AddLFTagsToResource", "lakeformation:GetResourceLFTags")]["Resource"] == "*"
    # Maintenance adds its listing of the training sets; its read joins the other object reads.
    assert len(statements) == 9 + synth.config.governance.governed + maintained


def test_no_catalog_policy_allows_a_write_action_on_any_resource(synth):
    read_only = {"s3:GetObject", "s3:ListBucket", "kms:Decrypt", "cloudwatch:PutMetricData"}
    for policy in synth.resources("catalog", "AWS::IAM::ManagedPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = set(flat(statement["Action"]))
            assert not any("*" in action for action in actions), statement
            if "*" in flat(statement["Resource"]):
                # Only calls without resource-level permissions: metrics, in the ETL and Glue namespaces,
                # and Lake Formation's tag calls, which its ASSOCIATE grants limit to the job's tag values.
                if actions == {"lakeformation:AddLFTagsToResource", "lakeformation:GetResourceLFTags"}:
                    continue
                assert actions == {"cloudwatch:PutMetricData"}, statement
                namespaces = statement["Condition"]["StringEquals"]["cloudwatch:namespace"]
                assert set(flat(namespaces)) <= {"MLDataLake/ETL", "Glue"}, statement
            if actions - read_only:
                for resource in flat(statement["Resource"]):
                    # A wildcard only as the end of an object prefix in a named bucket ('.../<prefix>/*').
                    text = resource if isinstance(resource, str) else resource.get("Fn::Join", [None, [""]])[1][-1]
                    assert "*" not in json.dumps(resource) or (text.endswith("/*") and len(text) > 2), statement


# --- workflows ---------------------------------------------------------------------------------


@by_dataset
def test_the_workflow_curates_and_crawls_side_by_side_when_files_land(pair):
    synth, dataset = pair
    prefix = f"{synth.config.name_prefix}-{dataset.name}"
    workflow_id, workflow = named(synth, "AWS::Glue::Workflow", prefix)
    assert workflow["MaxConcurrentRuns"] == 1
    crawler_id, _ = named(synth, "AWS::Glue::Crawler", f"{prefix}-raw")
    job_id, _ = named(synth, "AWS::Glue::Job", f"{prefix}-etl")

    _, start = named(synth, "AWS::Glue::Trigger", f"{prefix}-start")
    assert start["WorkflowName"] == {"Ref": workflow_id}
    # The crawl is off the critical path: the job does not wait for it.
    assert start["Actions"] == [{"JobName": {"Ref": job_id}}, {"CrawlerName": {"Ref": crawler_id}}]
    triggers = [
        t
        for t in synth.resources("catalog", "AWS::Glue::Trigger").values()
        if t["Properties"].get("WorkflowName") == {"Ref": workflow_id}
    ]
    assert len(triggers) == 1
    rules = {r["Properties"]["Name"]: r["Properties"] for r in synth.resources("catalog", "AWS::Events::Rule").values()}
    if dataset.on_arrival is None:
        assert f"{prefix}-arrival" not in rules
        if dataset.schedule is None:
            assert start["Type"] == "ON_DEMAND" and "Schedule" not in start
        else:
            assert (start["Type"], start["Schedule"], start["StartOnCreation"]) == ("SCHEDULED", dataset.schedule, True)
        return
    assert start["Type"] == "EVENT"
    assert start["EventBatchingCondition"] == {
        "BatchSize": dataset.on_arrival.batch_size,
        "BatchWindow": dataset.on_arrival.batch_window_seconds,
    }
    arrival = rules[f"{prefix}-arrival"]
    pattern = arrival["EventPattern"]
    assert (pattern["source"], pattern["detail-type"]) == (["aws.s3"], ["Object Created"])
    assert pattern["detail"]["object"] == {"key": [{"prefix": dataset.raw_location}]}
    assert "-raw-" in json.dumps(pattern["detail"]["bucket"]["name"])
    (target,) = arrival["Targets"]
    assert target["Arn"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":glue:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":workflow/{prefix}",
            ],
        ]
    }
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    (notify,) = policy_of(synth, role_id)
    assert notify["Action"] == "glue:notifyEvent" and notify["Resource"] == target["Arn"]
    if dataset.schedule is None:
        assert f"{prefix}-schedule" not in rules
    else:
        assert rules[f"{prefix}-schedule"]["ScheduleExpression"] == dataset.schedule
        assert rules[f"{prefix}-schedule"]["Targets"] == [target]


@by_dataset
def test_each_table_gets_scheduled_maintenance_from_config(pair):
    synth, dataset = pair
    maintenance = synth.config.catalog.etl.maintenance
    job_id, _ = named(synth, "AWS::Glue::Job", f"{synth.config.name_prefix}-{dataset.name}-etl")
    _, trigger = named(synth, "AWS::Glue::Trigger", f"{synth.config.name_prefix}-{dataset.name}-etl-maintenance")
    assert (trigger["Type"], trigger["Schedule"], trigger["StartOnCreation"]) == (
        "SCHEDULED",
        maintenance.schedule,
        True,
    )
    (action,) = trigger["Actions"]
    assert action["Arguments"]["--mode"] == "maintain"
    # It tags the snapshots of the training sets pinned here before it expires any (the job role may
    # read that prefix: test_the_job_role_is_scoped_to_its_dataset).
    assert action["Arguments"]["--training_sets_path"] == s3_url(synth, "artifacts", f"/training_sets/{dataset.name}/")
    settings = json.loads(action["Arguments"]["--maintenance"])
    assert settings == {
        "snapshot_retention_days": maintenance.snapshot_retention_days,
        "snapshots_to_retain": maintenance.snapshots_to_retain,
        "orphan_file_retention_days": maintenance.orphan_file_retention_days,
        "compaction": maintenance.compaction,
    }
    assert "WorkflowName" not in trigger and action["JobName"] in (
        {"Ref": job_id},
        f"{synth.config.name_prefix}-{dataset.name}-etl",
    )


def test_the_raw_bucket_sends_its_events_to_eventbridge(synth):
    buckets = synth.resources("storage", "AWS::S3::Bucket")
    enabled = [
        b["Properties"]["BucketName"]
        for b in buckets.values()
        if b["Properties"].get("NotificationConfiguration")
        == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    ]
    assert len(enabled) == 1 and "-raw-" in json.dumps(enabled[0])


@by_dataset
def test_the_job_writes_iceberg_through_the_glue_catalog(pair):
    synth, dataset = pair
    _, job = named(synth, "AWS::Glue::Job", f"{synth.config.name_prefix}-{dataset.name}-etl")
    arguments = job["DefaultArguments"]
    assert arguments["--datalake-formats"] == "iceberg"
    conf = arguments["--conf"]
    parts = json.dumps(conf)
    for setting in (
        "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.glue_catalog=org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.glue_catalog.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
        "spark.sql.catalog.glue_catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
        "spark.sql.catalog.glue_catalog.warehouse=s3://",
    ):
        assert setting in parts
    assert arguments["--job-bookmark-option"] == "job-bookmark-disable"


# --- acknowledgments ---------------------------------------------------------------------------


def test_catalog_acknowledges_only_prefix_wildcards_and_metrics_on_each_role_policy(synth):
    for path, rule, _ in synth.acknowledgments:
        if "/catalog/" not in path:
            continue
        assert path.endswith("/Role/Policy"), path
        assert rule == "AwsSolutions-IAM5[Resource::*]" or (
            rule.startswith("AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::") and rule.endswith("/*]")
        ), rule
