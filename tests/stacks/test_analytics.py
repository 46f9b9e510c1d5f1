"""What a user and a security reviewer rely on in the analytics layer, asserted exactly."""

import pytest

from lake_constructs.athena_workgroup import QUERY_ACTIONS
from lake_constructs.grants import CATALOG_READ

from ..fixtures import fixture_config

FULL = fixture_config("full")
RETAINED = fixture_config("retained")
MINIMAL = fixture_config("minimal")

JOINED_ACCOUNT = [{"Ref": "AWS::AccountId"}, "-", {"Ref": "AWS::Region"}]


@pytest.fixture(params=["full", "retained", "minimal"])
def synth(request, fixtures):
    return fixtures[request.param]


def workgroup(synth) -> dict:
    (found,) = synth.resources("analytics", "AWS::Athena::WorkGroup").values()
    return found["Properties"]


def policy(synth) -> dict:
    (found,) = synth.resources("analytics", "AWS::IAM::ManagedPolicy").values()
    return found["Properties"]


def statement(synth, sid: str) -> dict:
    return next(s for s in policy(synth)["PolicyDocument"]["Statement"] if s.get("Sid") == sid)


def storage_output(value) -> str:
    """The storage stack's output a cross-stack reference reads."""
    return value["Fn::GetStackOutput"]["OutputName"]


def test_analytics_is_on_in_every_fixture_config(fixtures):
    assert all("analytics" in synth.stacks for synth in fixtures.values())


def test_the_workgroup_enforces_engine_3_encrypted_results_a_cutoff_and_metrics(synth):
    properties = workgroup(synth)
    assert properties["Name"] == f"{synth.config.name_prefix}-analytics"
    assert properties["RecursiveDeleteOption"] is True
    settings = properties["WorkGroupConfiguration"]
    assert settings["EnforceWorkGroupConfiguration"] is True
    assert settings["EngineVersion"] == {"SelectedEngineVersion": "Athena engine version 3"}
    assert settings["PublishCloudWatchMetricsEnabled"] is True
    assert settings["BytesScannedCutoffPerQuery"] == synth.config.analytics.bytes_scanned_cutoff_mb * 1024**2
    results = settings["ResultConfiguration"]
    assert results["OutputLocation"] == {
        "Fn::Join": [
            "",
            [
                f"s3://{synth.config.name_prefix}-athena-results-",
                *JOINED_ACCOUNT,
                f"/{synth.config.name_prefix}-analytics/",
            ],
        ]
    }
    assert results["EncryptionConfiguration"]["EncryptionOption"] == "SSE_KMS"
    assert storage_output(results["EncryptionConfiguration"]["KmsKey"]).startswith("PublishOutputFnGetAttLakeKey")


def test_dev_cutoff_is_one_gib(full):
    assert workgroup(full)["WorkGroupConfiguration"]["BytesScannedCutoffPerQuery"] == 1024**3


def test_every_dataset_gets_a_preview_on_the_curated_database(full):
    queries = {q["Properties"]["Name"]: q for q in full.resources("analytics", "AWS::Athena::NamedQuery").values()}
    for dataset in FULL.catalog.datasets:
        properties = queries[f"{dataset.name}: preview"]["Properties"]
        assert properties["Database"] == f"{FULL.database_name('')}curated"
        assert (
            properties["QueryString"] == f'SELECT *\nFROM "{FULL.database_name("")}curated"."{dataset.name}"\nLIMIT 10;'
        )


def test_labelled_datasets_get_their_class_balance_and_continuous_labels_their_distribution(full):
    names = {q["Properties"]["Name"] for q in full.resources("analytics", "AWS::Athena::NamedQuery").values()}
    for name in ("characters", "spam_emails", "dog_breeds", "adult_census"):
        assert f"{name}: class balance" in names
    assert "houses: label distribution" in names and "houses: class balance" not in names
    assert not any(name.startswith("access_logs:") and "preview" not in name for name in names)


def test_the_course_census_query_is_there_for_the_census_dataset_only(full):
    census = [
        q["Properties"]
        for q in full.resources("analytics", "AWS::Athena::NamedQuery").values()
        if "sex = 'Male'" in q["Properties"]["QueryString"]
    ]
    assert [q["QueryString"] for q in census] == [
        f'SELECT *\nFROM "{FULL.database_name("")}curated"."adult_census"\nWHERE sex = \'Male\' AND age > 39\nLIMIT 10;'
    ]


