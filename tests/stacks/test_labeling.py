"""What a security reviewer and a labeling lead rely on in the labeling layer, asserted exactly."""

from __future__ import annotations

import json

import pytest

from lake_constructs.ground_truth_functions import FUNCTION_ACCOUNTS


@pytest.fixture(params=["dev", "prod"])
def synth(request, synths):
    return synths[request.param]


def one(synth, type_: str) -> dict:
    (resource,) = synth.resources("labeling", type_).values()
    return resource["Properties"]


def logical_id(synth, type_: str) -> str:
    (found,) = synth.resources("labeling", type_)
    return found


def test_minimal_has_no_labeling_layer(minimal):
    assert "labeling" not in minimal.stacks


def test_only_administrators_create_workers_and_mfa_is_an_authenticator_app(synth):
    pool = one(synth, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}


def test_password_policy_is_strong(synth, configs):
    labeling = configs[synth.env].labeling
    assert one(synth, "AWS::Cognito::UserPool")["Policies"]["PasswordPolicy"] == {
        "MinimumLength": labeling.password_minimum_length,
        "RequireLowercase": True,
        "RequireNumbers": True,
        "RequireSymbols": True,
        "RequireUppercase": True,
        "TemporaryPasswordValidityDays": labeling.temporary_password_days,
    }
    assert labeling.password_minimum_length >= 14


