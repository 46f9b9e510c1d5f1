"""The built-in Ground Truth task types this platform runs, and the AWS-published Lambda functions
that prepare (PRE-) and consolidate (ACS-) their tasks in each region.

Plain Python, no CDK: the labeling stack scopes its role with it, and `tools.labeling` puts the
same ARNs in its CreateLabelingJob requests. The accounts are the ones SageMaker documents for
`HumanTaskConfig.PreHumanTaskLambdaArn` and `AnnotationConsolidationConfig.AnnotationConsolidationLambdaArn`;
the regions are those where both functions of both task types are published.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskType:
    """A built-in Ground Truth task type: its functions' suffix and the worker template the stack ships."""

    name: str
    function_suffix: str
    template: str
    manifest_key: str  # the field of an input-manifest line that holds the data object
    description: str


TASK_TYPES = {
    "image": TaskType(
        name="image",
        function_suffix="ImageMultiClass",
        template="image-classification.liquid.html",
        manifest_key="source-ref",
        description="Image classification: one label per image",
    ),
    "text": TaskType(
        name="text",
        function_suffix="TextMultiClass",
        template="text-classification.liquid.html",
        manifest_key="source",
        description="Text classification: one label per text",
    ),
}

# Region -> the account that publishes the built-in functions there.
FUNCTION_ACCOUNTS = {
    "us-east-1": "432418664414",
    "us-east-2": "266458841044",
    "us-west-2": "081040173940",
    "ca-central-1": "918755190332",
    "eu-west-1": "568282634449",
    "eu-west-2": "487402164563",
    "eu-central-1": "203001061592",
    "ap-northeast-1": "477331159723",
    "ap-northeast-2": "845288260483",
    "ap-south-1": "565803892007",
    "ap-southeast-1": "377565633583",
    "ap-southeast-2": "454466003867",
}


class UnsupportedRegion(ValueError):
    pass


def function_account(region: str) -> str:
    """The account that publishes the built-in functions in `region`."""
    if region not in FUNCTION_ACCOUNTS:
        raise UnsupportedRegion(
            f"Ground Truth's built-in functions are not published in region {region!r}; "
            f"supported regions: {', '.join(sorted(FUNCTION_ACCOUNTS))}"
        )
    return FUNCTION_ACCOUNTS[region]


def function_arn(kind: str, task: str, region: str) -> str:
    """ARN of the pre-annotation (`kind='PRE'`) or consolidation (`kind='ACS'`) function of `task`."""
    account = function_account(region)
    if kind not in ("PRE", "ACS"):
        raise ValueError(f"kind is PRE or ACS, not {kind!r}")
    suffix = TASK_TYPES[task].function_suffix
    return f"arn:aws:lambda:{region}:{account}:function:{kind}-{suffix}"
