"""The offline permission check: what each principal of the platform does to the lake, against what
its IAM policies and its Lake Formation grants in the synthesized templates allow.

Every principal's operations are listed here from what its code calls: the ETL job's Glue calls are
read from the job's own library (`glue.<operation>(` in glue_jobs/lake_etl), a crawler's from the Glue
crawler's documented catalog calls, the query engines' (Athena, Redshift Spectrum, EMR's Hive
metastore client) from the reads a query makes. An operation on the catalog needs an IAM statement
and, wherever Lake Formation is in play (hybrid, lake_formation), a grant whose LF-tag expression
matches the resource's tags, or the implicit permissions of the table's creator. A read of a table's
data through a query engine needs SELECT and either the S3 read in IAM or `lakeformation:GetDataAccess`.

Templates are read as CloudFormation: tokens are resolved to ARNs with placeholders for the
partition, region and account, so a statement's resources can be matched with wildcards.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from config import PlatformConfig

ROOT = Path(__file__).resolve().parent.parent.parent
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "REGION",
    "AWS::AccountId": "ACCOUNT",
    "AWS::URLSuffix": "amazonaws.com",
}

# LF permission each catalog call needs (lake_constructs/lake_formation.py holds the map the grants use).
from lake_constructs.lake_formation import DATABASE_PERMISSION, TABLE_PERMISSION  # noqa: E402

# A Glue crawler's catalog calls on the table it writes (Glue developer guide, crawler IAM role:
# read the database, create and update the table and its partitions, its partition index).
CRAWLER_TABLE_CALLS = (
    "glue:GetTable",
    "glue:UpdateTable",
    "glue:GetPartitions",
    "glue:BatchCreatePartition",
    "glue:BatchUpdatePartition",
    "glue:CreatePartitionIndex",
    "glue:GetPartitionIndexes",
)
# What a query engine calls to plan a query of a table (Athena, Spectrum, Hive and Spark on EMR).
QUERY_CALLS = ("glue:GetTable", "glue:GetPartitions", "glue:BatchGetPartition")


def job_catalog_calls() -> set[str]:
    """The Glue operations the ETL job library calls (`glue.<snake_case>(`), as IAM actions."""
    calls = set()
    for source in (ROOT / "glue_jobs" / "lake_etl").glob("*.py"):
        for name in re.findall(r"\bglue\.([a-z_]+)\(", source.read_text(encoding="utf-8")):
            if name == "get_paginator":
                continue
            calls.add("glue:" + "".join(part.capitalize() for part in name.split("_")))
    for source in (ROOT / "glue_jobs" / "lake_etl").glob("*.py"):
        for name in re.findall(r'get_paginator\("([a-z_]+)"\)', source.read_text(encoding="utf-8")):
            calls.add("glue:" + "".join(part.capitalize() for part in name.split("_")))
    return calls


@dataclass(frozen=True)
class Operation:
    """One thing a principal does: a catalog call on a database or table, a read of a table's data
    through a query engine ('read'), tagging a table ('tag'), or a direct S3 call on an object key."""

    action: str
    database: str | None = None
    table: str | None = None
    s3_object: str | None = None  # arn:aws:s3:::<bucket>/<key> for direct S3 calls and engine reads
    tags: tuple[tuple[str, str], ...] = ()  # for 'tag'

    def __str__(self) -> str:
        target = ".".join(p for p in (self.database, self.table) if p) or self.s3_object or ""
        return f"{self.action} on {target}"


@dataclass
class Principal:
    name: str
    stack: str  # layer whose template holds the role (or the policy)
    role_id: str | None  # logical id of the role; None for a managed policy given to users
    arn: str | None = None  # literal ARN (consumers from the config)
    policy_id: str | None = None  # logical id of a managed policy (Athena's query policy)
    operations: list[Operation] = field(default_factory=list)
    creates: set[tuple[str, str]] = field(default_factory=set)  # (database, table) it creates
    lake_formation: bool = True  # False for a policy: Lake Formation grants go to principals


class Templates:
    """The templates of one synthesized environment, with their tokens resolved."""

    def __init__(self, stacks: dict[str, dict]) -> None:
        self.stacks = stacks

    def resources(self, layer: str, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.stacks.get(layer, {}).get("Resources", {}).items() if v["Type"] == type_}

    def all_resources(self, type_: str) -> list[tuple[str, str, dict]]:
        return [
            (layer, key, value)
            for layer, template in self.stacks.items()
            for key, value in template.get("Resources", {}).items()
            if value["Type"] == type_
        ]

    def resolve(self, layer: str, value) -> str:
        resources = self.stacks[layer].get("Resources", {})
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            if "Ref" in value:
                ref = value["Ref"]
                if ref in PSEUDO:
                    return PSEUDO[ref]
                resource = resources.get(ref, {})
                if resource.get("Type") == "AWS::Glue::Database":
                    return self.resolve(layer, resource["Properties"]["DatabaseInput"]["Name"])
                return f"<{ref}>"
            if "Fn::Join" in value:
                separator, parts = value["Fn::Join"]
                return separator.join(self.resolve(layer, part) for part in parts)
            if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
                return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO.get(m[1], f"<{m[1]}>"), value["Fn::Sub"])
            if "Fn::GetAtt" in value:
                return f"<{'.'.join(value['Fn::GetAtt'])}>"
            if "Fn::ImportValue" in value:
                return "<import>"
        return json.dumps(value, sort_keys=True)

    def statements(self, layer: str, role_id: str | None, policy_id: str | None) -> list[dict]:
        """Allow statements of a role's managed and inline policies (or of one managed policy)."""
        found = []
        for type_ in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            for key, policy in self.resources(layer, type_).items():
                roles = policy["Properties"].get("Roles", [])
                if key == policy_id or (role_id is not None and {"Ref": role_id} in roles):
                    found += [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        return found

    def allows(self, layer: str, principal: Principal, action: str, resource: str) -> bool:
        for statement in self.statements(layer, principal.role_id, principal.policy_id):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):
                continue
            if any(fnmatch.fnmatchcase(resource, self.resolve(layer, r)) for r in resources):
                return True
        return False

    def grants(self, principal: Principal) -> list[dict]:
        """Lake Formation grants (PrincipalPermissions properties, resolved) to the principal."""
        found = []
        for layer, _, resource in self.all_resources("AWS::LakeFormation::PrincipalPermissions"):
            who = resource["Properties"]["Principal"]["DataLakePrincipalIdentifier"]
            if principal.arn is not None:
                matches = who == principal.arn
            else:
                matches = layer == principal.stack and who == {"Fn::GetAtt": [principal.role_id, "Arn"]}
            if matches:
                found.append(json.loads(json.dumps(resource["Properties"])))
                found[-1]["_layer"] = layer
        return found

    def database_tags(self) -> dict[str, dict[str, str]]:
        tags: dict[str, dict[str, str]] = {}
        for layer, _, association in self.all_resources("AWS::LakeFormation::TagAssociation"):
            target = association["Properties"]["Resource"]
            if "Database" in target:
                name = self.resolve(layer, target["Database"]["Name"])
                for tag in association["Properties"]["LFTags"]:
                    tags.setdefault(name, {})[tag["TagKey"]] = tag["TagValues"][0]
        return tags

    def registered_locations(self) -> set[str]:
        return {
            self.resolve(layer, r["Properties"]["ResourceArn"])
            for layer, _, r in self.all_resources("AWS::LakeFormation::Resource")
        }


