"""What a security reviewer or a data scientist relies on in the processing layer, asserted exactly."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from lake_constructs.emr_cluster import EMR_MANAGED_POLICY_TAG, GLUE_METASTORE_FACTORY

from ..fixtures import fixture_config

FULL = fixture_config("full")
RETAINED = fixture_config("retained")

CLUSTER = "AWS::EMR::Cluster"


@pytest.fixture(params=["full", "retained"])
def synth(request, fixtures):
    return fixtures[request.param]


def cluster(synth) -> dict:
    (found,) = synth.resources("processing", CLUSTER).values()
    return found["Properties"]


def joined(value) -> str:
    """A Fn::Join of strings and pseudo parameters, as one readable string ('${AWS::Region}')."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::Sub" in value:
        return value["Fn::Sub"]
    separator, parts = value["Fn::Join"]
    return separator.join(joined(part) for part in parts)


def bucket(synth, zone: str) -> str:
    return f"{synth.config.name_prefix}-{zone}-${{AWS::AccountId}}-${{AWS::Region}}"


def storage_output(synth, value) -> str:
    """The name of the storage stack's output that `value` reads (a weak cross-stack reference)."""
    lookup = value["Fn::GetStackOutput"]
    assert lookup["StackName"] == f"{synth.config.name_prefix}-storage"
    return lookup["OutputName"]


