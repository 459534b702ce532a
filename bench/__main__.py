"""`python -m bench [--smoke]`: cold start, warm turns, store operations and artifact size, side by side
with the ASK SDK baselines, in one run. Writes bench/results.md (and .json) and prints the table.

Machines here are noisy: every timing is repeated and reported as a median (warm turns as p50/p99),
and cold starts as ratios to the hello-world floor. `--smoke` runs each measurement once, for CI: it
fails only if the benchmark itself breaks, never on a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metered import MeteredApis, MeteredStore  # noqa: E402
from bench.report import VARIANTS, markdown, targets  # noqa: E402
from devtools.dynamodb_local import DUMMY_AWS_ENV, DynamoDBLocal, client  # noqa: E402

NO_CHANGE_INTENTS = ("AMAZON.HelpIntent", "AMAZON.RepeatIntent", "AMAZON.FallbackIntent")
HELLO_TURNS_PER_ROUND = 100


@contextmanager
def lambda_like_code() -> Iterator[Path]:
    """A copy of the code as the Lambda artifact ships it, for the cold starts: bytecode compiled
    ahead (Lambda's file system is read-only, so nothing is cached there at run time), templates and
    catalogue precompiled. A copy, so that the working tree is left as it was."""
    import compileall
    import shutil

    with tempfile.TemporaryDirectory(prefix="bench-code-") as tmp:
        code = Path(tmp)
        for folder in ("skill", "lambda", "bench", "devtools", "content"):
            shutil.copytree(ROOT / folder, code / folder, ignore=shutil.ignore_patterns("__pycache__", "_compiled"))
        subprocess.run([sys.executable, "-m", "skill", "compile"], cwd=code, check=True)  # the copy's skill
        compileall.compile_dir(str(code), quiet=1)
        yield code


@contextmanager
def dynamodb_local() -> Iterator[dict[str, str]]:
    """DynamoDB Local with the skill's table and the baseline's, and the environment that uses them."""
    from skill.store.table import create_table

    server = DynamoDBLocal().start()
    try:
        admin = client(server.endpoint)
        create_table(admin, "households")
        admin.create_table(
            TableName="baseline",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        # DynamoDB Local is a JVM: until its JIT settles it answers slowly and takes a core from the
        # processes being measured. Warm it first.
        for i in range(300):
            admin.put_item(TableName="baseline", Item={"id": {"S": f"warm-{i % 10}"}})
            admin.get_item(TableName="baseline", Key={"id": {"S": f"warm-{i % 10}"}})
        env = {
            **DUMMY_AWS_ENV,
            "AWS_ENDPOINT_URL_DYNAMODB": server.endpoint,
            "TABLE_NAME": "households",
            "BASELINE_TABLE": "baseline",
        }
        yield env
    finally:
        server.stop()


# --- 1. cold start -------------------------------------------------------------------------------
def cold_starts(env: dict[str, str], repeat: int, code: Path) -> dict[str, Any]:
    """Medians per entry point, and the targets' ratios taken round by round: a round runs every entry
    point once, back to back, so a ratio within a round cancels the machine's slower and faster spells."""
    samples: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    child_env = {**os.environ, **env, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(repeat):
        for variant in random.sample(list(VARIANTS), len(VARIANTS)):  # in a random order each round
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-m", "bench.coldstart", variant],
                cwd=code,
                env=child_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert child.stdout is not None
            line = child.stdout.readline()  # the answer is in: a cold start as the caller feels it
            wall = time.perf_counter() - started
            _, err = child.communicate(timeout=120)
            if child.returncode != 0 or not line:
                raise RuntimeError(f"cold start of {variant} failed: {err[-2000:]}")
            samples[variant].append({**json.loads(line), "wall_s": wall})
    rounds = [{v: samples[v][i]["wall_s"] for v in VARIANTS} for i in range(repeat)]
    return {
        "medians": {v: {k: statistics.median(s[k] for s in runs) for k in runs[0]} for v, runs in samples.items()},
        # Ours over the DynamoDbAdapter baseline, and over (floor + one boto3 client's own cost).
        "vs_adapter": statistics.median(r["skill"] / r["hello_dynamodb"] for r in rounds),
        "vs_floor_plus_client": statistics.median(
            r["skill"] / (r["hello"] + r["boto3_client"] - r["python"]) for r in rounds
        ),
    }


# --- 2 and 3. warm turns and store operations ----------------------------------------------------
def walk(send: Callable[[dict[str, Any], bool], None], exercise: str) -> None:
    """A whole exercise, as a couple would: launch, start, and next to the end, asking for help, a
    repeat and something unexpected at every step. `send(request, changes_nothing)`."""
    from skill.chat.envelopes import intent_request, launch_request
    from skill.chat.nlu import SlotFill
    from skill.content import default_catalog

    send(launch_request(), False)
    send(intent_request("StartExerciseIntent", {"exercise": SlotFill(exercise, "EXERCISE", exercise, exercise)}), False)
    steps = default_catalog().exercises[exercise].steps
    for _ in range(sum(s.turns for s in steps[:-1])):
        for intent in NO_CHANGE_INTENTS:
            send(intent_request(intent, {}), True)
        send(intent_request("AMAZON.NextIntent", {}), False)
    send(intent_request("AMAZON.NoIntent", {}), False)


@dataclass
class Round:
    """One walk of every exercise: each turn's handler time, and the same without I/O, by exercise."""

    totals: list[float] = field(default_factory=list)
    without_io: dict[str, list[float]] = field(default_factory=dict)


class TurnMeter:
    """Sends turns to the skill and records each one's handler time, with and without I/O."""

    def __init__(self, handler: Callable[..., dict[str, Any]], store: MeteredStore, apis: MeteredApis) -> None:
        self.handler, self.store, self.apis = handler, store, apis
        self.rounds: list[Round] = []
        self.no_change_writes = 0

    def forget(self) -> None:
        """Drops everything measured so far (the walk that warmed the container)."""
        self.store.reset()
        self.rounds.clear()
        self.no_change_writes = 0

    def send(self, session: Any, exercise: str, request: dict[str, Any], changes_nothing: bool) -> None:
        envelope = session.request(request)
        io_before, writes_before = self.store.seconds + self.apis.seconds, self.store.writes
        started = time.perf_counter()
        session.absorb(self.handler(envelope, None))
        elapsed = time.perf_counter() - started
        io = self.store.seconds + self.apis.seconds - io_before
        self.rounds[-1].totals.append(elapsed)
        self.rounds[-1].without_io.setdefault(exercise, []).append(elapsed - io)
        if changes_nothing:
            self.no_change_writes += self.store.writes - writes_before


def warm_turns(env: dict[str, str], store_name: str, repeat: int) -> dict[str, Any]:
    """`repeat` rounds, each a walk of every exercise, after one that warms the container. Percentiles
    are taken per round, then their median: one stall of this noisy machine is not the skill's p99."""
    from skill.app import build_skill_builder
    from skill.chat.envelopes import Device, Session
    from skill.content import default_catalog
    from skill.store import store_from_env

    saved = dict(os.environ)
    os.environ.update(env)
    if store_name == "sqlite":
        os.environ.pop("TABLE_NAME", None)
    # The walk has no Alexa settings API to ask (the skill falls back to UTC and logs a warning per
    # session): keep the report readable.
    logging.disable(logging.WARNING)
    try:
        store, apis = MeteredStore(store_from_env()), MeteredApis()
        meter = TurnMeter(build_skill_builder(store=lambda: store, apis=apis).lambda_handler(), store, apis)
        exercises = list(default_catalog().exercises)
        for round_ in range(repeat + 1):
            if round_ == 1:
                meter.forget()
            meter.rounds.append(Round())
            for exercise in exercises:
                device = Device(
                    user_id=f"amzn1.ask.account.BENCH-{store_name}-{round_}", api_endpoint="https://127.0.0.1:9"
                )
                walk(functools.partial(meter.send, Session(device), exercise), exercise)
        rounds, sessions = meter.rounds, len(exercises) * repeat
        turns = sum(len(r.totals) for r in rounds)
        without_io = median_percentiles([[t for ts in r.without_io.values() for t in ts] for r in rounds])
        return {
            **median_percentiles([r.totals for r in rounds]),
            "p50_excl_store_ms": without_io["p50_ms"],
            "p99_excl_store_ms": without_io["p99_ms"],
            "turns": turns,
            "sessions": sessions,
            "reads": store.reads,
            "writes": store.writes,
            "conflicts": store.conflicts,
            "no_change_turn_writes": meter.no_change_writes,
            "reads_per_session": store.reads / sessions,
            "writes_per_turn": store.writes / turns,
            "by_exercise": {e: median_percentiles([r.without_io[e] for r in rounds]) for e in exercises},
        }
    finally:
        logging.disable(logging.NOTSET)
        os.environ.clear()
        os.environ.update(saved)


def hello_warm(repeat: int) -> dict[str, Any]:
    from bench.baselines.hello_world import lambda_handler
    from bench.coldstart import launch_envelope

    def turn() -> float:
        started = time.perf_counter()
        lambda_handler(launch_envelope(), None)  # type: ignore[arg-type]
        return time.perf_counter() - started

    for _ in range(10):  # warm
        turn()
    rounds = [[turn() for _ in range(HELLO_TURNS_PER_ROUND)] for _ in range(repeat)]
    return {"turns": HELLO_TURNS_PER_ROUND * repeat, **median_percentiles(rounds)}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(seconds, 50) * 1e3, "p99_ms": percentile(seconds, 99) * 1e3}


def median_percentiles(rounds: list[list[float]]) -> dict[str, float]:
    each = [percentiles(r) for r in rounds]
    return {k: statistics.median(p[k] for p in each) for k in ("p50_ms", "p99_ms")}


# --- 4. the deployment artifact ------------------------------------------------------------------
def artifact_size() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-artifact-") as tmp:
        artifact = Path(tmp) / "artifact"
        built = subprocess.run(
            ["make", "-s", "build-SkillFunction", f"ARTIFACTS_DIR={artifact}", f"PYTHON={sys.executable}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if built.returncode != 0:
            raise RuntimeError(f"the Lambda build failed: {built.stderr[-2000:]}")
        unzipped = sum(p.stat().st_size for p in artifact.rglob("*") if p.is_file())
        archive = Path(tmp) / "function.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(artifact.rglob("*")):
                z.write(p, p.relative_to(artifact))
        return {"unzipped_mb": unzipped / 1e6, "zipped_mb": archive.stat().st_size / 1e6}


# --- the report ----------------------------------------------------------------------------------
def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    system = f"{platform.system()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {system}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one sample of everything (CI): checks the bench runs")
    parser.add_argument("--repeat", type=int, default=9, help="rounds of cold starts and of warm walks (default 9)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md", help="where to write the table")
    args = parser.parse_args(argv)
    repeat = 1 if args.smoke else args.repeat
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": machine(),
        "smoke": args.smoke,
        "repeat": repeat,
    }
    # Before DynamoDB Local starts: a JVM takes CPU at moments of its own choosing, and this machine
    # has few cores. What needs it is measured next. The SQLite file goes in memory where the machine
    # allows (tmpfs): the disk's writeback would otherwise land in later turns' handler time.
    ram = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="bench-", dir=ram) as tmp:
        sqlite_env = {"SKILL_DB_PATH": str(Path(tmp) / "households.sqlite3")}
        results["warm"] = {"sqlite": warm_turns(sqlite_env, "sqlite", repeat), "hello": hello_warm(repeat)}
    with dynamodb_local() as env, lambda_like_code() as code:
        results["cold"] = cold_starts(env, repeat, code)
        results["warm"]["dynamodb"] = warm_turns(env, "dynamodb", repeat)
    results["artifact"] = artifact_size()
    checked = targets(results)
    table = markdown(results, checked)
    args.out.write_text(table)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    print(table)
    missed = [text for text, ok in checked if not ok]
    if missed and not args.smoke:
        print(f"{len(missed)} target(s) missed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
