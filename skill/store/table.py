"""The household table as `template.yaml` declares it, and `python -m skill create-table`.

template.yaml is the one source of truth: this reads the `HouseholdsTable` resource from it, so a
local or hand-made table has exactly the deployed key schema, billing mode, encryption and TTL.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
RESOURCE = "HouseholdsTable"


def table_spec(template: Path = TEMPLATE) -> dict[str, Any]:
    """The Properties of the table resource in the SAM template."""
    import yaml  # local tooling only; never imported on Lambda

    class CfnLoader(yaml.SafeLoader):
        """Reads CloudFormation short-form tags (!Ref, !GetAtt, !Sub, ...) as plain mappings."""

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node)
        else:
            value = loader.construct_mapping(node)  # type: ignore[arg-type]
        return {suffix: value}

    CfnLoader.add_multi_constructor("!", tag)
    resource = yaml.load(template.read_text(), Loader=CfnLoader)["Resources"][RESOURCE]
    if resource.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"{RESOURCE} in {template.name} is not a DynamoDB table")
    properties: dict[str, Any] = resource["Properties"]
    return properties


def create_table(client: Any, name: str, spec: dict[str, Any] | None = None) -> bool:
    """Creates the table if it is missing and waits until it is active; returns whether it created it."""
    spec = spec or table_spec()
    existing = client.list_tables().get("TableNames", [])
    if name in existing:
        return False
    params: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": spec["AttributeDefinitions"],
        "KeySchema": spec["KeySchema"],
        "BillingMode": spec["BillingMode"],
    }
    if sse := spec.get("SSESpecification"):
        params["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
    client.create_table(**params)
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    if ttl := spec.get("TimeToLiveSpecification"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
        )
    pitr = spec.get("PointInTimeRecoverySpecification", {})
    if pitr.get("PointInTimeRecoveryEnabled"):
        try:
            client.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        except client.exceptions.ClientError as e:
            # DynamoDB Local has no backups ("UnknownOperationException"); AWS itself supports it.
            print(f"note: point-in-time recovery not enabled here: {e}", file=sys.stderr)
    return True


def main() -> int:
    name = os.environ.get("TABLE_NAME")
    if not name:
        print("error: set TABLE_NAME to the table to create", file=sys.stderr)
        return 2
    import boto3

    try:
        client = boto3.client("dynamodb")
        created = create_table(client, name)
    except Exception as e:  # noqa: BLE001 - a readable message, not a stack trace, for a deployer
        print(f"error: could not create {name}: {e}", file=sys.stderr)
        return 1
    print(f"created table {name}" if created else f"table {name} already exists")
    return 0
