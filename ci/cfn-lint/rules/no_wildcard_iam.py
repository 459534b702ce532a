"""Project policy for cfn-lint: no wildcard IAM (no "*" or "service:*" actions, no "*" resources)
in any policy the template grants, after the SAM transform has turned Policies into IAM roles."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class NoWildcardIam(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9101"
    shortdesc = "No wildcard IAM"
    description = 'IAM statements may not allow "*" actions, "service:*" actions, or "*" resources'
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ("iam", "project-policy")

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for name, resource in cfn.get_resources(
            ["AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]
        ).items():
            properties = resource.get("Properties", {})
            documents = [("PolicyDocument", properties["PolicyDocument"])] if "PolicyDocument" in properties else []
            for i, policy in enumerate(properties.get("Policies", []) or []):
                documents.append((f"Policies/{i}/PolicyDocument", policy.get("PolicyDocument", {})))
            for where, document in documents:
                for j, statement in enumerate(_as_list(document.get("Statement", []))):
                    if statement.get("Effect") != "Allow":
                        continue
                    path = ["Resources", name, "Properties", *where.split("/"), "Statement", j]
                    for action in _as_list(statement.get("Action", [])):
                        if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                            matches.append(RuleMatch(path + ["Action"], f"wildcard action {action} in {name}"))
                    for res in _as_list(statement.get("Resource", [])):
                        if res == "*":
                            matches.append(RuleMatch(path + ["Resource"], f'wildcard resource "*" in {name}'))
        return matches


class RetainedTables(CloudFormationLintRule):  # type: ignore[misc]
    id = "E9102"
    shortdesc = "Tables are retained"
    description = (
        "DynamoDB tables keep DeletionPolicy and UpdateReplacePolicy Retain: households' progress outlives the stack"
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ("dynamodb", "project-policy")

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: list[RuleMatch] = []
        for name, resource in cfn.get_resources(["AWS::DynamoDB::Table"]).items():
            for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
                if resource.get(attribute) != "Retain":
                    matches.append(RuleMatch(["Resources", name], f"{name} needs {attribute}: Retain"))
        return matches
