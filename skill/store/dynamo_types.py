"""The household record <-> DynamoDB attribute values (the low-level client's wire shapes).

boto3's TypeSerializer would do this, but importing anything from boto3 imports its whole package
(sessions, resource factories): about 70 ms of every cold start, for a record that only ever holds
strings, integers, booleans, nulls, lists and maps. Numbers travel as DynamoDB N strings and come
back as int (never float; a float is refused, as boto3 refuses it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def to_attribute(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__} in DynamoDB (floats are refused: use int)")


def from_attribute(attribute: dict[str, Any]) -> Any:
    """The plain value. What the skill never writes (sets, binary: a hand-edited item) reads as a list
    or None, for the record's own validation to drop: a damaged field must not cost the whole record."""
    ((kind, value),) = attribute.items()
    if kind in ("S", "BOOL"):
        return value
    if kind == "N":
        return _number(value)
    if kind == "L":
        return [from_attribute(v) for v in value]
    if kind == "M":
        return {k: from_attribute(v) for k, v in value.items()}
    if kind == "SS":
        return list(value)
    if kind == "NS":
        return [_number(v) for v in value]
    return None  # NULL, and B / BS


def _number(text: str) -> int | Decimal:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else number
