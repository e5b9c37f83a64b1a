"""What the benchmark scripts share: percentiles, and the table they print with the
command that produced it, also written to bench/results/<name>.json."""

import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2)


def report(name: str, title: str, results: dict[str, dict]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k in results) + 2
    for case, figures in results.items():
        print(f"{case:{width}} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    command = "python " + " ".join(sys.argv)
    print(f"\ncommand: DATABASE_URL=… {command}")
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    body = {"command": command, "results": results, "date": str(date.today())}
    out.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
