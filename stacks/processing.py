"""Processing layer: the EMR cluster data scientists share, on the same catalog and lake as Athena."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Annotations, Stack
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from config import PlatformConfig
from config.models.catalog import DatasetSpec
from glue_jobs.lake_etl import contract
from lake_constructs import iceberg
from lake_constructs import lake_formation as lf
from lake_constructs.emr_cluster import ClusterStep, EmrCluster, clusters_search
from lake_constructs.etl_job_code import ENTRY_SCRIPT, GLUE_JOBS, LIBRARY, EtlJobCode
from lake_constructs.watch import FIVE_MINUTES, Watch

from .layers import LayerRow
from .network import NetworkStack
from .storage import StorageStack

ROOT = Path(__file__).resolve().parent.parent
# The Glue ETL job, shipped unchanged to the cluster (the job contract: entry script + library package).
GLUE_JOBS_DIR = GLUE_JOBS
TRAINING_SCRIPT = ROOT / "processing_jobs" / "train_model.py"
# Where the cluster writes in the artifacts bucket.
LOGS_PREFIX = "emr-logs/"
MODELS_PREFIX = "models/"
# EMR 7.1.0 and later ship Python 3.9, the default `python3` that PySpark runs unless told otherwise, and
# Python 3.11 at /usr/bin/python3.11 (EMR Release Guide, "Application versions in Amazon EMR 7.x releases",
# https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-release-app-versions-7.x.html). The ETL step
# is the Glue 5.1 job's code (Python 3.11) and asks for 3.11 (`spark.pyspark.python`, driver and
# executors). The training step keeps the default interpreter, the one the release's TensorFlow
# application is installed for, and its script stays 3.9-compatible (tests check both).
CLUSTER_DEFAULT_PYTHON = "3.9"
ETL_PYTHON = "/usr/bin/python3.11"


def cluster_name(config: PlatformConfig) -> str:
    """The EMR cluster's name, '<prefix>-processing' (its failure rule matches it)."""
    return f"{config.name_prefix}-processing"


class ProcessingStack(Stack):
    """Attributes: `emr` (the EmrCluster construct), `cluster` (its CfnCluster), `steps` (ClusterSteps
    added from `processing.example_steps`), `assets` (S3 assets the steps read, by name)."""

    row = LayerRow(
        position=80,
        layer="processing",
        holds="EMR cluster on the Glue catalog, example ETL and training steps",
        switch="`processing.enabled`",
        docs="[processing](docs/processing.md)",
    )
    # An EMR cluster keeps no data of the lake: its input and output live in S3.
    stateless_types = frozenset(
        {
            *("AWS::EMR::Cluster", "AWS::EMR::SecurityConfiguration", "Custom::EmrSecurityGroupRules"),
            *("AWS::EC2::SecurityGroup", "AWS::IAM::InstanceProfile", "AWS::LakeFormation::PrincipalPermissions"),
        }
    )

    @staticmethod
    def watch(watch: Watch) -> None:
        """The cluster terminating with errors, and the load of the account's EMR clusters."""
        watch.on_failure(
            "EmrClusterFailed",
            "emr-cluster-failed",
            description="The platform's EMR cluster terminated with errors",
            source="aws.emr",
            detail_types=["EMR Cluster State Change"],
            detail={"name": [cluster_name(watch.config)], "state": ["TERMINATED_WITH_ERRORS"]},
            message="EMR cluster {name} ({cluster}) terminated with errors in {account}/{region}: {reason}",
            fields={
                "name": "$.detail.name",
                "cluster": "$.detail.clusterId",
                "reason": "$.detail.message",
            },
        )
        watch.add_graph(
            "EMR clusters",
            left=[
                clusters_search("AppsRunning", "Maximum", FIVE_MINUTES),
                clusters_search("IsIdle", "Maximum", FIVE_MINUTES),
            ],
            right=[clusters_search("HDFSUtilization", "Maximum", FIVE_MINUTES)],
        )

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
            cluster_name=cluster_name(config),
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
        self.emr.grant_lake(
            buckets=self.bucket_names,
            databases={zone: config.database_name(zone) for zone in ("raw", "curated")},
            datasets=bool(config.catalog.datasets),
            artifact_prefixes=[f"{contract.REPORTS_FOLDER}/", MODELS_PREFIX],
            # The pinned training sets' manifests (tools/training_set.py), read by the training step.
            artifact_reads=[f"{contract.TRAINING_SETS_FOLDER}/"],
            scripts=[
                f"arn:{self.partition}:s3:::{asset.s3_bucket_name}/{asset.s3_object_key}"
                for asset in self.assets.values()
            ],
            metrics_namespace=contract.METRICS_NAMESPACE,
            tag_tables=config.governance.governed and "etl_script" in self.assets,
        )
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
        arguments = contract.job_arguments(
            dataset_spec=dataset.model_dump_json(),
            dataset=dataset.name,
            raw_bucket=self.bucket_names["raw"],
            raw_prefix=dataset.raw_location,
            curated_bucket=self.bucket_names["curated"],
            artifacts_bucket=self.bucket_names["artifacts"],
            curated_database=config.database_name("curated"),
            environment=config.environment,
            # As the Glue job does: the step tags the curated table it creates (lake_formation.py).
            lf_tags=lf.dataset_tags(dataset.name, config.governance.classification(dataset.name))
            if config.governance.governed
            else None,
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
                *contract.command_line(arguments),
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
