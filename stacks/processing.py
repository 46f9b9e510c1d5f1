"""Processing layer: the EMR cluster data scientists share, on the same catalog and lake as Athena."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Annotations, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from config import PlatformConfig
from config.models.catalog import DatasetSpec
from lake_constructs import iceberg
from lake_constructs import lake_formation as lf
from lake_constructs.compliance import acknowledge_wildcards
from lake_constructs.emr_cluster import ClusterStep, EmrCluster
from lake_constructs.etl_job_code import ENTRY_SCRIPT, GLUE_JOBS, LIBRARY, EtlJobCode

from .network import NetworkStack
from .storage import StorageStack

ROOT = Path(__file__).resolve().parent.parent
# The Glue ETL job, shipped unchanged to the cluster (the job contract: entry script + library package).
GLUE_JOBS_DIR = GLUE_JOBS
TRAINING_SCRIPT = ROOT / "processing_jobs" / "train_model.py"
METRICS_NAMESPACE = "MLDataLake/ETL"
# Where the cluster writes in the artifacts bucket.
LOGS_PREFIX = "emr-logs/"
MODELS_PREFIX = "models/"
REPORTS_PREFIX = "reports/"
TRAINING_SETS_PREFIX = (
    "training_sets/"  # pinned training sets' manifests (tools/training_set.py), read by the training step
)
# EMR 7.1.0 and later ship Python 3.9, the default `python3` that PySpark runs unless told otherwise, and
# Python 3.11 at /usr/bin/python3.11 (EMR Release Guide, "Application versions in Amazon EMR 7.x releases",
# https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-release-app-versions-7.x.html). The ETL step
# is the Glue 5.1 job's code (Python 3.11) and asks for 3.11 (`spark.pyspark.python`, driver and
# executors). The training step keeps the default interpreter, the one the release's TensorFlow
# application is installed for, and its script stays 3.9-compatible (tests check both).
CLUSTER_DEFAULT_PYTHON = "3.9"
ETL_PYTHON = "/usr/bin/python3.11"
# Large writes are multipart uploads; a failed task aborts its upload (the EMRFS S3-optimized committer).
WRITE_OBJECTS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]


class ProcessingStack(Stack):
    """Attributes: `emr` (the EmrCluster construct), `cluster` (its CfnCluster), `steps` (ClusterSteps
    added from `processing.example_steps`), `assets` (S3 assets the steps read, by name)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: PlatformConfig,
        storage: StorageStack,
        network: NetworkStack,
        glue_jobs_dir: Path | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        processing = config.processing
        self.assets: dict[str, s3_assets.Asset] = {}
        self.steps: list[ClusterStep] = []
        # Buckets by the naming contract, not by import: IAM resources and step arguments stay readable
        # (and checkable by the rule packs) instead of cross-stack output lookups.
        self.bucket_names = {zone: storage.bucket_name(config, zone) for zone in ("raw", "curated", "artifacts")}
        artifacts = self.bucket_names["artifacts"]

        etl = processing.example_steps.etl_dataset
        if etl is not None:
            folder = GLUE_JOBS_DIR if glue_jobs_dir is None else glue_jobs_dir
            step = self._etl_step(config, config.catalog.dataset(etl), folder)
            if step is not None:
                self.steps.append(step)
        training = processing.example_steps.training_dataset
        if training is not None:
            self.steps.append(self._training_step(config, config.catalog.dataset(training)))

        self.emr = EmrCluster(
            self,
            "Processing",
            cluster_name=f"{config.name_prefix}-processing",
            release_label=processing.release_label,
            applications=processing.applications,
            vpc=network.vpc,
            subnet=network.vpc.select_subnets(
                subnet_group_name=network.network.workload_subnets.subnet_group_name
            ).subnets[0],
            key=storage.key,
            log_uri=f"s3://{artifacts}/{LOGS_PREFIX}",
            notebook_bucket_name=artifacts if "JupyterHub" in processing.applications else None,
            iceberg_warehouse=f"s3://{self.bucket_names['curated']}/",
            primary=processing.primary,
            core=processing.core,
            task=processing.task,
            managed_scaling=processing.managed_scaling,
            idle_timeout_minutes=processing.idle_timeout_minutes,
            ec2_key_name=processing.ec2_key_name,
            in_transit_certificates=processing.in_transit_certificates,
            steps=self.steps,
            removal_policy=storage.removal_policy,
        )
        self.cluster = self.emr.cluster
        self._grant_lake(config)
        self.grants = self._grant_lake_formation(config) if config.governance.governed else []
        # The steps run as soon as the cluster is up: its grants must exist by then.
        self.cluster.node.add_dependency(*self.grants)

    def _etl_step(self, config: PlatformConfig, dataset: DatasetSpec, glue_jobs_dir: Path) -> ClusterStep | None:
        script, library = glue_jobs_dir / ENTRY_SCRIPT, glue_jobs_dir / LIBRARY
        if not script.is_file() or not (library / "__init__.py").is_file():
            Annotations.of(self).add_info(
                f"processing.example_steps.etl_dataset is set, but {script.relative_to(glue_jobs_dir.parent)} "
                f"or {library.relative_to(glue_jobs_dir.parent)}/ is missing: "
                "the ETL example step is left out",
            )
            return None
        # The same assets as the Glue jobs: --py-files, like --extra-py-files, needs the package at the zip's root.
        code = EtlJobCode(self, "EtlCode", source=glue_jobs_dir)
        self.assets["etl_script"] = code.script_asset
        self.assets["etl_library"] = code.library_asset
        raw, curated, artifacts = (self.bucket_names[zone] for zone in ("raw", "curated", "artifacts"))
        arguments = {
            "--dataset_spec": dataset.model_dump_json(),
            "--raw_path": f"s3://{raw}/{dataset.raw_location}",
            "--curated_path": f"s3://{curated}/{dataset.name}/",
            "--quarantine_path": f"s3://{curated}/_quarantine/{dataset.name}/",
            "--report_path": f"s3://{artifacts}/{REPORTS_PREFIX}{dataset.name}/",
            "--curated_database": config.database_name("curated"),
            "--environment": config.environment,
            "--metrics_namespace": METRICS_NAMESPACE,
        }
        if config.governance.governed:
            # As the Glue job does: the step tags the curated table it creates (lake_formation.py).
            arguments["--lf_tags"] = json.dumps(
                {lf.DATASET: dataset.name, lf.CLASSIFICATION: config.governance.classification(dataset.name)},
                sort_keys=True,
            )
        return ClusterStep(
            name=f"etl-{dataset.name}",
            args=[
                "spark-submit",
                "--deploy-mode",
                "cluster",
                "--conf",
                f"spark.pyspark.python={ETL_PYTHON}",
                "--py-files",
                self.assets["etl_library"].s3_object_url,
                self.assets["etl_script"].s3_object_url,
                *[part for pair in arguments.items() for part in pair],
            ],
        )

    def _training_step(self, config: PlatformConfig, dataset: DatasetSpec) -> ClusterStep:
        self.assets["training_script"] = s3_assets.Asset(self, "TrainingScript", path=str(TRAINING_SCRIPT))
        artifacts = self.bucket_names["artifacts"]
        return ClusterStep(
            name=f"train-{dataset.name}",
            args=[
                "spark-submit",
                "--deploy-mode",
                "cluster",
                self.assets["training_script"].s3_object_url,
                "--dataset_spec",
                dataset.model_dump_json(),
                "--table",
                f"{iceberg.ICEBERG_CATALOG}.{config.database_name('curated')}.{dataset.name}",
                "--model_path",
                f"s3://{artifacts}/{MODELS_PREFIX}{dataset.name}/",
            ],
        )

    def _bucket_arn(self, zone: str, objects: str | None = None) -> str:
        bucket = f"arn:{self.partition}:s3:::{self.bucket_names[zone]}"
        return bucket if objects is None else f"{bucket}/{objects}"

    def _grant_lake(self, config: PlatformConfig) -> None:
        """The lake as the cluster sees it: every dataset's raw files to read, its curated table and
        quarantine to write (the ETL step), reports and models to write, and the catalog databases."""
        role = self.emr.instance_role
        # By the naming contract's patterns, not one ARN per dataset: the cluster is the lake's shared
        # compute and may run the ETL step of any dataset, and the raw and curated zones hold nothing
        # but the datasets' prefixes (curated: '<dataset>/' Iceberg tables, the '_quarantine/' and
        # '_consumed/' folders). EMRFS marks folders with '<folder>_$folder$' objects beside them:
        # every key of the curated zone. The policy keeps its size whatever the number of datasets.
        raw_objects = [self._bucket_arn("raw", "*")]
        curated_objects = [self._bucket_arn("curated", "*")]
        if config.catalog.datasets:
            role.add_to_policy(
                iam.PolicyStatement(sid="ReadRawDatasets", actions=["s3:GetObject"], resources=raw_objects)
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="WriteCuratedTablesAndQuarantine",
                    actions=WRITE_OBJECTS,
                    resources=curated_objects,
                )
            )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ListLakeBuckets",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[self._bucket_arn(zone) for zone in ("raw", "curated", "artifacts")],
            )
        )
        artifact_objects = [self._bucket_arn("artifacts", f"{prefix}*") for prefix in (REPORTS_PREFIX, MODELS_PREFIX)]
        role.add_to_policy(
            iam.PolicyStatement(
                sid="WriteReportsAndModels",
                actions=WRITE_OBJECTS,
                resources=artifact_objects,
            )
        )
        training_sets = self._bucket_arn("artifacts", f"{TRAINING_SETS_PREFIX}*")
        role.add_to_policy(
            iam.PolicyStatement(sid="ReadTrainingSets", actions=["s3:GetObject"], resources=[training_sets])
        )
        if self.assets:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReadStepScripts",
                    actions=["s3:GetObject"],
                    resources=[
                        f"arn:{self.partition}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}"
                        for asset in self.assets.values()
                    ],
                )
            )
        catalog_resources = self._grant_catalog(config)
        # The ETL job publishes its row counts, in its own namespace only.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="PublishEtlMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
            )
        )
        acknowledge_wildcards(
            role.policy,
            "Each wildcard is bounded by the lake's layout: the objects of the raw zone (every key is under a "
            "dataset's raw prefix) to read, of the curated zone (the datasets' tables and the quarantine) to "
            "write for the ETL step, reports/ and models/ in artifacts, the pinned training sets' manifests "
            "(training_sets/ in artifacts) to read, and the tables and functions of the lake's own two Glue databases",
            [*raw_objects, *curated_objects, *artifact_objects, training_sets, *catalog_resources],
        )
        if config.governance.governed and "etl_script" in self.assets:
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="TagCuratedTables",
                    actions=["lakeformation:AddLFTagsToResource", "lakeformation:GetResourceLFTags"],
                    resources=["*"],
                )
            )
        acknowledge_wildcards(
            role.policy,
            "Resource '*' is what these actions accept: cloudwatch:PutMetricData (held to the ETL namespace "
            "by the cloudwatch:namespace condition), the Session Manager agent's ssmmessages and "
            "ec2messages channel actions, and Lake Formation's tag calls, which have no resource ARN (Lake "
            "Formation limits those to the tag values the role may associate)",
            ["*"],
        )

    def _grant_lake_formation(self, config: PlatformConfig) -> list:
        """The cluster reads both zones (Hive, Spark, Presto and the training step query them through
        the Glue catalog), and the ETL example step writes its dataset's curated table as the Glue job does."""
        role_arn = self.emr.instance_role.role_arn
        grants = [
            grant
            for zone in lf.ZONES
            for grant in lf.grant_zone_read(
                self, f"LakeFormation{zone.capitalize()}Read", principal_arn=role_arn, zone=zone
            )
        ]
        etl = config.processing.example_steps.etl_dataset
        if etl is not None and "etl_script" in self.assets:
            grants += lf.grant_dataset_write(
                self,
                "LakeFormationEtlStep",
                principal_arn=role_arn,
                zone="curated",
                dataset=etl,
                classification=config.governance.classification(etl),
                location_arn=f"arn:{self.partition}:s3:::{self.bucket_names['curated']}",
            )
        return grants

    def _grant_catalog(self, config: PlatformConfig) -> list[str]:
        role = self.emr.instance_role

        def arn(resource: str) -> str:
            return f"arn:{self.partition}:glue:{self.region}:{self.account}:{resource}"

        raw, curated = config.database_name("raw"), config.database_name("curated")
        tables = [arn(f"table/{db}/*") for db in (raw, curated)]
        functions = [arn(f"userDefinedFunction/{db}/*") for db in (raw, curated)]
        read = [
            "glue:GetDatabase",
            "glue:GetDatabases",
            "glue:GetTable",
            "glue:GetTables",
            "glue:GetTableVersions",
            "glue:GetPartition",
            "glue:GetPartitions",
            "glue:BatchGetPartition",
            "glue:GetUserDefinedFunctions",
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadLakeCatalog",
                actions=read,
                resources=[
                    arn("catalog"),
                    *(arn(f"database/{db}") for db in (raw, curated)),
                    *tables,
                    *functions,
                ],
            )
        )
        # The ETL step commits the curated Iceberg tables through the Glue catalog (create, then UpdateTable).
        role.add_to_policy(
            iam.PolicyStatement(
                sid="CommitCuratedTables",
                actions=["glue:CreateTable", "glue:UpdateTable"],
                resources=[arn("catalog"), arn(f"database/{curated}"), arn(f"table/{curated}/*")],
            )
        )
        # Hive and Spark open the 'default' database at start and create it when the catalog has none.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="OpenDefaultDatabase",
                actions=["glue:GetDatabase", "glue:CreateDatabase"],
                resources=[arn("catalog"), arn("database/default")],
            )
        )
        return [*tables, *functions]