def table_tags(templates: Templates, config: PlatformConfig) -> dict[tuple[str, str], dict[str, str]]:
    """Each curated table's own LF-tags: what its ETL job attaches (the job's --lf_tags argument)."""
    tags = {}
    for layer, _, job in templates.all_resources("AWS::Glue::Job"):
        arguments = job["Properties"].get("DefaultArguments", {})
        if "--lf_tags" in arguments and "--curated_database" in arguments:
            spec = json.loads(arguments["--dataset_spec"])
            tags[(templates.resolve(layer, arguments["--curated_database"]), spec["name"])] = json.loads(
                arguments["--lf_tags"]
            )
    return tags


def _role_of(templates: Templates, layer: str, resource: dict, prop: str) -> str:
    value = resource["Properties"][prop]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0]
    raise AssertionError(f"{layer}: role of {resource['Type']} is not a role of its stack: {value}")


def principals(templates: Templates, config: PlatformConfig) -> list[Principal]:
    """Every principal of the platform that touches the catalog or the lake, with its operations."""
    raw_db, curated_db = config.database_name("raw"), config.database_name("curated")
    bucket = {zone: config.bucket_name(zone, "ACCOUNT", "REGION") for zone in ("raw", "curated")}
    s3 = {zone: f"arn:aws:s3:::{name}" for zone, name in bucket.items()}
    datasets = config.catalog.datasets
    found: list[Principal] = []
    crawlers = {r["Properties"]["Name"]: r for _, _, r in templates.all_resources("AWS::Glue::Crawler")}
    jobs = {r["Properties"]["Name"]: r for _, _, r in templates.all_resources("AWS::Glue::Job")}
    job_calls = sorted(job_catalog_calls())
    for dataset in datasets:
        crawler = crawlers[f"{config.name_prefix}-{dataset.name}-raw"]
        table = dataset.raw_table
        p = Principal(f"crawler {dataset.name}", "catalog", _role_of(templates, "catalog", crawler, "Role"))
        p.operations += [
            Operation("glue:GetDatabase", raw_db),
            Operation("glue:CreateTable", raw_db, table),
            *(Operation(call, raw_db, table) for call in CRAWLER_TABLE_CALLS),
            Operation("s3:GetObject", s3_object=f"{s3['raw']}/{dataset.raw_location}part-0.csv"),
        ]
        p.creates.add((raw_db, table))
        found.append(p)

        job = jobs[f"{config.name_prefix}-{dataset.name}-etl"]
        p = Principal(f"ETL job {dataset.name}", "catalog", _role_of(templates, "catalog", job, "Role"))
        p.operations += [Operation("glue:GetDatabase", curated_db)]
        for call in job_calls:
            if call in DATABASE_PERMISSION:
                p.operations.append(Operation(call, curated_db, dataset.name if call == "glue:CreateTable" else None))
            else:
                p.operations.append(Operation(call, curated_db, dataset.name))
        p.operations += [
            Operation("s3:GetObject", s3_object=f"{s3['raw']}/{dataset.raw_location}part-0.csv"),
            Operation(
                "s3:PutObject", s3_object=f"{s3['curated']}/{dataset.name}/ingest_date=2026-01-01/part-0.parquet"
            ),
        ]
        lf_tags = json.loads(job["Properties"]["DefaultArguments"].get("--lf_tags", "{}"))
        if lf_tags:
            p.operations.append(Operation("tag", curated_db, dataset.name, tags=tuple(sorted(lf_tags.items()))))
        p.creates.add((curated_db, dataset.name))
        found.append(p)

    def readers(p: Principal, zone_db: str, zone: str, names: list[str] | None = None) -> None:
        p.operations.append(Operation("glue:GetDatabase", zone_db))
        for dataset in datasets:
            if names is not None and dataset.name not in names:
                continue
            table = dataset.name if zone == "curated" else dataset.raw_table
            p.operations += [Operation(call, zone_db, table) for call in QUERY_CALLS]
            if zone == "curated":
                p.operations.append(
                    Operation(
                        "read", zone_db, table, s3_object=f"{s3['curated']}/{dataset.name}/ingest_date=x/p.parquet"
                    )
                )

    if "warehouse" in templates.stacks:
        roles = templates.resources("warehouse", "AWS::IAM::Role")
        spectrum = next(k for k, r in roles.items() if "Spectrum" in r["Properties"].get("Description", ""))
        p = Principal("Redshift Spectrum", "warehouse", spectrum)
        readers(p, curated_db, "curated")
        found.append(p)
    if "analytics" in templates.stacks:
        policy = next(
            iter(k for k in templates.resources("analytics", "AWS::IAM::ManagedPolicy") if "QueryPolicy" in k)
        )
        p = Principal("Athena query policy", "analytics", None, policy_id=policy, lake_formation=False)
        readers(p, curated_db, "curated")
        found.append(p)
    if "processing" in templates.stacks:
        roles = templates.resources("processing", "AWS::IAM::Role")
        instance = next(k for k in roles if "InstanceRole" in k)
        p = Principal("EMR instance role", "processing", instance)
        readers(p, raw_db, "raw")
        readers(p, curated_db, "curated")
        etl = config.processing.example_steps.etl_dataset
        if etl is not None:
            p.operations += [Operation("glue:CreateTable", curated_db, etl)]
            # An Iceberg commit is an UpdateTable of the table's metadata location; no Glue partitions.
            p.operations += [Operation("glue:UpdateTable", curated_db, etl)]
            if config.governance.governed:
                tags = {"dataset": etl, "classification": config.governance.classification(etl)}
                p.operations.append(Operation("tag", curated_db, etl, tags=tuple(sorted(tags.items()))))
        found.append(p)
    if "labeling" in templates.stacks:
        roles = templates.resources("labeling", "AWS::IAM::Role")
        labeling = next(k for k, r in roles.items() if "Ground Truth" in r["Properties"].get("Description", ""))
        p = Principal("labeling role", "labeling", labeling)
        # Ground Truth reads data objects and writes labels directly in S3: no catalog, no engine.
        for prefix in config.labeling.input_prefixes:
            p.operations.append(Operation("s3:GetObject", s3_object=f"{s3['raw']}/{prefix}image.jpg"))
        p.operations.append(Operation("s3:PutObject", s3_object=f"{s3['raw']}/{config.labeling.labels_prefix}out.json"))
        found.append(p)
    if "ingestion" in templates.stacks:
        # They write raw files directly into the raw zone (a registered location): IAM only.
        for key, job in templates.resources("ingestion", "AWS::Glue::Job").items():
            output = templates.resolve("ingestion", job["Properties"]["DefaultArguments"]["--output_path"])
            p = Principal(f"JDBC extract {key}", "ingestion", _role_of(templates, "ingestion", job, "Role"))
            obj = output.replace("s3://", "arn:aws:s3:::", 1).rstrip("/") + "/ingest_date=2026-01-01/part-0.parquet"
            p.operations.append(Operation("s3:PutObject", s3_object=obj))
            found.append(p)
        for key, endpoint in templates.resources("ingestion", "AWS::DMS::Endpoint").items():
            target = endpoint["Properties"].get("S3Settings")
            if target is None:
                continue
            bucket_name = templates.resolve("ingestion", target["BucketName"])
            role = target["ServiceAccessRoleArn"]["Fn::GetAtt"][0]
            p = Principal(f"DMS target {key}", "ingestion", role)
            obj = f"arn:aws:s3:::{bucket_name}/{target['BucketFolder']}/table/2026/01/01/LOAD0001.csv.gz"
            p.operations.append(Operation("s3:PutObject", s3_object=obj))
            found.append(p)
    for consumer in config.governance.consumers:
        # Outside the platform: their IAM policies are theirs; the platform owes them the grants.
        p = Principal(f"consumer {consumer.name}", "governance", None, arn=consumer.principal_arn)
        if consumer.data_filters:
            names = [f.dataset for f in consumer.data_filters]
        elif consumer.classifications is not None:
            names = [d.name for d in datasets if config.governance.classification(d.name) in consumer.classifications]
        else:
            names = None
        readers(p, curated_db, "curated", names)
        found.append(p)
    return found