def statements(synth, role_prefix: str) -> list[dict]:
    policies = synth.resources("processing", "AWS::IAM::ManagedPolicy")
    (policy,) = (p for k, p in policies.items() if k.startswith(role_prefix))
    return policy["Properties"]["PolicyDocument"]["Statement"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_minimal_has_no_processing_layer(minimal):
    assert "processing" not in minimal.stacks


def test_release_and_applications_come_from_config(synth):
    config = synth.config.processing
    properties = cluster(synth)
    assert properties["Name"] == f"{synth.config.name_prefix}-processing"
    assert properties["ReleaseLabel"] == config.release_label == "emr-7.2.0"
    assert [a["Name"] for a in properties["Applications"]] == config.applications
    assert set(config.applications) >= {
        "Hadoop",
        "Spark",
        "Hive",
        "Presto",
        "TensorFlow",
        "MXNet",
        "JupyterHub",
        "Livy",
    }


def test_hive_spark_and_presto_use_the_glue_data_catalog(synth):
    configurations = {c["Classification"]: c["ConfigurationProperties"] for c in cluster(synth)["Configurations"]}
    assert configurations["hive-site"] == {"hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY}
    assert configurations["spark-hive-site"] == {"hive.metastore.client.factory.class": GLUE_METASTORE_FACTORY}
    assert configurations["presto-connector-hive"] == {"hive.metastore": "glue"}


def test_notebooks_persist_to_the_artifacts_bucket(synth):
    configurations = {c["Classification"]: c["ConfigurationProperties"] for c in cluster(synth)["Configurations"]}
    notebooks = configurations["jupyter-s3-conf"]
    assert notebooks["s3.persistence.enabled"] == "true"
    assert joined(notebooks["s3.persistence.bucket"]) == bucket(synth, "artifacts")
    persist = next(s for s in statements(synth, "ProcessingInstanceRole") if s.get("Sid") == "PersistNotebooks")
    assert joined(persist["Resource"]) == f"arn:${{AWS::Partition}}:s3:::{bucket(synth, 'artifacts')}/jupyter/*"


def test_idle_clusters_terminate_themselves_sooner_in_dev(full, retained):
    dev_timeout = cluster(full)["AutoTerminationPolicy"]["IdleTimeout"]
    prod_timeout = cluster(retained)["AutoTerminationPolicy"]["IdleTimeout"]
    assert dev_timeout == FULL.processing.idle_timeout_minutes * 60 == 1800
    assert prod_timeout == RETAINED.processing.idle_timeout_minutes * 60
    assert dev_timeout < prod_timeout


def test_instance_groups_and_managed_scaling_follow_config(synth):
    config = synth.config.processing
    instances = cluster(synth)["Instances"]
    for group, wanted in (("MasterInstanceGroup", config.primary), ("CoreInstanceGroup", config.core)):
        assert instances[group]["InstanceType"] == wanted.instance_type
        assert instances[group]["InstanceCount"] == wanted.count
        (volume,) = instances[group]["EbsConfiguration"]["EbsBlockDeviceConfigs"]
        assert volume["VolumeSpecification"] == {"SizeInGB": wanted.ebs_volume_gb, "VolumeType": "gp3"}
    if config.task is None:
        assert "TaskInstanceGroups" not in instances
    else:
        (task,) = instances["TaskInstanceGroups"]
        assert (task["InstanceType"], task["InstanceCount"]) == (config.task.instance_type, config.task.count)
    scaling = config.managed_scaling
    assert cluster(synth)["ManagedScalingPolicy"]["ComputeLimits"] == {
        "UnitType": "Instances",
        "MinimumCapacityUnits": scaling.minimum_units,
        "MaximumCapacityUnits": scaling.maximum_units,
        "MaximumCoreCapacityUnits": scaling.core_limit,
        "MaximumOnDemandCapacityUnits": scaling.maximum_units
        if scaling.maximum_on_demand_units is None
        else scaling.maximum_on_demand_units,
    }


def test_the_cluster_runs_in_a_private_subnet_without_ssh_key(synth):
    instances = cluster(synth)["Instances"]
    subnet_output = instances["Ec2SubnetId"]["Fn::GetStackOutput"]
    assert subnet_output["StackName"] == f"{synth.config.name_prefix}-network"
    assert "NetworkVpcprivateSubnet" in subnet_output["OutputName"]
    assert "Ec2KeyName" not in instances
    # The managed service policy only launches into subnets tagged for it: the cluster's subnet is.
    tagged = [
        logical_id
        for logical_id, subnet in synth.resources("network", "AWS::EC2::Subnet").items()
        if {"Key": EMR_MANAGED_POLICY_TAG, "Value": "true"} in subnet["Properties"]["Tags"]
    ]
    assert len(tagged) == 1 and tagged[0] in subnet_output["OutputName"]


def test_security_groups_are_emr_managed_tagged_and_closed_to_the_internet(synth):
    instances = cluster(synth)["Instances"]
    groups = synth.resources("processing", "AWS::EC2::SecurityGroup")
    wired = {
        instances[key]["Fn::GetAtt"][0]
        for key in ("EmrManagedMasterSecurityGroup", "EmrManagedSlaveSecurityGroup", "ServiceAccessSecurityGroup")
    }
    assert wired == set(groups)
    for group in groups.values():
        assert {"Key": EMR_MANAGED_POLICY_TAG, "Value": "true"} in group["Properties"]["Tags"]
        assert "SecurityGroupIngress" not in group["Properties"]
    assert not synth.resources("processing", "AWS::EC2::SecurityGroupIngress")
    assert {"Key": EMR_MANAGED_POLICY_TAG, "Value": "true"} in cluster(synth)["Tags"]


def test_security_configuration_encrypts_s3_and_local_disks_with_the_platform_key(synth):
    ((config_id, security),) = synth.resources("processing", "AWS::EMR::SecurityConfiguration").items()
    assert cluster(synth)["SecurityConfiguration"] == {"Ref": config_id}
    encryption = security["Properties"]["SecurityConfiguration"]["EncryptionConfiguration"]
    at_rest = encryption["AtRestEncryptionConfiguration"]
    assert encryption["EnableAtRestEncryption"] is True
    assert at_rest["S3EncryptionConfiguration"]["EncryptionMode"] == "SSE-KMS"
    assert at_rest["LocalDiskEncryptionConfiguration"]["EncryptionKeyProviderType"] == "AwsKms"
    assert at_rest["LocalDiskEncryptionConfiguration"]["EnableEbsEncryption"] is True
    key = storage_output(synth, at_rest["S3EncryptionConfiguration"]["AwsKmsKey"])
    assert "LakeKey" in key
    assert storage_output(synth, at_rest["LocalDiskEncryptionConfiguration"]["AwsKmsKey"]) == key
    # No certificates configured in the shipped environments: no in-transit encryption, and the
    # acknowledgment on the cluster says why.
    assert encryption["EnableInTransitEncryption"] is False
    assert "InTransitEncryptionConfiguration" not in encryption
    (reason,) = [r for path, rule, r in synth.acknowledgments if rule == "AwsSolutions-EMR5"]
    assert "in_transit_certificates" in reason


def test_logs_go_to_the_artifacts_bucket_encrypted_with_the_platform_key(synth):
    properties = cluster(synth)
    assert joined(properties["LogUri"]) == f"s3://{bucket(synth, 'artifacts')}/emr-logs/"
    assert "LakeKey" in storage_output(synth, properties["LogEncryptionKmsKeyId"])
    write = next(s for s in statements(synth, "ProcessingInstanceRole") if s.get("Sid") == "WriteClusterLogs")
    assert write["Action"] == "s3:PutObject"
    assert joined(write["Resource"]) == f"arn:${{AWS::Partition}}:s3:::{bucket(synth, 'artifacts')}/emr-logs/*"


def test_roles_are_the_stacks_own_and_no_statement_grants_everything(synth):
    properties = cluster(synth)
    roles = synth.resources("processing", "AWS::IAM::Role")
    assert properties["ServiceRole"]["Ref"] in roles
    profile = synth.resources("processing", "AWS::IAM::InstanceProfile")[properties["JobFlowRole"]["Ref"]]
    assert profile["Properties"]["Roles"][0]["Ref"] in roles
    for prefix in ("ProcessingInstanceRole", "ProcessingServiceRole"):
        for statement in statements(synth, prefix):
            actions = as_list(statement["Action"])
            assert not any(a == "*" or a.endswith(":*") for a in actions), statement
            if "*" in as_list(statement["Resource"]):
                # Only actions that take no resource ARN get '*'.
                assert all(
                    a.split(":")[0] in ("cloudwatch", "ssmmessages", "ec2messages")
                    or a in ("lakeformation:AddLFTagsToResource", "lakeformation:GetResourceLFTags")
                    for a in actions
                )
                if actions == ["cloudwatch:PutMetricData"]:
                    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": "MLDataLake/ETL"}}


def test_service_role_trusts_emr_of_this_account_and_passes_only_the_instance_role(synth):
    (service_role,) = (r for k, r in synth.resources("processing", "AWS::IAM::Role").items() if "ServiceRole" in k)
    (trust,) = service_role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "elasticmapreduce.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    managed = [joined(arn) for arn in service_role["Properties"]["ManagedPolicyArns"] if "Fn::Join" in arn]
    assert managed == ["arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"]
    (pass_role,) = [s for s in statements(synth, "ProcessingServiceRole") if s["Action"] == "iam:PassRole"]
    assert pass_role["Resource"]["Fn::GetAtt"][0].startswith("ProcessingInstanceRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}


def test_instance_role_reaches_only_the_lakes_prefixes_and_databases(synth):
    config = synth.config
    s3_resources, glue_resources = set(), set()
    for statement in statements(synth, "ProcessingInstanceRole"):
        for resource in as_list(statement["Resource"]):
            text = joined(resource) if isinstance(resource, dict) and "Fn::GetStackOutput" not in resource else resource
            if isinstance(text, str) and ":s3:::" in text:
                s3_resources.add(text.split(":s3:::", 1)[1])
            if isinstance(text, str) and ":glue:" in text:
                glue_resources.add(text.rsplit(":", 1)[1])
    lake = {bucket(synth, zone) for zone in ("raw", "curated", "artifacts")}
    # The raw and curated zones as a whole (each of their prefixes is a dataset's, or the quarantine):
    # the policy does not grow with the datasets. Artifacts: the cluster's own prefixes only.
    allowed_prefixes = {
        bucket(synth, "raw"): {"*"},
        bucket(synth, "curated"): {"*"},
        bucket(synth, "artifacts"): {"emr-logs/", "jupyter/", "reports/", "models/", "training_sets/"},
    }
    for resource in s3_resources:
        name, _, objects = resource.partition("/")
        if name.startswith("cdk-"):
            assert objects.endswith((".py", ".zip")) and "*" not in objects  # the step scripts, one by one
            continue
        assert name in lake, resource
        if objects:
            assert any(objects.startswith(prefix) for prefix in allowed_prefixes[name]), resource
    databases = {config.database_name("raw"), config.database_name("curated"), "default"}
    for resource in glue_resources:
        kind, _, rest = resource.partition("/")
        assert kind in ("catalog", "database", "table", "userDefinedFunction"), resource
        assert kind == "catalog" or rest.split("/")[0] in databases, resource


def test_the_instance_role_can_use_ssm_and_the_platform_key_without_a_managed_policy(synth):
    (instance_role,) = (r for k, r in synth.resources("processing", "AWS::IAM::Role").items() if "InstanceRole" in k)
    assert "ManagedPolicyArns" not in instance_role["Properties"] or all(
        "Fn::Join" not in arn for arn in instance_role["Properties"]["ManagedPolicyArns"]
    )
    by_sid = {s.get("Sid"): s for s in statements(synth, "ProcessingInstanceRole")}
    assert "ssmmessages:OpenDataChannel" in by_sid["SessionManagerChannels"]["Action"]
    assert by_sid["SessionManagerAgentRegistration"]["Action"] == "ssm:UpdateInstanceInformation"
    assert "LakeKey" in storage_output(synth, by_sid["UseThePlatformKey"]["Resource"])


def test_steps_only_where_config_asks_for_them(full, retained, configs):
    assert RETAINED.processing.example_steps.training_dataset is None
    assert "Steps" not in cluster(retained)
    training = next(s for s in cluster(full)["Steps"] if s["Name"] == "train-dog_breeds")
    assert training["ActionOnFailure"] == "CONTINUE"
    assert training["HadoopJarStep"]["Jar"] == "command-runner.jar"
    args = training["HadoopJarStep"]["Args"]
    assert args[:3] == ["spark-submit", "--deploy-mode", "cluster"]
    assert joined(args[3]).endswith(".py")
    options = dict(zip(args[4::2], args[5::2], strict=True))
    assert json.loads(options["--dataset_spec"])["label"] == "breed"
    # The curated Iceberg table through the cluster's Glue-backed catalog (spark-defaults).
    assert options["--table"] == f"glue_catalog.{FULL.database_name('curated')}.dog_breeds"
    configurations = {c["Classification"]: c.get("ConfigurationProperties") for c in cluster(full)["Configurations"]}
    assert configurations["iceberg-defaults"] == {"iceberg.enabled": "true"}
    spark_defaults = configurations["spark-defaults"]
    assert spark_defaults["spark.sql.catalog.glue_catalog.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert spark_defaults["spark.sql.extensions"] == "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
    assert joined(options["--model_path"]) == f"s3://{bucket(full, 'artifacts')}/models/dog_breeds/"
    # A pinned training set (--training_set <manifest URI>) is read by the step: its manifest, only.
    (read,) = (s for s in statements(full, "ProcessingInstanceRole") if s.get("Sid") == "ReadTrainingSets")
    assert read["Action"] == "s3:GetObject"
    assert joined(read["Resource"]).endswith(f":s3:::{bucket(full, 'artifacts')}/training_sets/*")


# --- The Glue ETL script as a Spark step: built in-process once, with a stand-in for glue_jobs/ ---


@pytest.fixture(scope="module")
def etl_build(tmp_path_factory):
    """The dev platform synthesized with a glue_jobs/ folder that follows the job contract."""
    import stacks.processing as processing_module
    from app import build

    glue_jobs = tmp_path_factory.mktemp("repo") / "glue_jobs"
    (glue_jobs / "lake_etl").mkdir(parents=True)
    (glue_jobs / "curate_dataset.py").write_text("print('entry')\n")
    (glue_jobs / "lake_etl" / "__init__.py").write_text("")
    (glue_jobs / "lake_etl" / "transform.py").write_text("def curate(frame):\n    return frame\n")
    outdir = tmp_path_factory.mktemp("cdk.out")
    original = processing_module.GLUE_JOBS_DIR
    processing_module.GLUE_JOBS_DIR = glue_jobs
    try:
        app = build(FULL, outdir=str(outdir))
        assembly = app.synth()
    finally:
        processing_module.GLUE_JOBS_DIR = original
    stack = next(s for s in assembly.stacks if s.stack_name == f"{FULL.name_prefix}-processing")
    return Template.from_json(stack.template), Path(outdir)


def test_the_glue_etl_script_runs_unchanged_as_a_spark_step_with_the_job_contract(etl_build):
    template, _ = etl_build
    (resource,) = template.find_resources(CLUSTER).values()
    step = next(s for s in resource["Properties"]["Steps"] if s["Name"] == "etl-spam_emails")
    args = step["HadoopJarStep"]["Args"]
    assert step["HadoopJarStep"]["Jar"] == "command-runner.jar"
    assert args[:6] == [
        "spark-submit",
        "--deploy-mode",
        "cluster",
        "--conf",
        "spark.pyspark.python=/usr/bin/python3.11",
        "--py-files",
    ]
    assert joined(args[6]).endswith(".zip") and joined(args[7]).endswith(".py")
    options = dict(zip(args[8::2], args[9::2], strict=True))
    dataset = FULL.catalog.dataset("spam_emails")
    raw, curated, artifacts = (
        f"{FULL.bucket_prefix}-{z}-${{AWS::AccountId}}-${{AWS::Region}}" for z in ("raw", "curated", "artifacts")
    )
    assert json.loads(options["--dataset_spec"]) == json.loads(dataset.model_dump_json())
    assert joined(options["--raw_path"]) == f"s3://{raw}/spam_emails/"
    assert joined(options["--curated_path"]) == f"s3://{curated}/spam_emails/"
    assert joined(options["--quarantine_path"]) == f"s3://{curated}/_quarantine/spam_emails/"
    assert joined(options["--report_path"]) == f"s3://{artifacts}/reports/spam_emails/"
    assert options["--curated_database"] == f"{FULL.database_name('')}curated"
    assert options["--environment"] == FULL.environment
    assert options["--metrics_namespace"] == "MLDataLake/ETL"


def test_the_etl_library_zip_holds_the_package_at_its_root(etl_build):
    template, outdir = etl_build
    (resource,) = template.find_resources(CLUSTER).values()
    step = next(s for s in resource["Properties"]["Steps"] if s["Name"] == "etl-spam_emails")
    asset_hash = joined(step["HadoopJarStep"]["Args"][6]).rsplit("/", 1)[1].removesuffix(".zip")
    staged = outdir / f"asset.{asset_hash}"
    files = (
        sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file())
        if staged.is_dir()
        else sorted(zipfile.ZipFile(staged).namelist())
    )
    assert files == ["lake_etl/__init__.py", "lake_etl/transform.py"]


def test_without_the_glue_job_files_the_etl_step_is_left_out_and_the_synth_says_so(full):
    names = [s["Name"] for s in cluster(full)["Steps"]]
    notes = [
        entry["data"]
        for metadata in full.outdir.glob("*processing*.metadata.json")
        for entries in json.loads(metadata.read_text()).values()
        for entry in entries
        if entry["type"] == "aws:cdk:info"
    ]
    if (Path(__file__).resolve().parents[2] / "glue_jobs" / "curate_dataset.py").is_file():
        assert names == ["etl-spam_emails", "train-dog_breeds"]
    else:
        assert names == ["train-dog_breeds"]
        assert any("the ETL example step is left out" in note for note in notes)


def test_configured_certificates_switch_on_in_transit_encryption():
    """The construct alone (no rule packs): with a certificate zip, TLS between nodes, and the nodes may read it."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_kms as kms

    from config.models.processing import InstanceGroupConfig
    from lake_constructs.emr_cluster import EmrCluster

    stack = Stack(App(), "Certificates")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    emr_cluster = EmrCluster(
        stack,
        "Emr",
        cluster_name="test-processing",
        release_label="emr-7.2.0",
        applications=["Spark"],
        vpc=vpc,
        subnet=vpc.isolated_subnets[0],
        key=kms.Key(stack, "Key"),
        log_uri="s3://logs-bucket/emr-logs/",
        notebook_bucket_name=None,
        primary=InstanceGroupConfig(),
        core=InstanceGroupConfig(),
        task=None,
        managed_scaling=None,
        idle_timeout_minutes=10,
        in_transit_certificates="s3://certs-bucket/emr/certificates.zip",
    )
    template = Template.from_stack(stack)
    (security,) = template.find_resources("AWS::EMR::SecurityConfiguration").values()
    encryption = security["Properties"]["SecurityConfiguration"]["EncryptionConfiguration"]
    assert encryption["EnableInTransitEncryption"] is True
    assert encryption["InTransitEncryptionConfiguration"] == {
        "TLSCertificateConfiguration": {
            "CertificateProviderType": "PEM",
            "S3Object": "s3://certs-bucket/emr/certificates.zip",
        }
    }
    (policy,) = (
        p for k, p in template.find_resources("AWS::IAM::ManagedPolicy").items() if k.startswith("EmrInstanceRole")
    )
    read = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "ReadTransitCertificates")
    assert joined(read["Resource"]) == "arn:${AWS::Partition}:s3:::certs-bucket/emr/certificates.zip"
    # Without managed scaling or JupyterHub, neither is configured; Spark still reads the Glue catalog.
    (resource,) = template.find_resources(CLUSTER).values()
    assert "ManagedScalingPolicy" not in resource["Properties"]
    assert [c["Classification"] for c in resource["Properties"]["Configurations"]] == ["spark-hive-site"]
    assert emr_cluster.cluster.security_configuration is not None


def test_a_keyed_tls_trino_cluster_on_a_later_release_passes_every_pack(tmp_path):
    """The other branches of the construct: key pair, certificates, Trino, a task group, emr-7.10.0."""
    import yaml

    from tests.synth import Synth, run_app

    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "config/environments/dev.yaml").read_text())
    data["environment"] = "keyed"
    data["processing"].update(
        release_label="emr-7.10.0",
        applications=["Hadoop", "Spark", "Hive", "Trino", "JupyterHub", "Livy"],
        ec2_key_name="ops-key",
        in_transit_certificates="s3://certificates-bucket/emr/certificates.zip",
        task={"instance_type": "m5.xlarge", "count": 1},
    )
    path = tmp_path / "keyed.yaml"
    path.write_text(yaml.safe_dump(data))
    result = run_app(str(path), tmp_path / "out")
    assert result.returncode == 0, result.stderr[-3000:]
    properties = cluster(Synth("keyed", tmp_path / "out"))
    assert properties["Instances"]["Ec2KeyName"] == "ops-key"
    configurations = {c["Classification"]: c["ConfigurationProperties"] for c in properties["Configurations"]}
    assert configurations["trino-connector-hive"] == {"hive.metastore": "glue"}
    assert "presto-connector-hive" not in configurations


def test_destroy_revokes_the_rules_emr_adds_between_its_groups_before_deleting_them(synth):
    """EC2 refuses to delete a group another group's rule references, and EMR adds such rules that
    CloudFormation does not know: a custom resource between the cluster and the groups revokes them."""
    template = synth.stacks["processing"]["Resources"]
    (cleanup_id, cleanup) = next((k, v) for k, v in template.items() if v["Type"] == "Custom::EmrSecurityGroupRules")
    emr = next(v for v in template.values() if v["Type"] == CLUSTER)
    instances = emr["Properties"]["Instances"]
    groups = [
        instances["EmrManagedMasterSecurityGroup"],
        instances["EmrManagedSlaveSecurityGroup"],
        instances["ServiceAccessSecurityGroup"],
    ]
    # The resource names the three groups (so it is deleted before them) ...
    assert cleanup["Properties"]["SecurityGroupIds"] == groups
    # ... and the cluster waits for it (so the cluster is deleted, and terminated, before it).
    assert cleanup_id in emr["DependsOn"]
    function_id = cleanup["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    role_id = template[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = [
        v
        for v in template.values()
        if v["Type"] == "AWS::IAM::ManagedPolicy" and {"Ref": role_id} in v["Properties"].get("Roles", [])
    ]
    revoke = next(
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "RevokeRulesOfTheClustersGroupsOnly"
    )
    assert len(revoke["Resource"]) == 3 and "*" not in json.dumps(revoke["Resource"])