def test_every_named_query_is_in_the_workgroup_and_depends_on_it(synth):
    (workgroup_id,) = synth.resources("analytics", "AWS::Athena::WorkGroup")
    queries = synth.resources("analytics", "AWS::Athena::NamedQuery").values()
    for query in queries:
        assert query["Properties"]["WorkGroup"] == {"Ref": workgroup_id}
        assert query["DependsOn"] == [workgroup_id]
        assert query["Properties"]["Database"] == f"{synth.config.database_name('')}curated"


def test_an_environment_without_datasets_has_no_named_queries(minimal):
    assert not MINIMAL.catalog.datasets
    assert not minimal.resources("analytics", "AWS::Athena::NamedQuery")


def test_prod_gets_the_queries_of_its_own_datasets(retained):
    names = {q["Properties"]["Name"] for q in retained.resources("analytics", "AWS::Athena::NamedQuery").values()}
    for dataset in RETAINED.catalog.datasets:
        assert any(dataset.name in name for name in names), (dataset.name, names)


def test_the_user_policy_runs_queries_in_this_workgroup_only(synth):
    assert policy(synth)["ManagedPolicyName"] == f"{synth.config.name_prefix}-analytics-query"
    run = statement(synth, "RunQueriesInTheWorkgroup")
    assert run["Action"] == QUERY_ACTIONS
    assert run["Resource"]["Fn::Join"][1][-1] == f":workgroup/{synth.config.name_prefix}-analytics"


def test_the_user_policy_reads_the_curated_catalog_entries_only(synth):
    # Every table of the curated database, by pattern: the policy does not grow with the datasets.
    # No table at all while the lake has no dataset.
    config = synth.config
    database = config.database_name("curated")
    read = statement(synth, "ReadTheCuratedCatalog")
    assert read["Action"] == list(CATALOG_READ)
    suffixes = [resource["Fn::Join"][1][-1] for resource in read["Resource"]]
    tables = [f":table/{database}/*"] if config.catalog.datasets else []
    assert sorted(suffixes) == sorted([":catalog", f":database/{database}", *tables])


def test_the_user_policy_reads_the_curated_zone_and_not_the_quarantine(synth):
    curated = synth.config.bucket_name("curated", "", "").rstrip("-")
    statements = policy(synth)["PolicyDocument"]["Statement"]
    if not synth.config.catalog.datasets or synth.config.governance.enforced:
        # No dataset, or Lake Formation alone decides: Athena reads through the credentials it vends.
        assert not [s for s in statements if s["Action"] in ("s3:GetObject", "s3:ListBucket") and "Sid" not in s]
        return
    allow, deny = (
        [s for s in statements if s["Action"] == "s3:GetObject" and s["Effect"] == effect]
        for effect in ("Allow", "Deny")
    )
    ((allow,), (deny,)) = (allow, deny)
    for get, objects in ((allow, "/*"), (deny, "/_*")):
        assert get["Resource"]["Fn::Join"][1][2] == f":s3:::{curated}-"
        assert get["Resource"]["Fn::Join"][1][-1] == objects
    assert "_quarantine/x".startswith(deny["Resource"]["Fn::Join"][1][-1][1:-1])
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket" and "Sid" not in s]
    # A listing names a prefix, and not the empty one or one of the zone's '_' folders.
    assert listing["Condition"] == {"Null": {"s3:prefix": "false"}, "StringNotLike": {"s3:prefix": ["", "_*"]}}


def test_the_user_policy_writes_and_reads_the_workgroup_results_prefix_only(synth):
    write = statement(synth, "WriteAndReadQueryResults")
    assert sorted(write["Action"]) == [
        "s3:AbortMultipartUpload",
        "s3:GetObject",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
    ]
    (resource,) = [write["Resource"]]
    assert resource["Fn::Join"][1][-1] == f"/{synth.config.name_prefix}-analytics/*"
    listing = statement(synth, "ListQueryResults")
    prefix = f"{synth.config.name_prefix}-analytics/"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}}


def test_the_user_policy_uses_only_the_platform_key_to_decrypt_and_encrypt(synth):
    key = statement(synth, "DecryptDataEncryptResults")
    assert key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert storage_output(key["Resource"]).startswith("PublishOutputFnGetAttLakeKey")


def test_the_user_policy_has_no_wildcard_action_and_no_unscoped_resource(synth):
    for found in policy(synth)["PolicyDocument"]["Statement"]:
        actions = found["Action"] if isinstance(found["Action"], list) else [found["Action"]]
        assert not any(action.endswith("*") for action in actions)
        # Lake Formation's data access has no resource-level permission: its grants decide instead.
        assert found["Resource"] != "*" or actions == ["lakeformation:GetDataAccess"]