def _tag_match(expression: list[dict], tags: dict[str, str]) -> bool:
    return all(tags.get(condition["TagKey"]) in condition["TagValues"] for condition in expression)


def _has(permissions: list[str], wanted: str) -> bool:
    return wanted in permissions or "ALL" in permissions


def _lf_allows(
    templates: Templates,
    principal: Principal,
    grants: list[dict],
    op: Operation,
    permission: str,
    db_tags: dict[str, dict[str, str]],
    own_tags: dict[tuple[str, str], dict[str, str]],
) -> bool:
    """A grant of `permission` on the database or table of `op`, by tag expression, by data cells
    filter (SELECT, DESCRIBE), or the implicit permissions of the table's creator."""
    tags = dict(db_tags.get(op.database, {}))
    kind = "DATABASE"
    if op.table is not None and permission != "CREATE_TABLE":
        if (op.database, op.table) in principal.creates:
            return True
        tags.update(own_tags.get((op.database, op.table), {}))
        kind = "TABLE"
    for grant in grants:
        policy = grant["Resource"].get("LFTagPolicy")
        if (
            policy
            and policy["ResourceType"] == kind
            and _tag_match(policy["Expression"], tags)
            and _has(grant["Permissions"], permission)
        ):
            return True
    filters = [(g["_layer"], g["Resource"]["DataCellsFilter"]) for g in grants if "DataCellsFilter" in g["Resource"]]
    return (
        kind == "TABLE"
        and permission in ("SELECT", "DESCRIBE")
        and any(
            f["TableName"] == op.table and templates.resolve(layer, f["DatabaseName"]) == op.database
            for layer, f in filters
        )
    )


