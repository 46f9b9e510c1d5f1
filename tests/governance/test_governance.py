"""Governance in every mode: Lake Formation settings, registration, tags and grants, the shrinking IAM
policies, catalog encryption, endpoint policies, and the offline permission check."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lake_constructs import lake_formation as lf

from .conftest import templates
from .permission_check import Templates, check

ROOT = Path(__file__).resolve().parent.parent.parent
MODES = ("iam", "hybrid", "lake_formation")


def of_type(synth, type_: str) -> list[tuple[str, str, dict]]:
    return [
        (layer, key, resource)
        for layer, template in synth.stacks.items()
        for key, resource in template["Resources"].items()
        if resource["Type"] == type_
    ]


def grants_of(synth, layer: str, role_prefix: str) -> list[dict]:
    return [
        r["Properties"]
        for grant_layer, _, r in of_type(synth, "AWS::LakeFormation::PrincipalPermissions")
        if grant_layer == layer
        and r["Properties"]["Principal"]["DataLakePrincipalIdentifier"]
        .get("Fn::GetAtt", [""])[0]
        .startswith(role_prefix)
    ]


def test_every_mode_is_synthesized_in_dev_and_prod(modes):
    assert {(env, mode) for env in ("dev", "prod") for mode in MODES} <= set(modes)


def test_the_default_mode_is_iam_and_minimal_ships_it(minimal):
    from config.models.governance import GovernanceConfig

    assert GovernanceConfig().mode == "iam"
    assert minimal.config.governance.mode == "iam"
    assert "governance" not in minimal.stacks
    assert not any(
        r["Type"].startswith("AWS::LakeFormation::") for t in minimal.stacks.values() for r in t["Resources"].values()
    )


def test_variants_are_clean_under_cfn_lint(variants):
    files = [str(path) for synth, _ in variants.values() for path in synth.template_files]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_variants_have_no_unacknowledged_finding(variants):
    for key, (synth, _) in variants.items():
        violations = [v["ruleName"] for r in synth.report["pluginReports"] for v in r.get("violations", [])]
        assert violations == [], f"{key}: {violations}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_permission_check_passes(modes, env, mode):
    synth, config = modes[(env, mode)]
    assert check(templates(synth), config) == []


def test_the_permission_check_passes_in_minimal(minimal):
    assert check(templates(minimal), minimal.config) == []


def _without(synth, predicate) -> Templates:
    stacks = copy.deepcopy(synth.stacks)
    removed = 0
    for template in stacks.values():
        for key in [k for k, r in template["Resources"].items() if predicate(k, r)]:
            del template["Resources"][key]
            removed += 1
    assert removed, "the predicate removed nothing: the test would prove nothing"
    return Templates(stacks)


def _grant_of(role_fragment: str, resource_kind: str, resource_type: str | None = None):
    def predicate(key, resource):
        if resource["Type"] != "AWS::LakeFormation::PrincipalPermissions":
            return False
        props = resource["Properties"]
        who = props["Principal"]["DataLakePrincipalIdentifier"]
        if not (isinstance(who, dict) and role_fragment in who["Fn::GetAtt"][0]):
            return False
        target = props["Resource"]
        return resource_kind in target and (
            resource_type is None or target[resource_kind].get("ResourceType") == resource_type
        )

    return predicate


@pytest.mark.parametrize(
    ("what", "predicate", "expected"),
    [
        ("Spectrum's table grant", _grant_of("Spectrum", "LFTagPolicy", "TABLE"), "Redshift Spectrum: read on"),
        (
            "the ETL job's CREATE_TABLE",
            _grant_of("HousesEtlJob", "LFTagPolicy", "DATABASE"),
            "ETL job houses: glue:CreateTable",
        ),
        ("a crawler's location", _grant_of("HousesRawCrawler", "DataLocation"), "crawler houses: glue:CreateTable"),
        ("the ETL job's tag association", _grant_of("HousesEtlJob", "LFTag"), "no ASSOCIATE on LF-tag"),
        ("EMR's raw zone read", _grant_of("InstanceRole", "LFTagPolicy", "TABLE"), "EMR instance role: glue:GetTable"),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "lake_formation"])
def test_the_permission_check_fails_on_a_removed_grant(modes, mode, what, predicate, expected):
    synth, config = modes[("dev", mode)]
    problems = check(_without(synth, predicate), config)
    assert any(expected in problem for problem in problems), f"removing {what}: {problems}"


@pytest.mark.parametrize("mode", MODES)
def test_the_permission_check_fails_on_a_removed_iam_statement(modes, mode):
    synth, config = modes[("dev", mode)]
    stacks = copy.deepcopy(synth.stacks)
    policy = next(
        r
        for k, r in stacks["catalog"]["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and k.startswith("HousesEtlJobRolePolicy")
    )
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    policy["Properties"]["PolicyDocument"]["Statement"] = [
        s for s in statements if "glue:UpdateTable" not in json.dumps(s)
    ]
    assert len(policy["Properties"]["PolicyDocument"]["Statement"]) < len(statements)
    problems = check(Templates(stacks), config)
    assert (
        "ETL job houses: glue:UpdateTable on " + config.database_name("curated") + ".houses: no IAM statement"
        in problems
    )


def test_the_permission_check_fails_when_the_curated_database_loses_its_tags(modes):
    synth, config = modes[("dev", "hybrid")]
    problems = check(_without(synth, lambda k, r: k == "CuratedDatabaseTags"), config)
    assert any(p.startswith("Redshift Spectrum: glue:GetDatabase") for p in problems), problems


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in MODES])
def test_lake_formation_resources_exist_exactly_when_governed(modes, env, mode):
    synth, _ = modes[(env, mode)]
    lf_resources = [
        r
        for t in synth.stacks.values()
        for r in t["Resources"].values()
        if r["Type"].startswith("AWS::LakeFormation::")
    ]
    assert bool(lf_resources) == (mode != "iam")


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in ("hybrid", "lake_formation")])
def test_data_lake_settings_add_the_deployment_roles_and_configured_admins(modes, env, mode):
    synth, config = modes[(env, mode)]
    (settings,) = synth.resources("governance", "AWS::LakeFormation::DataLakeSettings").values()
    props = settings["Properties"]
    assert props["MutationType"] == "APPEND"
    admins = [json.dumps(a["DataLakePrincipalIdentifier"]) for a in props["Admins"]]
    qualifier = config.governance.bootstrap_qualifier
    for role in ("deploy-role", "cfn-exec-role"):
        assert any(f"role/cdk-{qualifier}-{role}-" in admin for admin in admins), admins
    for arn in config.governance.admins:
        assert json.dumps(arn) in admins
    assert set(props) == {"Admins", "MutationType"}, "no account-wide default is overwritten"


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in ("hybrid", "lake_formation")])
def test_raw_and_curated_are_registered_through_the_registration_role(modes, env, mode):
    synth, config = modes[(env, mode)]
    locations = synth.resources("governance", "AWS::LakeFormation::Resource")
    roles = synth.resources("governance", "AWS::IAM::Role")
    (role_id,) = [k for k in roles if k.startswith("RegistrationRole")]
    trust = roles[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [s["Principal"] for s in trust] == [{"Service": "lakeformation.amazonaws.com"}]
    registered = set()
    for location in locations.values():
        props = location["Properties"]
        assert props["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert props["UseServiceLinkedRole"] is False
        assert props["HybridAccessEnabled"] is (mode == "hybrid")
        registered.add(Templates(synth.stacks).resolve("governance", props["ResourceArn"]))
    assert registered == {f"arn:aws:s3:::{config.bucket_name(z, 'ACCOUNT', 'REGION')}" for z in ("raw", "curated")}
    policy = next(
        r
        for k, r in synth.resources("governance", "AWS::IAM::ManagedPolicy").items()
        if k.startswith("RegistrationRole")
    )
    kms = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "kms:Decrypt" in s["Action"]]
    assert kms and all("GenerateDataKey" in json.dumps(s["Action"]) for s in kms)


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in ("hybrid", "lake_formation")])
def test_tags_on_databases_and_curated_tables(modes, env, mode):
    synth, config = modes[(env, mode)]
    tags = {
        r["Properties"]["TagKey"]: r["Properties"]["TagValues"]
        for r in synth.resources("governance", "AWS::LakeFormation::Tag").values()
    }
    assert tags[lf.ZONE] == ["curated", "raw"]
    assert tags[lf.DATASET] == sorted(d.name for d in config.catalog.datasets)
    assert Templates(synth.stacks).database_tags() == {
        config.database_name(zone): {lf.ZONE: zone, lf.CLASSIFICATION: config.governance.default_classification}
        for zone in ("raw", "curated")
    }
    # The ETL job attaches the dataset's tags to the table it creates.
    for job in synth.resources("catalog", "AWS::Glue::Job").values():
        spec = json.loads(job["Properties"]["DefaultArguments"]["--dataset_spec"])
        assert json.loads(job["Properties"]["DefaultArguments"]["--lf_tags"]) == {
            lf.DATASET: spec["name"],
            lf.CLASSIFICATION: config.governance.classification(spec["name"]),
        }


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in MODES])
def test_no_grant_lists_a_table_and_shared_roles_do_not_grow_with_datasets(modes, env, mode):
    synth, config = modes[(env, mode)]
    for _, _, grant in of_type(synth, "AWS::LakeFormation::PrincipalPermissions"):
        assert not {"Table", "TableWithColumns"} & set(grant["Properties"]["Resource"])
    if mode != "iam":
        assert len(grants_of(synth, "warehouse", "Spectrum")) == 2
        etl = 5 if config.processing.example_steps.etl_dataset is not None else 0
        assert len(grants_of(synth, "processing", "ProcessingInstanceRole")) == 4 + etl


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in MODES])
def test_iam_allowed_principals_are_revoked_only_when_the_config_says_so(modes, env, mode):
    synth, config = modes[(env, mode)]
    for database in synth.resources("catalog", "AWS::Glue::Database").values():
        revoked = database["Properties"]["DatabaseInput"].get("CreateTableDefaultPermissions") == []
        assert revoked is config.governance.revoke_iam_allowed_principals


@pytest.mark.parametrize(("env", "mode"), [(e, m) for e in ("dev", "prod") for m in MODES])
def test_consumer_policies_shrink_where_lake_formation_alone_decides(modes, env, mode):
    synth, config = modes[(env, mode)]
    curated = f"arn:aws:s3:::{config.bucket_name('curated', 'ACCOUNT', 'REGION')}/"
    t = Templates(synth.stacks)
    policy = next(k for k in synth.resources("analytics", "AWS::IAM::ManagedPolicy") if "QueryPolicy" in k)
    spectrum = next(
        k for k, r in synth.resources("warehouse", "AWS::IAM::Role").items() if k.startswith("SpectrumRole")
    )
    for layer, role, policy_id in (("analytics", None, policy), ("warehouse", spectrum, None)):
        statements = t.statements(layer, role, policy_id)
        reads_curated = any(
            "s3:GetObject" in json.dumps(s["Action"])
            and curated
            in json.dumps(
                [t.resolve(layer, r) for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
            )
            for s in statements
        )
        data_access = any(lf.GET_DATA_ACCESS in json.dumps(s["Action"]) for s in statements)
        assert reads_curated is not config.governance.enforced
        assert data_access is config.governance.governed


def test_catalog_encryption_is_set_when_the_platform_owns_the_catalog_settings(modes):
    for (env, mode), (synth, config) in modes.items():
        found = of_type(synth, "AWS::Glue::DataCatalogEncryptionSettings")
        assert len(found) == int(config.governance.catalog_encryption.managed), (env, mode)
        if found:
            settings = found[0][2]["Properties"]["DataCatalogEncryptionSettings"]
            assert settings["EncryptionAtRest"]["CatalogEncryptionMode"] == "SSE-KMS"
            assert settings["ConnectionPasswordEncryption"]["ReturnConnectionPasswordEncrypted"] is True
            key = settings["EncryptionAtRest"]["SseAwsKmsKeyId"]
            assert key == settings["ConnectionPasswordEncryption"]["KmsKeyId"]
            assert "LakeKey" in json.dumps(key), "the platform key, imported from the storage stack"
    assert modes[("dev", "hybrid")][1].governance.catalog_encryption.managed, "on by default in dev"


def test_consumers_read_by_tag_or_only_through_their_filters(variants):
    synth, config = variants[("dev", "lake_formation")]
    by_principal: dict[str, list[dict]] = {}
    for _, _, grant in of_type(synth, "AWS::LakeFormation::PrincipalPermissions"):
        who = grant["Properties"]["Principal"]["DataLakePrincipalIdentifier"]
        if isinstance(who, str):
            by_principal.setdefault(who, []).append(grant["Properties"]["Resource"])
    analysts, training = (c.principal_arn for c in config.governance.consumers)
    table_grant = next(
        r["LFTagPolicy"] for r in by_principal[analysts] if r.get("LFTagPolicy", {}).get("ResourceType") == "TABLE"
    )
    assert {"TagKey": lf.CLASSIFICATION, "TagValues": ["internal"]} in table_grant["Expression"]
    assert not any(r.get("LFTagPolicy", {}).get("ResourceType") == "TABLE" for r in by_principal[training])
    assert sorted(r["DataCellsFilter"]["TableName"] for r in by_principal[training] if "DataCellsFilter" in r) == [
        "adult_census",
        "houses",
    ]
    filters = {
        r["Properties"]["Name"]: r["Properties"] for _, _, r in of_type(synth, "AWS::LakeFormation::DataCellsFilter")
    }
    assert filters["houses_recent"]["RowFilter"] == {"FilterExpression": "sold_on >= DATE '2020-01-01'"}
    assert filters["census_no_origin"]["ColumnWildcard"] == {"ExcludedColumnNames": ["race", "native_country"]}
    # With the catalog encrypted, the consumers may decrypt it through Glue (and only through Glue).
    (key,) = synth.resources("storage", "AWS::KMS::Key").values()
    (statement,) = [
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "ConsumersReadTheEncryptedCatalog"
    ]
    assert sorted(statement["Principal"]["AWS"]) == sorted([analysts, training])
    assert "kms:ViaService" in statement["Condition"]["StringEquals"]


def test_no_endpoint_policy_allows_everything_on_everything(modes):
    seen = 0
    for (env, mode), (synth, _) in modes.items():
        for _, key, endpoint in of_type(synth, "AWS::EC2::VPCEndpoint"):
            document = endpoint["Properties"].get("PolicyDocument")
            service = json.dumps(endpoint["Properties"]["ServiceName"])
            if document is None:
                assert "ssmmessages" in service or "ec2messages" in service, f"{env}/{mode} {key} has no policy"
                continue
            seen += 1
            for statement in document["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                assert not ("*" in actions and "*" in resources), f"{env}/{mode} {key}: * on *"
                assert statement["Effect"] == "Allow"
    assert seen


def test_the_s3_endpoint_reaches_only_the_platform_and_the_repositories_it_installs_from(modes):
    for synth, config in modes.values():
        t = Templates(synth.stacks)
        for _, _, endpoint in of_type(synth, "AWS::EC2::VPCEndpoint"):
            if ".s3" not in json.dumps(endpoint["Properties"]["ServiceName"]):
                continue
            for statement in endpoint["Properties"]["PolicyDocument"]["Statement"]:
                buckets = {
                    t.resolve("network", r).removeprefix("arn:aws:s3:::").split("/")[0] for r in statement["Resource"]
                }
                if statement["Sid"] == "PlatformBucketsOfThisAccount":
                    assert statement["Condition"] == {
                        "StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}
                    }
                    lake = {
                        config.bucket_name(z, "ACCOUNT", "REGION")
                        for z in ("raw", "curated", "artifacts", "athena-results", "access-logs")
                    }
                    assert buckets == lake | {f"cdk-{config.governance.bootstrap_qualifier}-assets-ACCOUNT-REGION"}
                else:
                    assert statement["Action"] == "s3:GetObject"
                    assert buckets == {"al2023-repos-REGION-de612dc2", "repo.REGION.emr.amazonaws.com"}
