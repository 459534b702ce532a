"""One cold start, in the fresh process this module runs in:

    python -m bench.coldstart VARIANT   (skill | hello | hello_dynamodb | boto3_client | python)

Prints one JSON line: seconds to import the entry point, seconds for the first request (which reads
the store where there is one), and the process's peak memory."""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = {
    "skill": ROOT / "lambda" / "lambda_function.py",
    "hello": ROOT / "bench" / "baselines" / "hello_world.py",
    "hello_dynamodb": ROOT / "bench" / "baselines" / "hello_dynamodb.py",
}


def launch_envelope() -> dict[str, Any]:
    # Built by hand (not with skill.chat) so the baselines do not import the skill.
    system = {
        "application": {"applicationId": "amzn1.ask.skill.bench"},
        "user": {"userId": "amzn1.ask.account.BENCH"},
        "device": {"deviceId": "amzn1.ask.device.BENCH", "supportedInterfaces": {}},
        "apiEndpoint": "https://127.0.0.1:9",
        "apiAccessToken": "token",
    }
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.bench",
            "application": system["application"],
            "attributes": {},
            "user": system["user"],
        },
        "context": {"System": system},
        "request": {
            "type": "LaunchRequest",
            "requestId": "amzn1.echo-api.request.bench",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "locale": "en-US",
        },
    }


def main(variant: str) -> None:
    started = time.perf_counter()
    if variant == "python":  # the interpreter alone: what every variant pays to start
        imported = first = started
    elif variant == "boto3_client":
        import boto3

        boto3.client("dynamodb")
        imported = first = time.perf_counter()
    else:
        spec = importlib.util.spec_from_file_location("entry", ENTRIES[variant])
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        imported = time.perf_counter()
        response = module.lambda_handler(launch_envelope(), None)
        first = time.perf_counter()
        assert response["response"]["outputSpeech"], response
    # Flushed at once: the parent takes the time this line arrives, before the interpreter's exit.
    print(json.dumps({"import_s": imported - started, "first_s": first - imported, "peak_mib": peak_mib()}), flush=True)


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec,
    so a child of a large parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main(sys.argv[1])