def test_prod_enforces_threat_protection_and_keeps_the_pool(prod):
    pool = prod.resources("labeling", "AWS::Cognito::UserPool")
    ((_, resource),) = pool.items()
    assert resource["Properties"]["UserPoolTier"] == "PLUS"
    assert resource["Properties"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert resource["Properties"]["DeletionProtection"] == "ACTIVE"
    assert resource["DeletionPolicy"] == "Retain"


def test_dev_says_why_threat_protection_is_off(dev):
    assert one(dev, "AWS::Cognito::UserPool")["UserPoolTier"] == "ESSENTIALS"
    (reason,) = [r for path, rule, r in dev.acknowledgments if rule == "AwsSolutions-COG8"]
    assert "labeling.threat_protection" in reason


def test_the_hosted_domain_prefix_defaults_to_one_unique_per_account(synth, configs):
    """A hosted-domain prefix is unique in its region across all accounts: the default carries the
    account id, so a second team deploying the blueprint under the same names does not collide."""
    config = configs[synth.env]
    domain = one(synth, "AWS::Cognito::UserPoolDomain")
    if config.labeling.domain_prefix is not None:
        assert domain["Domain"] == config.labeling.domain_prefix
        return
    account = {"Ref": "AWS::AccountId"} if config.account is None else config.account
    expected = (
        f"{config.name_prefix}-labeling-{account}"
        if isinstance(account, str)
        else {"Fn::Join": ["", [f"{config.name_prefix}-labeling-", account]]}
    )
    assert domain["Domain"] == expected


def test_the_shipped_environments_use_the_per_account_default(configs):
    for config in configs.values():
        if config.labeling.enabled:
            assert config.labeling.domain_prefix is None


def test_the_app_client_is_confidential_and_signs_in_with_the_code_grant(synth):
    client = one(synth, "AWS::Cognito::UserPoolClient")
    assert client["GenerateSecret"] is True
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["CallbackURLs"] == ["https://localhost/oauth2/idpresponse"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_listed_workers_are_invited_by_email_into_the_group(dev, configs):
    group = one(dev, "AWS::Cognito::UserPoolGroup")
    assert group["GroupName"] == "labelers"
    users = dev.resources("labeling", "AWS::Cognito::UserPoolUser")
    assert sorted(u["Properties"]["Username"] for u in users.values()) == sorted(configs["dev"].labeling.workers)
    for user in users.values():
        assert user["Properties"]["DesiredDeliveryMediums"] == ["EMAIL"]
    memberships = dev.resources("labeling", "AWS::Cognito::UserPoolUserToGroupAttachment")
    assert sorted(m["Properties"]["Username"]["Ref"] for m in memberships.values()) == sorted(users)
    assert all(
        m["Properties"]["GroupName"] == {"Ref": logical_id(dev, "AWS::Cognito::UserPoolGroup")}
        for m in memberships.values()
    )


def test_prod_invites_nobody_from_config(prod):
    assert prod.resources("labeling", "AWS::Cognito::UserPoolUser") == {}


def test_the_workteam_is_the_group_of_this_pool_and_client(synth):
    workteam = one(synth, "AWS::SageMaker::Workteam")
    assert workteam["WorkteamName"] == f"mlake-{synth.env}-labelers"
    assert workteam["WorkforceName"] == f"mlake-{synth.env}-workforce"
    assert workteam["MemberDefinitions"] == [
        {
            "CognitoMemberDefinition": {
                "CognitoUserPool": {"Ref": logical_id(synth, "AWS::Cognito::UserPool")},
                "CognitoClientId": {"Ref": logical_id(synth, "AWS::Cognito::UserPoolClient")},
                "CognitoUserGroup": {"Ref": logical_id(synth, "AWS::Cognito::UserPoolGroup")},
            }
        }
    ]
    assert workteam["NotificationConfiguration"] == {
        "NotificationTopicArn": {"Ref": logical_id(synth, "AWS::SNS::Topic")}
    }


def test_the_workforce_is_bound_to_the_same_pool_and_client(synth, configs):
    workforce = one(synth, "AWS::SageMaker::Workforce")
    assert workforce["CognitoConfig"] == {
        "UserPool": {"Ref": logical_id(synth, "AWS::Cognito::UserPool")},
        "ClientId": {"Ref": logical_id(synth, "AWS::Cognito::UserPoolClient")},
    }
    cidrs = configs[synth.env].labeling.source_ip_cidrs
    assert workforce.get("SourceIpConfig") == ({"Cidrs": cidrs} if cidrs else None)


def test_prod_restricts_workers_to_the_configured_networks(prod):
    assert one(prod, "AWS::SageMaker::Workforce")["SourceIpConfig"] == {"Cidrs": ["203.0.113.0/24", "198.51.100.0/24"]}


def test_notifications_are_encrypted_with_a_rotating_key_and_need_tls(synth):
    topic = one(synth, "AWS::SNS::Topic")
    key_id = logical_id(synth, "AWS::KMS::Key")
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert one(synth, "AWS::KMS::Key")["EnableKeyRotation"] is True
    statements = one(synth, "AWS::SNS::TopicPolicy")["PolicyDocument"]["Statement"]
    deny = next(s for s in statements if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    publish = next(s for s in statements if s.get("Sid") == "AllowSageMakerToPublishTaskNotifications")
    assert publish["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_sagemaker_may_use_the_topic_key_only_for_this_account(synth):
    statements = one(synth, "AWS::KMS::Key")["KeyPolicy"]["Statement"]
    sagemaker = next(s for s in statements if s.get("Sid") == "AllowSageMakerToPublishEncryptedNotifications")
    assert sorted(sagemaker["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert sagemaker["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def role_policy(synth) -> dict[str, dict]:
    return {s["Sid"]: s for s in one(synth, "AWS::IAM::ManagedPolicy")["PolicyDocument"]["Statement"]}


def raw_arn(synth, suffix: str) -> dict:
    parts = ["arn:", {"Ref": "AWS::Partition"}, f":s3:::mlake-{synth.env}-raw-", {"Ref": "AWS::AccountId"}, "-"]
    return {"Fn::Join": ["", [*parts, {"Ref": "AWS::Region"}, *([suffix] if suffix else [])]]}


def test_only_sagemaker_of_this_account_assumes_the_labeling_role(synth):
    role = one(synth, "AWS::IAM::Role")
    assert role["RoleName"] == f"mlake-{synth.env}-labeling"
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert "Policies" not in role and "ManagedPolicyArns" not in role


def test_the_role_reads_inputs_and_labels_and_writes_only_labels(synth):
    statements = role_policy(synth)
    assert set(statements) == {
        "ListLabelingPrefixes",
        "ReadDataObjectsAndManifests",
        "WriteLabels",
        "ReadWorkerTemplates",
        "UseTheLakeKey",
        "InvokeBuiltInTaskFunctions",
        "WriteLabelingJobLogs",
    }
    assert statements["ListLabelingPrefixes"]["Resource"] == raw_arn(synth, "")
    assert statements["ListLabelingPrefixes"]["Condition"] == {"StringLike": {"s3:prefix": ["unlabeled/*", "labels/*"]}}
    assert statements["ReadDataObjectsAndManifests"]["Action"] == "s3:GetObject"
    assert sorted(map(json.dumps, statements["ReadDataObjectsAndManifests"]["Resource"])) == sorted(
        map(json.dumps, [raw_arn(synth, "/unlabeled/*"), raw_arn(synth, "/labels/*")])
    )
    assert statements["WriteLabels"] == {
        "Sid": "WriteLabels",
        "Effect": "Allow",
        "Action": "s3:PutObject",
        "Resource": raw_arn(synth, "/labels/*"),
    }


def test_the_role_uses_the_lake_key_for_sse_kms_only(synth):
    statement = role_policy(synth)["UseTheLakeKey"]
    assert statement["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"]["Fn::GetStackOutput"]["StackName"] == f"mlake-{synth.env}-storage"


def test_the_role_invokes_only_the_published_classification_functions(synth):
    statement = role_policy(synth)["InvokeBuiltInTaskFunctions"]
    assert statement["Action"] == "lambda:InvokeFunction"
    names = sorted(arn["Fn::Join"][1][-1].removeprefix(":function:") for arn in statement["Resource"])
    assert names == ["ACS-ImageMultiClass", "ACS-TextMultiClass", "PRE-ImageMultiClass", "PRE-TextMultiClass"]
    for arn in statement["Resource"]:
        parts = arn["Fn::Join"][1]
        assert {"Ref": "AWS::Region"} in parts
        (lookup,) = [p for p in parts if isinstance(p, dict) and "Fn::FindInMap" in p]
        _, region, key = lookup["Fn::FindInMap"]
        assert region == {"Ref": "AWS::Region"} and key == "account"
    (mapping_name,) = synth.stacks["labeling"]["Mappings"]
    assert synth.stacks["labeling"]["Mappings"][mapping_name] == {
        r: {"account": a} for r, a in FUNCTION_ACCOUNTS.items()
    }


def test_the_role_writes_only_the_labeling_job_log_group(synth):
    statement = role_policy(synth)["WriteLabelingJobLogs"]
    assert statement["Resource"]["Fn::Join"][1][-1] == ":log-group:/aws/sagemaker/LabelingJobs:*"


def test_both_worker_templates_are_deployed_and_readable_by_the_role_alone(synth):
    template = synth.stacks["labeling"]
    outputs = template["Outputs"]
    assets = json.loads(next(synth.outdir.glob("*labeling*.assets.json")).read_text())["files"]
    for task, expected in (("Image", "crowd-image-classifier"), ("Text", "crowd-classifier")):
        uri = outputs[f"{task}TemplateUri"]["Value"]["Fn::Sub"]
        object_key = uri.rsplit("/", 1)[1]
        asset_hash = object_key.removesuffix(".html")
        source = synth.outdir / assets[asset_hash]["source"]["path"]
        assert f"<{expected}" in source.read_text()
        readers = role_policy(synth)["ReadWorkerTemplates"]["Resource"]
        assert any(r["Fn::Join"][1][-1] == f"/{object_key}" for r in readers)


def test_the_tool_finds_what_it_needs_in_the_outputs(synth):
    assert set(synth.stacks["labeling"]["Outputs"]) >= {
        "WorkteamArn",
        "LabelingRoleArn",
        "ImageTemplateUri",
        "TextTemplateUri",
        "WorkerPortalUrl",
    }


def raw_bucket(synth) -> dict:
    for resource in synth.resources("storage", "AWS::S3::Bucket").values():
        if resource["Properties"]["BucketName"]["Fn::Join"][1][0] == f"mlake-{synth.env}-raw-":
            return resource["Properties"]
    raise AssertionError("no raw bucket")


def test_the_raw_bucket_answers_cors_requests_from_the_labeling_portal_only(synth):
    assert raw_bucket(synth)["CorsConfiguration"] == {
        "CorsRules": [
            {
                "AllowedMethods": ["GET"],
                "AllowedOrigins": [
                    {"Fn::Join": ["", ["https://*.labeling.", {"Ref": "AWS::Region"}, ".sagemaker.aws"]]}
                ],
                "ExposedHeaders": ["Access-Control-Allow-Origin"],
                "MaxAge": 3000,
            }
        ]
    }


def test_without_labeling_the_raw_bucket_has_no_cors(minimal):
    assert "CorsConfiguration" not in raw_bucket(minimal)
