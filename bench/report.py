"""The benchmark's results as Markdown (bench/results.md), and the README's targets checked against them."""

from __future__ import annotations

from typing import Any

VARIANTS = {
    "skill": "Closer Together on DynamoDB (Local)",
    "hello": "hello world, ask-sdk-core (the floor)",
    "hello_dynamodb": "hello world + ask_sdk_dynamodb DynamoDbAdapter",
    "boto3_client": "import boto3 + one DynamoDB client",
    "python": "the interpreter alone (start-up)",
}
STORES = ("sqlite", "dynamodb")
TARGET_WARM_P99_MS = 5.0


def targets(results: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each target, with the figure it was judged on, and whether it was met."""
    warm = results["warm"]
    vs_adapter, vs_floor = results["cold"]["vs_adapter"], results["cold"]["vs_floor_plus_client"]
    p99 = warm["sqlite"]["p99_excl_store_ms"]
    reads = ", ".join(f"{s}: {warm[s]['reads_per_session']:.2f}" for s in STORES)
    writes = ", ".join(f"{s}: {warm[s]['no_change_turn_writes']}" for s in STORES)
    return [
        (
            f"cold start no slower than hello world + DynamoDbAdapter (ours / theirs = {vs_adapter:.2f})",
            vs_adapter <= 1,
        ),
        (
            "cold start within 1.3x (hello-world floor + one boto3 client creation, the client's process "
            f"less the bare interpreter) (ours / that = {vs_floor:.2f})",
            vs_floor <= 1.3,
        ),
        (
            f"warm handler p99 under {TARGET_WARM_P99_MS:.0f} ms on SQLite, store and Alexa API I/O excluded "
            f"({p99:.2f} ms)",
            p99 < TARGET_WARM_P99_MS,
        ),
        (f"one store read per session ({reads})", all(warm[s]["reads_per_session"] == 1 for s in STORES)),
        (
            f"zero writes on turns that change nothing ({writes})",
            all(warm[s]["no_change_turn_writes"] == 0 for s in STORES),
        ),
    ]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def per(counts: dict[str, Any], operation: str) -> str:
    n = counts[operation]
    return f"{n} ({n / counts['sessions']:.2f} / session, {n / counts['turns']:.2f} / turn)"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms"


def markdown(results: dict[str, Any], checked: list[tuple[str, bool]]) -> str:
    cold, warm, size = results["cold"]["medians"], results["warm"], results["artifact"]
    floor, hello = cold["hello"]["wall_s"], warm["hello"]
    how = (
        " --smoke (one sample each: not for reading)" if results["smoke"] else f" ({results['repeat']} rounds, medians)"
    )
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['date']} on {results['machine']}, with `python -m bench`{how}.",
        "",
        "## Cold start",
        "",
        "A fresh Python process imports the Lambda entry point and answers a first LaunchRequest (which reads the",
        "store, where there is one). Wall time is measured from outside the process: from its start until the answer",
        "is out (not its exit, which Lambda never waits for). Code is precompiled as the Lambda artifact ships it.",
        "Each round starts every entry point once, in a random order; the targets compare within a round",
        "(median of the rounds' ratios), which cancels the machine's slow and fast spells.",
        "",
        *table(
            ["entry point", "wall", "import", "first request", "peak memory", "wall / floor"],
            [
                [
                    label,
                    ms(c["wall_s"]),
                    ms(c["import_s"]),
                    ms(c["first_s"]),
                    f"{c['peak_mib']:.0f} MiB",
                    f"{c['wall_s'] / floor:.2f}",
                ]
                for label, c in ((label, cold[v]) for v, label in VARIANTS.items())
            ],
        ),
        "",
        "## Warm turns",
        "",
        "Handler time per turn over whole walks of all four exercises (launch, start, then help, repeat,",
        "fallback and next at every step), after a first walk to warm the container. Each round walks every",
        "exercise once; the percentiles are the median of the rounds' own. Without I/O: leaving out the time",
        "spent in store calls and Alexa API calls (the device time zone). The SQLite file is on tmpfs where",
        "there is one, so that the disk's writeback does not land in other turns' time.",
        "",
        *table(
            ["skill, store", "turns", "p50", "p99", "p50 without I/O", "p99 without I/O", "p50 without I/O / hello"],
            [
                [
                    f"Closer Together, {s}",
                    str(warm[s]["turns"]),
                    *(f"{warm[s][k]:.2f} ms" for k in ("p50_ms", "p99_ms", "p50_excl_store_ms", "p99_excl_store_ms")),
                    f"{warm[s]['p50_excl_store_ms'] / hello['p50_ms']:.1f}",
                ]
                for s in STORES
            ]
            + [
                [
                    "hello world (no store)",
                    str(hello["turns"]),
                    f"{hello['p50_ms']:.2f} ms",
                    f"{hello['p99_ms']:.2f} ms",
                    "",
                    "",
                    "1.0",
                ]
            ],
        ),
        "",
        "Per exercise, without I/O (p50 / p99):",
        "",
        *table(
            ["exercise", *STORES],
            [
                [
                    e,
                    *(
                        f"{warm[s]['by_exercise'][e]['p50_ms']:.2f} / {warm[s]['by_exercise'][e]['p99_ms']:.2f} ms"
                        for s in STORES
                    ),
                ]
                for e in warm["sqlite"]["by_exercise"]
            ],
        ),
        "",
        "## Store operations",
        "",
        "Counted over the warm walks: each operation in all, per session, and per turn.",
        "",
        *table(
            ["store", "sessions", "turns", "reads", "writes", "conditional failures", "writes on no-change turns"],
            [
                [
                    s,
                    str(warm[s]["sessions"]),
                    str(warm[s]["turns"]),
                    *(per(warm[s], k) for k in ("reads", "writes", "conflicts")),
                    str(warm[s]["no_change_turn_writes"]),
                ]
                for s in STORES
            ],
        ),
        "",
        "## Deployment artifact",
        "",
        f"{size['unzipped_mb']:.1f} MB unzipped, {size['zipped_mb']:.1f} MB zipped "
        "(arm64, `make build-SkillFunction`).",
        "",
        "## Targets",
        "",
        *(f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in checked),
    ]
    return "\n".join(lines) + "\n"
