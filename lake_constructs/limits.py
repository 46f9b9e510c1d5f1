"""Deploy-time limits, checked on the synthesized cloud assembly before anything is deployed.

CloudFormation, IAM, S3, KMS, SNS, CloudWatch, EventBridge and Glue each refuse a resource past one
of their limits, but only at deploy time, after the stacks before it were created. `check_assembly`
reads every template the app wrote (nested ones too), resolves the tokens in policies and patterns
to realistic worst-case lengths (a 12-digit account, the longest region name, the configured names,
the longest name a service generates) and measures each figure against its documented limit.

    usages = check_assembly(Path("cdk.out"), account=None, region=None)
    for usage in usages:
        if usage.exceeded: print(usage.message())

Every limit below cites the page it comes from; adjustable quotas are taken at their default.
The CDK's own resource count (which stops the synth with a traceback at the first stack past 500)
is switched off in cdk.json (`@aws-cdk/core:stackResourceLimit: 0`): this check reports it, with
every other figure past its limit, at once.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CFN_QUOTAS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
IAM_QUOTAS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
CW_QUOTAS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html"
CW_DASHBOARD_BODY = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html"
)
GLUE_QUOTAS = "https://docs.aws.amazon.com/general/latest/gr/glue.html"


@dataclass(frozen=True)
class Limit:
    """A documented maximum: what is counted, the figure, its unit as a message says it, and where it is written."""

    what: str
    maximum: int
    unit: str
    source: str


# --- CloudFormation (CFN_QUOTAS): per template, and stacks per account and Region -----------------
RESOURCES = Limit("resources per stack", 500, "resources", CFN_QUOTAS)
OUTPUTS = Limit("outputs per stack", 200, "outputs", CFN_QUOTAS)
PARAMETERS = Limit("parameters per stack", 200, "parameters", CFN_QUOTAS)
MAPPINGS = Limit("mappings per stack", 200, "mappings", CFN_QUOTAS)
# "Template body size in an Amazon S3 object": 1 MB. Templates over 51,200 bytes ("in a request")
# cannot be passed inline; the CDK CLI uploads every template to the bootstrap bucket, so S3's applies.
TEMPLATE_BYTES = Limit("template", 1_000_000, "bytes", CFN_QUOTAS)
# "Stacks: maximum number of CloudFormation stacks that you can create" (per account and Region);
# nested stacks are stacks.
STACKS = Limit("stacks in the app", 2_000, "stacks (the account's stack quota per Region)", CFN_QUOTAS)

# --- IAM (IAM_QUOTAS): sizes in characters, white space not counted --------------------------------
MANAGED_POLICY = Limit("managed policy", 6_144, "characters after resolving tokens", IAM_QUOTAS)
ROLE_INLINE_POLICIES = Limit("inline policies of the role", 10_240, "characters after resolving tokens", IAM_QUOTAS)
MANAGED_POLICIES_PER_ROLE = Limit("managed policies attached to the role", 10, "policies", IAM_QUOTAS)
TRUST_POLICY = Limit("trust policy", 2_048, "characters after resolving tokens", IAM_QUOTAS)

# --- Resource policies -----------------------------------------------------------------------------
# "Bucket policies are limited to 20 KB in size."
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-iam-policies.html
BUCKET_POLICY = Limit("bucket policy", 20 * 1024, "bytes after resolving tokens", "S3 user guide: using-iam-policies")
# PutKeyPolicy: "The policy size limit is 32 kilobytes (32768 bytes)."
# https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
KEY_POLICY = Limit("key policy", 32_768, "bytes after resolving tokens", "KMS API reference: PutKeyPolicy")
# SNS policy quotas: "Bytes: 30 kb".
# https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html
TOPIC_POLICY = Limit("topic policy", 30 * 1024, "bytes after resolving tokens", "SNS developer guide: policy quotas")

# --- CloudWatch -------------------------------------------------------------------------------------
# Dashboard body structure: "an array of between 0 and 500 widget objects"; an alarm status widget's
# "alarms" array holds 1 to 100 alarm ARNs.
DASHBOARD_WIDGETS = Limit("dashboard widgets", 500, "widgets", CW_DASHBOARD_BODY)
ALARM_WIDGET_ALARMS = Limit("alarms in one alarm status widget", 100, "alarms", CW_DASHBOARD_BODY)
# CloudWatch quotas, Dashboards: "Up to 500 metrics per dashboard widget. Up to 2,500 metrics per
# dashboard, across all widgets."
WIDGET_METRICS = Limit("metrics in one dashboard widget", 500, "metrics", CW_QUOTAS)
DASHBOARD_METRICS = Limit("dashboard metrics", 2_500, "metrics", CW_QUOTAS)
# CloudWatch quotas, Alarms: "Alarms based on metric math expressions can have up to 10 metrics";
# "200 Metrics Insights alarms per Region". A dashboard body is a template string: the template's
# size bounds it.
ALARM_METRICS = Limit("metrics in one alarm", 10, "metrics", CW_QUOTAS)
INSIGHTS_ALARMS = Limit("Metrics Insights alarms in the app", 200, "alarms (per Region)", CW_QUOTAS)

# --- EventBridge ------------------------------------------------------------------------------------
# "Event pattern size: 2,048 — maximum size of an event pattern, in characters" (adjustable).
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
EVENT_PATTERN = Limit("event pattern", 2_048, "characters after resolving tokens", "EventBridge quotas")

# --- Glue (GLUE_QUOTAS): per account and Region, default values -------------------------------------
GLUE_ACCOUNT = {
    "AWS::Glue::Job": Limit("Glue jobs in the app", 1_000, "jobs (the account's quota per Region)", GLUE_QUOTAS),
    "AWS::Glue::Crawler": Limit(
        "Glue crawlers in the app", 1_000, "crawlers (the account's quota per Region)", GLUE_QUOTAS
    ),
    "AWS::Glue::Trigger": Limit(
        "Glue triggers in the app", 1_000, "triggers (the account's quota per Region)", GLUE_QUOTAS
    ),
    "AWS::Glue::Workflow": Limit(
        "Glue workflows in the app", 1_000, "workflows (the account's quota per Region)", GLUE_QUOTAS
    ),
    "AWS::Glue::Classifier": Limit(
        "Glue classifiers in the app", 1_000, "classifiers (the account's quota per Region)", GLUE_QUOTAS
    ),
}

# Worst-case values of what the template leaves to deploy time.
ACCOUNT = "123456789012"
# The longest Region names have 14 characters (ap-southeast-2, ap-northeast-1, ...).
LONGEST_REGION = "ap-southeast-2"
# A name CloudFormation generates (`<stack>-<logical id>-<random>`) is cut to the service's maximum;
# 64 is IAM's role-name maximum and longer than what it generates for the others used here.
GENERATED_NAME = 64
KEY_ID = 36  # a KMS key id is a UUID


@dataclass(frozen=True)
class Usage:
    """One measured figure: where (`<stack>/<construct path>`), against which limit, and how much."""

    where: str
    limit: Limit
    figure: int

    @property
    def exceeded(self) -> bool:
        return self.figure > self.limit.maximum

    @property
    def share(self) -> float:
        return self.figure / self.limit.maximum

    def message(self) -> str:
        return f"`{self.where}`: {self.limit.what} {self.figure:,} of {self.limit.maximum:,} {self.limit.unit}"


@dataclass
class _Template:
    """One template of the assembly, with what resolving its tokens needs."""

    stack_name: str
    body: dict
    file: Path
    paths: dict[str, str]  # logical id -> construct path below the stack
    parent: _Template | None = None
    parameters: dict = field(default_factory=dict)  # values passed by the parent stack
    key: str = ""  # how a parent's Fn::GetAtt <nested>.Outputs.<name> finds it
    app: str = ""  # the construct that holds the stack (the platform's '<project>-<environment>')

    def where(self, logical_id: str) -> str:
        return f"{self.stack_name}/{self.paths.get(logical_id, logical_id)}"


class _Resolver:
    """Turns a template value with intrinsic functions into the longest string it can deploy as."""

    def __init__(self, templates: list[_Template], account: str | None, region: str | None) -> None:
        self.by_stack = {t.key or t.stack_name: t for t in templates}
        self.account = ACCOUNT if account is None else account
        self.region = LONGEST_REGION if region is None else region
        self.partition = (
            "aws-cn" if self.region.startswith("cn-") else "aws-us-gov" if self.region.startswith("us-gov-") else "aws"
        )
        self.url_suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        self.exports = {}
        for template in templates:
            for output in template.body.get("Outputs", {}).values():
                if isinstance(output, dict) and "Export" in output:
                    name = output["Export"].get("Name")
                    if isinstance(name, str):
                        self.exports[name] = (template, output["Value"])

    def resolve(self, value, template: _Template, depth: int = 0):
        if depth > 40:
            raise ValueError(f"{template.stack_name}: tokens nest too deep to resolve")
        again = lambda v, t=template: self.resolve(v, t, depth + 1)  # noqa: E731
        if isinstance(value, list):
            return [again(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: again(item) for key, item in value.items()}
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._ref(argument, template, depth)
        if function == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self._get_att(logical_id, attribute, template, depth)
        if function == "Fn::Join":
            separator, parts = argument
            return again(separator).join(_text(part) for part in _flat(again(parts)))
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            variables = {name: _text(again(v)) for name, v in variables.items()}

            def substitute(match: re.Match) -> str:
                name = match[1]
                if name in variables:
                    return variables[name]
                if "." in name:
                    logical_id, attribute = name.split(".", 1)
                    return _text(self._get_att(logical_id, attribute, template, depth + 1))
                return _text(self._ref(name, template, depth + 1))

            return re.sub(r"\$\{([^!}][^}]*)\}", substitute, text)
        if function == "Fn::Select":
            index, items = again(argument)
            items = list(items) if isinstance(items, list) else [items]
            return items[int(index)] if int(index) < len(items) else ""
        if function == "Fn::Split":
            separator, text = again(argument)
            return _text(text).split(separator)
        if function == "Fn::If":
            _, yes, no = argument
            yes, no = again(yes), again(no)
            return yes if len(json.dumps(yes)) >= len(json.dumps(no)) else no
        if function == "Fn::FindInMap":
            name, first, second = (_text(again(a)) for a in argument[:3])
            mapping = template.body.get("Mappings", {}).get(name, {})
            candidates = (
                [mapping.get(first, {}).get(second)]
                if first in mapping
                else [entry.get(second) for entry in mapping.values()]
            )
            found = [again(c) for c in candidates if c is not None]
            return max(found, key=lambda v: len(json.dumps(v)), default="")
        if function == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abcdef"]
        if function == "Fn::Base64":
            return base64.b64encode(_text(again(argument)).encode()).decode()
        if function == "Fn::ImportValue":
            name = _text(again(argument))
            if name not in self.exports:
                return "x" * GENERATED_NAME
            producer, exported = self.exports[name]
            return self.resolve(exported, producer, depth + 1)
        if function == "Fn::GetStackOutput":
            producer = self.by_stack.get(_text(again(argument.get("StackName"))))
            output = None if producer is None else producer.body.get("Outputs", {}).get(argument.get("OutputName"))
            return "x" * GENERATED_NAME if output is None else self.resolve(output["Value"], producer, depth + 1)
        if function == "Fn::ToJsonString":
            return json.dumps(again(argument), separators=(",", ":"))
        if function == "Fn::Length":
            items = again(argument)
            return len(items) if isinstance(items, list) else 1
        if function.startswith("Fn::") or function == "Condition":
            return again(argument)
        return {function: again(argument)}

    def _ref(self, name: str, template: _Template, depth: int):
        pseudo = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": template.stack_name,
            "AWS::StackId": f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:stack/"
            f"{template.stack_name}/{'0' * 36}",
            "AWS::NoValue": "",
            "AWS::NotificationARNs": [],
        }
        if name in pseudo:
            return pseudo[name]
        parameters = template.body.get("Parameters", {})
        if name in parameters:
            if name in template.parameters and template.parent is not None:
                return self.resolve(template.parameters[name], template.parent, depth + 1)
            default = parameters[name].get("Default", "x" * GENERATED_NAME)
            return "0" if parameters[name].get("Type", "").startswith("AWS::SSM::") else default
        resource = template.body.get("Resources", {}).get(name)
        if resource is None:
            return "x" * GENERATED_NAME
        return self._physical(resource, template, depth, ref=True)

    def _get_att(self, logical_id: str, attribute: str, template: _Template, depth: int):
        resource = template.body.get("Resources", {}).get(logical_id)
        if resource is None:
            return "x" * GENERATED_NAME
        kind = resource["Type"]
        if kind == "AWS::CloudFormation::Stack" and attribute.startswith("Outputs."):
            nested = self.by_stack.get(_nested_name(template, logical_id))
            output = None if nested is None else nested.body.get("Outputs", {}).get(attribute.split(".", 1)[1])
            return "x" * GENERATED_NAME if output is None else self.resolve(output["Value"], nested, depth + 1)
        if attribute in ("Arn", "TopicArn", "KeyArn") or attribute.endswith("Arn"):
            return self._arn(resource, template, depth)
        if attribute == "KeyId":
            return "0" * KEY_ID
        if attribute in ("RegionalDomainName", "DomainName"):
            return f"{self._name(resource, template, depth)}.s3.{self.region}.{self.url_suffix}"
        return self._name(resource, template, depth)

    def _name(self, resource: dict, template: _Template, depth: int) -> str:
        properties = resource.get("Properties", {})
        kind = resource["Type"]
        candidates = [f"{kind.rsplit('::', 1)[-1]}Name", "Name", "RoleName", "ManagedPolicyName", "BucketName"]
        if kind == "AWS::Glue::Database":
            candidates.insert(0, "DatabaseInput")
        for key in candidates:
            value = properties.get(key)
            if isinstance(value, dict) and "Name" in value and key == "DatabaseInput":
                value = value["Name"]
            if value is not None:
                return _text(self.resolve(value, template, depth + 1))
        if kind == "AWS::KMS::Key":
            return "0" * KEY_ID
        return "x" * GENERATED_NAME

    def _physical(self, resource: dict, template: _Template, depth: int, *, ref: bool) -> str:
        kind = resource["Type"]
        # These return their ARN from Ref; the others their name or id.
        if ref and kind in ("AWS::IAM::ManagedPolicy", "AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self._arn(resource, template, depth)
        return self._name(resource, template, depth)

    def _arn(self, resource: dict, template: _Template, depth: int) -> str:
        kind = resource["Type"]
        name = self._name(resource, template, depth)
        head = f"arn:{self.partition}"
        regional = f"{self.region}:{self.account}"
        shapes = {
            "AWS::IAM::Role": f"{head}:iam::{self.account}:role/{name}",
            "AWS::IAM::ManagedPolicy": f"{head}:iam::{self.account}:policy/{name}",
            "AWS::IAM::InstanceProfile": f"{head}:iam::{self.account}:instance-profile/{name}",
            "AWS::S3::Bucket": f"{head}:s3:::{name}",
            "AWS::KMS::Key": f"{head}:kms:{regional}:key/{'0' * KEY_ID}",
            "AWS::SNS::Topic": f"{head}:sns:{regional}:{name}",
            "AWS::Logs::LogGroup": f"{head}:logs:{regional}:log-group:{name}:*",
            "AWS::Lambda::Function": f"{head}:lambda:{regional}:function:{name}",
            "AWS::SecretsManager::Secret": f"{head}:secretsmanager:{regional}:secret:{name}-XXXXXX",
        }
        if kind in shapes:
            return shapes[kind]
        service = kind.split("::")[1].lower()
        return f"{head}:{service}:{regional}:{kind.rsplit('::', 1)[-1].lower()}/{name}"


def _flat(value) -> list:
    return [item for part in value for item in (_flat(part) if isinstance(part, list) else [part])]


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return json.dumps(value, separators=(",", ":"))


def _nested_name(parent: _Template, logical_id: str) -> str:
    return f"{parent.key or parent.stack_name}.{logical_id}"


def _compact(document) -> int:
    """Characters of a JSON document without white space outside its strings (how IAM counts)."""
    if isinstance(document, str):
        document = json.loads(document)
    return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False))


# --- Reading the assembly ---------------------------------------------------------------------------


def _logical_ids(metadata_files: list[Path], template: str) -> tuple[str | None, list[tuple[str, str]]]:
    """The construct path of the stack written to `template`, and (construct path, logical id) of
    everything below it."""
    stack_path, found = None, []
    for metadata_file in metadata_files:
        for path, items in json.loads(metadata_file.read_text()).items():
            for item in items:
                if item["type"] == "aws:cdk:templateFile" and item["data"] == template:
                    stack_path = path
                elif item["type"] == "aws:cdk:logicalId":
                    found.append((path, item["data"]))
    return stack_path, found


NESTED_STACK_RESOURCE = re.compile(r"^(?P<stack>.*)\.NestedStack/[^/]+\.NestedStackResource$")


def _paths_of(stack_path: str, entries: list[tuple[str, str]], nested_paths: set[str]) -> dict[str, str]:
    """Logical id -> construct path below `stack_path`, for the resources of that stack only (not
    those of the nested stacks below it, whose logical ids may repeat)."""
    found = {}
    for path, logical_id in entries:
        if not path.startswith(stack_path + "/"):
            continue
        owner = max((p for p in nested_paths | {stack_path} if path.startswith(p + "/")), key=len)
        if owner == stack_path:
            found[logical_id] = path[len(stack_path) + 1 :].removesuffix("/Resource")
    return found


def read_assembly(directory: Path) -> list[list[_Template]]:
    """The templates of the assembly in `directory`, grouped by (nested) cloud assembly: each group
    is one deployment, as a pipeline stage deploys its own."""
    manifest = json.loads((directory / "manifest.json").read_text())
    # Nested stack templates are file assets: their S3 object key is in the parent's TemplateURL.
    files = {
        destination["objectKey"]: asset["source"]["path"]
        for assets in directory.glob("*.assets.json")
        for asset in json.loads(assets.read_text()).get("files", {}).values()
        for destination in asset.get("destinations", {}).values()
        if asset["source"].get("path", "").endswith(".template.json")
    }
    groups: list[list[_Template]] = []
    templates: list[_Template] = []
    for artifact in manifest["artifacts"].values():
        properties = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            groups += read_assembly(directory / properties["directoryName"])
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        file = directory / properties["templateFile"]
        metadata = [directory / artifact["additionalMetadataFile"]] if "additionalMetadataFile" in artifact else []
        stack_path, entries = _logical_ids(metadata, file.name)
        stack_path = stack_path or "/" + artifact.get("displayName", file.stem)
        nested_paths = {m["stack"] for path, _ in entries if (m := NESTED_STACK_RESOURCE.match(path))}
        stack_name = properties.get("stackName") or artifact.get("displayName", file.stem).replace("/", "-")
        top = _Template(stack_name, json.loads(file.read_text()), file, _paths_of(stack_path, entries, nested_paths))
        top.app = artifact.get("displayName", stack_name).split("/")[0]
        templates.append(top)
        templates += _nested(top, stack_path, directory, files, entries, nested_paths)
    return [templates, *groups] if templates else groups


def _nested(
    parent: _Template,
    parent_path: str,
    directory: Path,
    files: dict[str, str],
    entries: list[tuple[str, str]],
    nested_paths: set[str],
) -> list[_Template]:
    found = []
    stack_paths = {logical_id: m["stack"] for path, logical_id in entries if (m := NESTED_STACK_RESOURCE.match(path))}
    for logical_id, resource in parent.body.get("Resources", {}).items():
        if resource["Type"] != "AWS::CloudFormation::Stack":
            continue
        url = json.dumps(resource.get("Properties", {}).get("TemplateURL"))
        asset = resource.get("Metadata", {}).get("aws:asset:path") or next(
            (path for key, path in files.items() if key in url), None
        )
        path = stack_paths.get(logical_id)
        if asset is None or path is None or not path.startswith(parent_path + "/"):
            continue
        file = directory / asset
        nested = _Template(
            f"{parent.stack_name}/{path[len(parent_path) + 1 :]}",
            json.loads(file.read_text()),
            file,
            _paths_of(path, entries, nested_paths),
            parent=parent,
            parameters=resource.get("Properties", {}).get("Parameters", {}),
            key=_nested_name(parent, logical_id),
            app=parent.app,
        )
        found.append(nested)
        found += _nested(nested, path, directory, files, entries, nested_paths)
    return found


# --- Measuring ---------------------------------------------------------------------------------------


def check_assembly(directory: Path, *, account: str | None, region: str | None) -> list[Usage]:
    """Every figure of every template of the assembly in `directory` against its limit."""
    usages: list[Usage] = []
    for group in read_assembly(directory):
        usages += check_templates(group, account=account, region=region)
    return usages


def check_templates(templates: list[_Template], *, account: str | None, region: str | None) -> list[Usage]:
    resolver = _Resolver(templates, account, region)
    usages: list[Usage] = [Usage(_app_name(templates), STACKS, len(templates))]
    kinds: Counter = Counter()
    insights_alarms = 0
    for template in templates:
        body = template.body
        resources = body.get("Resources", {})
        name = template.stack_name
        usages += [
            Usage(name, RESOURCES, len(resources)),
            Usage(name, OUTPUTS, len(body.get("Outputs", {}))),
            Usage(name, PARAMETERS, len(body.get("Parameters", {}))),
            Usage(name, MAPPINGS, len(body.get("Mappings", {}))),
            Usage(name, TEMPLATE_BYTES, template.file.stat().st_size),
        ]
        kinds.update(resource["Type"] for resource in resources.values())
        inline: Counter = Counter()
        attached: Counter = Counter()
        for logical_id, resource in resources.items():
            kind = resource["Type"]
            properties = resource.get("Properties", {})

            def resolved(value, _template=template):
                return resolver.resolve(value, _template)

            where = template.where(logical_id)
            if kind == "AWS::IAM::ManagedPolicy":
                usages.append(Usage(where, MANAGED_POLICY, _compact(resolved(properties["PolicyDocument"]))))
                for role in properties.get("Roles", []):
                    attached[_role_key(role)] += 1
            elif kind == "AWS::IAM::Policy":
                size = _compact(resolved(properties["PolicyDocument"]))
                for role in properties.get("Roles", []):
                    inline[_role_key(role)] += size
            elif kind == "AWS::IAM::Role":
                inline[logical_id] += sum(
                    _compact(resolved(policy["PolicyDocument"])) for policy in properties.get("Policies", [])
                )
                attached[logical_id] += len(properties.get("ManagedPolicyArns", []))
                if "AssumeRolePolicyDocument" in properties:
                    usages.append(
                        Usage(where, TRUST_POLICY, _compact(resolved(properties["AssumeRolePolicyDocument"])))
                    )
            elif kind == "AWS::S3::BucketPolicy":
                usages.append(Usage(where, BUCKET_POLICY, _compact(resolved(properties["PolicyDocument"]))))
            elif kind == "AWS::KMS::Key" and "KeyPolicy" in properties:
                usages.append(Usage(where, KEY_POLICY, _compact(resolved(properties["KeyPolicy"]))))
            elif kind in ("AWS::SNS::TopicPolicy", "AWS::SNS::TopicInlinePolicy"):
                usages.append(Usage(where, TOPIC_POLICY, _compact(resolved(properties["PolicyDocument"]))))
            elif kind == "AWS::Events::Rule" and "EventPattern" in properties:
                usages.append(Usage(where, EVENT_PATTERN, _compact(resolved(properties["EventPattern"]))))
            elif kind == "AWS::CloudWatch::Dashboard":
                usages += _dashboard(where, _text(resolved(properties["DashboardBody"])))
            elif kind == "AWS::CloudWatch::Alarm" and "Metrics" in properties:
                queries = properties["Metrics"]
                usages.append(Usage(where, ALARM_METRICS, sum(1 for q in queries if "MetricStat" in q)))
                insights_alarms += any(
                    str(q.get("Expression", "")).lstrip().upper().startswith("SELECT") for q in queries
                )
        for role, size in inline.items():
            if size:
                usages.append(Usage(template.where(role), ROLE_INLINE_POLICIES, size))
        for role, count in attached.items():
            usages.append(Usage(template.where(role), MANAGED_POLICIES_PER_ROLE, count))
    app = _app_name(templates)
    usages += [Usage(app, limit, kinds[kind]) for kind, limit in GLUE_ACCOUNT.items()]
    usages.append(Usage(app, INSIGHTS_ALARMS, insights_alarms))
    return usages


def _is_insights_query(expression) -> bool:
    return isinstance(expression, str) and expression.lstrip().upper().startswith("SELECT")


def _role_key(role) -> str:
    return role["Ref"] if isinstance(role, dict) and "Ref" in role else json.dumps(role, sort_keys=True)


def _app_name(templates: list[_Template]) -> str:
    apps = Counter(t.app for t in templates if t.parent is None and t.app)
    return apps.most_common(1)[0][0] if apps else "app"


def _dashboard(where: str, body: str) -> list[Usage]:
    widgets = json.loads(body).get("widgets", [])
    usages = [Usage(where, DASHBOARD_WIDGETS, len(widgets))]
    total = 0
    for index, widget in enumerate(widgets):
        properties = widget.get("properties", {})
        if widget.get("type") == "alarm":
            usages.append(Usage(f"{where} widget {index + 1}", ALARM_WIDGET_ALARMS, len(properties.get("alarms", []))))
        metrics = len(properties.get("metrics", []))
        total += metrics
        usages.append(Usage(f"{where} widget {index + 1}", WIDGET_METRICS, metrics))
    usages.append(Usage(where, DASHBOARD_METRICS, total))
    return usages


def exceeded(usages: list[Usage]) -> list[Usage]:
    return [usage for usage in usages if usage.exceeded]


def report(usages: list[Usage]) -> str:
    """The highest use of each limit, e.g. for a benchmark: '  62% managed policy (`...`: 3,810 of 6,144 ...)'."""
    highest: dict[str, Usage] = {}
    for usage in usages:
        if usage.limit.what not in highest or usage.share > highest[usage.limit.what].share:
            highest[usage.limit.what] = usage
    lines = [f"{usage.share:6.0%}  {usage.message()}" for usage in sorted(highest.values(), key=lambda u: -u.share)]
    return "\n".join(lines)
