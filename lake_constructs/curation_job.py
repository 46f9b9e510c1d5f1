"""The PySpark Glue job that turns a dataset's raw files into its curated table."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.models.catalog import DatasetSpec, EtlJobSettings, TableMaintenance
from glue_jobs.lake_etl import contract

from . import grants, iceberg
from . import lake_formation as lf
from .etl_job_code import EtlJobCode
from .glue_job_logs import GLUE_METRICS_NAMESPACE, GlueJobLogs
from .glue_security_configuration import GlueSecurityConfiguration
from .lake_role import LakeRole

GLUE_VERSION = glue.GlueVersion.V5_1  # Spark 3.5, Python 3.11: what the job is tested on locally


class CurationJob(Construct):
    """A `PySparkEtlJob` named `name` on Glue 5.1 running `code.script` with `code.library` on
    `--extra-py-files`, sized by `settings` (worker type and count, timeout, retries).

    Job arguments: `contract.job_arguments` (the contract shared with the job code and the EMR
    step), with `--ml_thresholds` (JSON) when `ml_thresholds` is given and `--lf_tags` under Lake
    Formation. `--run_id` and `--ingest_date` are left to each run (defaults: Glue's run id, today in UTC).

    The curated table is an Apache Iceberg table in the curated database, written through Iceberg's
    Glue catalog (`--datalake-formats iceberg` and the catalog settings in `--conf`, see iceberg.py).

    Decisions:
    - Job bookmarks off: the job itself curates each raw object exactly once, recording what it
      consumed in the same Iceberg commit as the data (bookmarks follow only DynamicFrame sources
      and commit apart from the table).
    - One run at a time: a second, overlapping run would find its commit refused (Iceberg's
      fast-forward check) and fail; there is no point in starting it.
    - Logs: Glue 5.1 writes its two log groups in real time (no continuous-logging flags, which are
      for Glue 4.0 and earlier); `--custom-logGroup-prefix` names them `/aws-glue/jobs/<job>/error`
      and `/output`, created ahead here with the retention and the platform key (GlueJobLogs).
    - IAM (`role`, a LakeRole): read the raw prefix; read, write and delete under the curated
      table's folder, its consumed-objects folder, the quarantine and report prefixes of this
      dataset only; with scheduled maintenance, read the dataset's pinned training sets (artifacts
      `training_sets/<dataset>/`); encrypt and decrypt with the key; read and write only this
      dataset's curated table (and read the database): what an Iceberg commit through the Glue catalog calls; put
      metrics only in the `MLDataLake/ETL` namespace (the row counts) and Glue's own `Glue`
      namespace (the job and observability metrics the job publishes with this role); write only
      its two log groups; get only the two code objects. S3 grants follow what Spark's S3A file
      system calls (see grants).

    Attributes: `job` (PySparkEtlJob), `job_name`, `role`, `logs` (GlueJobLogs), `output_log_group`,
    `error_log_group`, `arguments` (the contract arguments), `table_name`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        dataset: DatasetSpec,
        settings: EtlJobSettings,
        code: EtlJobCode,
        raw_bucket: s3.IBucket,
        curated_bucket: s3.IBucket,
        artifacts_bucket: s3.IBucket,
        curated_database: glue.Database,
        security_configuration: GlueSecurityConfiguration,
        key: kms.IKey,
        environment: str,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
        ml_thresholds: str | None = None,
        maintenance: TableMaintenance | None = None,
        lake_formation: lf.LakeFormationAccess | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.job_name = name
        self.table_name = dataset.name
        curated_prefix = contract.curated_prefix(dataset.name)
        quarantine_prefix = contract.quarantine_prefix(dataset.name)
        consumed_prefix = contract.consumed_prefix(dataset.name)
        report_prefix = contract.report_prefix(dataset.name)
        # Maintenance tags the snapshots of the dataset's pinned training sets before it expires any.
        maintained = maintenance if maintenance is not None and maintenance.schedule is not None else None
        training_sets_prefix = contract.training_sets_prefix(dataset.name)
        self.arguments = contract.job_arguments(
            dataset_spec=dataset.model_dump_json(),
            dataset=dataset.name,
            raw_bucket=raw_bucket.bucket_name,
            raw_prefix=dataset.raw_location,
            curated_bucket=curated_bucket.bucket_name,
            artifacts_bucket=artifacts_bucket.bucket_name,
            curated_database=curated_database.database_name,
            environment=environment,
            ml_thresholds=ml_thresholds,
            # The job tags the table it creates, so tag-based grants reach it (lake_formation.py).
            lf_tags=None if lake_formation is None else lf.dataset_tags(dataset.name, lake_formation.classification),
        )

        self.role = LakeRole(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"ETL job {name}: raw {dataset.raw_location} to the curated table {dataset.name}",
        )

        self.logs = GlueJobLogs(
            self,
            "Logs",
            job_name=name,
            key=key,
            retention_days=log_retention_days,
            removal_policy=removal_policy,
        )
        self.output_log_group, self.error_log_group = self.logs.output_log_group, self.logs.error_log_group

        grants.grant_prefixes(
            self.role.policy,
            read=[(raw_bucket, dataset.raw_location)],
            write=[
                (curated_bucket, [curated_prefix, quarantine_prefix, consumed_prefix]),
                (artifacts_bucket, [report_prefix]),
            ],
            reason=f"Objects under this dataset's own prefixes only (raw {dataset.raw_location}, curated "
            f"{curated_prefix}, {quarantine_prefix}, {consumed_prefix}, artifacts {report_prefix})",
        )
        if maintained is not None:
            # Listed and read with boto3 (no S3A): no HEAD probes needed.
            grants.grant_prefixes(
                self.role.policy,
                read=[(artifacts_bucket, training_sets_prefix)],
                reason=f"Read-only, the pinned training sets of this dataset only (artifacts {training_sets_prefix})",
            )
        # What Spark's S3A file system HEADs besides the objects: each prefix's bare key and ancestors.
        for bucket, prefixes in (
            (raw_bucket, [dataset.raw_location]),
            (curated_bucket, [curated_prefix, quarantine_prefix]),
            (artifacts_bucket, [report_prefix]),
        ):
            self.role.add_to_policy(grants.head_probes(bucket, prefixes))
        self.role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=code.object_arns))
        self.role.add_to_policy(grants.use_key(key, encrypt=True))
        grants.grant_iceberg_commit(self.role.policy, database=curated_database.database_name, tables=[self.table_name])
        grants.grant_put_metrics(self.role.policy, contract.METRICS_NAMESPACE, GLUE_METRICS_NAMESPACE)
        self.role.add_to_policy(self.logs.write())

        self.job = glue.PySparkEtlJob(
            self,
            "Job",
            job_name=name,
            description=f"Curates {dataset.name}: raw files to {curated_database.database_name}.{dataset.name}",
            role=self.role,
            script=code.script,
            extra_python_files=[code.library],
            glue_version=GLUE_VERSION,
            worker_configuration=glue.WorkerConfiguration(
                worker_type=getattr(glue.WorkerType, settings.worker_type.replace(".", "_")),
                number_of_workers=settings.number_of_workers,
            ),
            timeout=Duration.minutes(settings.timeout_minutes),
            max_retries=settings.max_retries,
            max_concurrent_runs=1,
            security_configuration=security_configuration.security_configuration,
            # The continuous-logging flags are Glue 4.0's; Glue 5.1 logs as GlueJobLogs says.
            continuous_logging=glue.ContinuousLoggingProps(enabled=False),
            default_arguments={
                **self.arguments,
                **self.logs.arguments,
                "--job-bookmark-option": "job-bookmark-disable",
                "--datalake-formats": iceberg.DATALAKE_FORMATS,
                "--conf": iceberg.glue_conf_argument(curated_bucket.s3_url_for_object()),
            },
        )
        self.grants = []
        if lake_formation is not None:
            self.grants = lf.grant_dataset_write(
                self,
                "LakeFormation",
                principal_arn=self.role.role_arn,
                zone="curated",
                dataset=dataset.name,
                classification=lake_formation.classification,
                location_arn=lake_formation.location_arn,
            )
            grants.grant_table_tagging(self.role.policy, sid="TagItsTable")
        # A run must not start before its role's permissions exist.
        self.job.node.add_dependency(self.role.policy, *self.grants)

        self.maintenance_trigger: glue.CfnTrigger | None = None
        if maintained is not None:
            # The same job in maintenance mode (Iceberg's rewrite_data_files, expire_snapshots,
            # remove_orphan_files on this table): one run at a time per job, so upkeep never overlaps a
            # curation run. Before expiring, it tags the snapshot of every training set pinned under
            # training_sets/<dataset>/ (read-only grant above); otherwise its table prefix and its table.
            settings_json = maintained.model_dump_json(exclude={"schedule"})
            self.maintenance_trigger = glue.CfnTrigger(
                self,
                "Maintenance",
                name=f"{name}-maintenance",
                description=f"Compacts {dataset.name}, expires its snapshots and removes orphan files",
                type="SCHEDULED",
                schedule=maintained.schedule,
                start_on_creation=True,
                actions=[
                    glue.CfnTrigger.ActionProperty(
                        job_name=self.job.job_name,
                        arguments={
                            "--mode": "maintain",
                            "--maintenance": settings_json,
                            "--training_sets_path": artifacts_bucket.s3_url_for_object(training_sets_prefix),
                        },
                    )
                ],
            )
            self.maintenance_trigger.node.add_dependency(self.job)
