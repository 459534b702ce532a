"""The benchmark's smoke run (`python -m bench --smoke`): one sample of everything, so CI notices when
the benchmark breaks. No timing is asserted here; the timings are read in bench/results.md."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from bench.report import VARIANTS

from support import ROOT, run_module

# As the run started: before the fixtures point HTTPS trust at the Alexa API stand-in (the build pips).
ENV = dict(os.environ)


def test_the_benchmark_smoke_run_measures_everything(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    done = run_module("bench", "--smoke", "--out", str(out), env=ENV, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.with_suffix(".json").read_text())
    for variant in VARIANTS:
        cold = results["cold"]["medians"][variant]
        assert all(math.isfinite(v) and v >= 0 for v in cold.values()), (variant, cold)
        assert cold["wall_s"] > 0 and cold["peak_mib"] > 0
    for store in ("sqlite", "dynamodb"):
        warm = results["warm"][store]
        assert warm["turns"] > 0 and warm["sessions"] == 4  # one walk of each exercise
        assert warm["p99_ms"] >= warm["p50_ms"] > 0
    assert results["warm"]["hello"]["turns"] > 0
    assert results["artifact"]["zipped_mb"] > 0 and results["artifact"]["unzipped_mb"] > 0
    table = out.read_text()
    for heading in ("## Cold start", "## Warm turns", "## Store operations", "## Deployment artifact", "## Targets"):
        assert heading in table
    # The run leaves the repository as it found it: the precompiled content is the build's, not ours.
    assert not (ROOT / "content" / "_catalog.pickle").exists()
    assert not (ROOT / "content" / "templates" / "_compiled").exists()
