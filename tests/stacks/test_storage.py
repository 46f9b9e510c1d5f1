"""What a security reviewer relies on in the storage layer, asserted exactly."""

import pytest
from aws_cdk.assertions import Match

from stacks.storage import ZONES

ALL_ZONES = ("access-logs", *ZONES)


def bucket(synth, zone: str) -> dict:
    for resource in synth.resources("storage", "AWS::S3::Bucket").values():
        name = resource["Properties"]["BucketName"]["Fn::Join"][1][0]
        if name == f"{synth.config.name_prefix}-{zone}-":
            return resource
    raise AssertionError(f"no {zone} bucket in {synth.name}")


def logical_id(synth, zone: str) -> str:
    wanted = bucket(synth, zone)
    return next(k for k, v in synth.resources("storage", "AWS::S3::Bucket").items() if v is wanted)


@pytest.fixture(params=["full", "retained", "minimal"])
def synth(request, fixtures):
    return fixtures[request.param]


def test_the_key_rotates_and_waits_the_longest_before_deletion(synth):
    (key,) = synth.resources("storage", "AWS::KMS::Key").values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 30
    synth.template("storage").has_resource_properties(
        "AWS::KMS::Alias", {"AliasName": f"alias/{synth.config.name_prefix}-lake"}
    )


def test_cloudwatch_logs_may_use_the_key_only_for_this_accounts_log_groups(synth):
    (key,) = synth.resources("storage", "AWS::KMS::Key").values()
    statement = next(
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "AllowCloudWatchLogsOfThisAccount"
    )
    arn = statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert arn == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":log-group:*",
            ],
        ]
    }


def test_there_is_one_bucket_per_zone(synth):
    assert len(synth.resources("storage", "AWS::S3::Bucket")) == len(ALL_ZONES)
    for zone in ALL_ZONES:
        bucket(synth, zone)


@pytest.mark.parametrize("zone", ALL_ZONES)
def test_every_bucket_blocks_public_access_and_is_versioned_and_owner_enforced(synth, zone):
    properties = bucket(synth, zone)["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


@pytest.mark.parametrize("zone", ALL_ZONES)
def test_every_bucket_denies_requests_without_tls_1_2(synth, zone):
    bucket_id = logical_id(synth, zone)
    synth.template("storage").has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        ),
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}},
                            }
                        ),
                    ]
                )
            },
        },
    )


@pytest.mark.parametrize("zone", ZONES)
def test_lake_buckets_use_the_platform_key_with_bucket_keys(synth, zone):
    (key_id,) = synth.resources("storage", "AWS::KMS::Key")
    encryption = bucket(synth, zone)["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption == [
        {
            "BucketKeyEnabled": True,
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
            },
        }
    ]


def test_the_access_logs_bucket_uses_sse_s3_which_log_delivery_supports(synth):
    encryption = bucket(synth, "access-logs")["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption[0]["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


@pytest.mark.parametrize("zone", ZONES)
def test_lake_buckets_log_access_to_the_access_logs_bucket(synth, zone):
    logging = bucket(synth, zone)["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": logical_id(synth, "access-logs")}
    assert logging["LogFilePrefix"]["Fn::Join"][1][0] == f"{synth.config.name_prefix}-{zone}-"


def test_s3_log_delivery_may_write_only_each_source_buckets_prefix(synth):
    policy = next(
        p
        for p in synth.resources("storage", "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id(synth, "access-logs")}
    )
    grants = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    ]
    assert len(grants) == len(ZONES)
    for statement in grants:
        assert statement["Effect"] == "Allow" and statement["Action"] == "s3:PutObject"
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


@pytest.mark.parametrize("zone", ALL_ZONES)
def test_lifecycle_follows_the_config(synth, zone):
    config = synth.config
    zone_config = getattr(config.storage.lifecycle, zone.replace("-", "_"))
    (rule,) = bucket(synth, zone)["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": config.storage.noncurrent_version_expiration_days}
    assert rule["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": config.storage.abort_incomplete_multipart_upload_days
    }
    expected_transitions = [
        {"StorageClass": storage_class, "TransitionInDays": days}
        for storage_class, days in (
            ("STANDARD_IA", zone_config.infrequent_access_after_days),
            ("GLACIER", zone_config.glacier_after_days),
        )
        if days is not None
    ]
    assert rule.get("Transitions", []) == expected_transitions
    assert rule.get("ExpirationInDays") == zone_config.expire_after_days


def test_raw_data_tiers_to_infrequent_access_then_glacier_in_prod(retained):
    (rule,) = bucket(retained, "raw")["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [t["StorageClass"] for t in rule["Transitions"]] == ["STANDARD_IA", "GLACIER"]


def test_prod_retains_buckets_and_key(retained):
    for resource in [
        *retained.resources("storage", "AWS::S3::Bucket").values(),
        *retained.resources("storage", "AWS::KMS::Key").values(),
    ]:
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
    assert not retained.resources("storage", "Custom::S3AutoDeleteObjects")


def test_ephemeral_dev_destroys_and_empties_its_buckets(full):
    buckets = full.resources("storage", "AWS::S3::Bucket")
    for resource in [*buckets.values(), *full.resources("storage", "AWS::KMS::Key").values()]:
        assert resource["DeletionPolicy"] == "Delete"
    emptied = {
        r["Properties"]["BucketName"]["Ref"] for r in full.resources("storage", "Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == set(buckets)


def test_config_tags_are_on_every_bucket(synth):
    expected = {**synth.config.tags, "project": synth.config.project, "environment": synth.config.environment}
    for resource in synth.resources("storage", "AWS::S3::Bucket").values():
        tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
        assert expected.items() <= tags.items()