def check(templates: Templates, config: PlatformConfig) -> list[str]:
    """Problems found: each names the principal, the operation and what is missing. [] when all hold."""
    governed = config.governance.governed
    db_tags = templates.database_tags()
    own_tags = table_tags(templates, config)
    locations = templates.registered_locations()
    problems = []
    for principal in principals(templates, config):
        lake_formation = governed and principal.lake_formation
        grants = templates.grants(principal) if lake_formation else []

        def lf_allows(op: Operation, permission: str, principal=principal, grants=grants) -> bool:
            return _lf_allows(templates, principal, grants, op, permission, db_tags, own_tags)

        def iam_allows(action: str, resource: str, principal=principal) -> bool:
            if principal.role_id is None and principal.policy_id is None:
                return True  # a consumer's own IAM policies are outside the platform
            return templates.allows(principal.stack, principal, action, resource)

        for op in principal.operations:
            if op.action.startswith("glue:"):
                resource = (
                    f"arn:aws:glue:REGION:ACCOUNT:table/{op.database}/{op.table}"
                    if op.table is not None and op.action != "glue:GetDatabase"
                    else f"arn:aws:glue:REGION:ACCOUNT:database/{op.database}"
                )
                if not iam_allows(op.action, resource):
                    problems.append(f"{principal.name}: {op}: no IAM statement")
                if not lake_formation:
                    continue
                permission = (
                    TABLE_PERMISSION if op.table and op.action != "glue:CreateTable" else DATABASE_PERMISSION
                )[op.action]
                if not lf_allows(op, permission):
                    problems.append(f"{principal.name}: {op}: no Lake Formation grant of {permission}")
                if op.action == "glue:CreateTable":
                    zone = "raw" if op.database == config.database_name("raw") else "curated"
                    location = f"arn:aws:s3:::{config.bucket_name(zone, 'ACCOUNT', 'REGION')}"
                    granted = {
                        templates.resolve(g["_layer"], g["Resource"]["DataLocation"]["ResourceArn"])
                        for g in grants
                        if "DataLocation" in g["Resource"]
                    }
                    if location not in locations or location not in granted:
                        problems.append(f"{principal.name}: {op}: no DATA_LOCATION_ACCESS on {location}")
            elif op.action == "read":
                if lake_formation and not lf_allows(op, "SELECT"):
                    problems.append(f"{principal.name}: {op}: no Lake Formation grant of SELECT")
                direct = iam_allows("s3:GetObject", op.s3_object)
                vended = (
                    governed
                    and iam_allows("lakeformation:GetDataAccess", "*")
                    and any(op.s3_object.startswith(arn + "/") for arn in locations)
                )
                if not (direct or vended):
                    problems.append(f"{principal.name}: {op}: neither s3:GetObject nor lakeformation:GetDataAccess")
            elif op.action == "tag" and lake_formation:
                if not iam_allows("lakeformation:AddLFTagsToResource", "*"):
                    problems.append(f"{principal.name}: {op}: no IAM statement for lakeformation:AddLFTagsToResource")
                for key, value in op.tags:
                    if not any(
                        g["Resource"].get("LFTag", {}).get("TagKey") == key
                        and value in g["Resource"]["LFTag"]["TagValues"]
                        and "ASSOCIATE" in g["Permissions"]
                        for g in grants
                    ):
                        problems.append(f"{principal.name}: {op}: no ASSOCIATE on LF-tag {key}={value}")
            elif op.action.startswith("s3:") and not iam_allows(op.action, op.s3_object):
                problems.append(f"{principal.name}: {op}: no IAM statement")
    return problems
