"""The DynamoDB store, for Lambda: one item per household, written with optimistic locking.

Item: `pk` (hashed household key), `version` (N), `record` (M: the household record as native
DynamoDB types, numbers as Decimal), `expires_at` (N, epoch seconds: DynamoDB's TTL deletes records a
year after their last save).

The low-level client is made once per container, on first use, with timeouts and retries bounded so
that a slow or failing DynamoDB costs a turn at most about 2.5 s per call: the couple still hears an
answer well inside Alexa's ~8 s.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from skill.store import Stored, StoreError, VersionConflict
from skill.store.dynamo_types import from_attribute, to_attribute

TTL_SECONDS = 365 * 24 * 3600
# Worst case per call: 2 attempts x (0.5 s connect or 0.8 s read) + a short backoff ~= 2.5 s.
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 0.8
MAX_ATTEMPTS = 2


@cache
def _client(region: str | None, endpoint: str | None) -> Any:
    # botocore directly (boto3's client is botocore's): boto3's own package import adds ~70 ms to a
    # cold start and nothing this store uses. Deferred: importing the skill must not touch AWS.
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": MAX_ATTEMPTS, "mode": "standard"},  # attempts, first one included
        tcp_keepalive=True,
    )
    return botocore.session.get_session().create_client(
        "dynamodb", region_name=region, endpoint_url=endpoint, config=config
    )


def dynamodb_client() -> Any:
    """The container's client (one per region/endpoint, so tests can point elsewhere)."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    try:
        return _client(region, os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None)
    except Exception as e:  # e.g. NoRegionError: the store is unusable, the skill is not
        raise StoreError(f"cannot create the DynamoDB client: {e.__class__.__name__}") from e


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code") or error.__class__.__name__)


class DynamoStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = dynamodb_client()
        try:
            response: dict[str, Any] = getattr(client, operation)(TableName=self.table, **kwargs)
        except ClientError as e:
            if _error_code(e) == "ConditionalCheckFailedException":
                raise VersionConflict("the record changed since it was read") from e
            raise StoreError(f"DynamoDB {operation} failed: {_error_code(e)}") from e
        except BotoCoreError as e:  # timeouts, refused connections, ...
            raise StoreError(f"DynamoDB {operation} failed: {e.__class__.__name__}") from e
        return response

    def load(self, key: str) -> Stored | None:
        # Strongly consistent: after another device's save (or a version conflict) we must see it.
        item = self._call("get_item", Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")
        if item is None:
            return None
        record = from_attribute(item["record"]) if "M" in item.get("record", {}) else {}
        version = int(item["version"]["N"]) if "N" in item.get("version", {}) else 0
        return Stored(data=record, version=version)

    def save(self, key: str, data: dict[str, Any], expected_version: int) -> int:
        new_version = expected_version + 1
        item = {
            "pk": {"S": key},
            "version": {"N": str(new_version)},
            "record": to_attribute(data),
            "expires_at": {"N": str(int(time.time()) + TTL_SECONDS)},
        }
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#v = :expected",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        self._call("put_item", Item=item, **condition)
        return new_version

    def delete(self, key: str) -> None:
        self._call("delete_item", Key={"pk": {"S": key}})
