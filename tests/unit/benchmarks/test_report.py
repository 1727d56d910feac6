"""The benchmark's JSON report is written whatever figures a run produced."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.report import Section, section_json, write_json


def test_a_ratio_that_could_not_be_computed_is_written_as_null_wherever_it_sits(
    tmp_path: Path,
) -> None:
    section = Section(key="api", title="API", columns=["ratio"])
    section.add({"ratio": math.nan})
    section.details["rounds"] = [{"on/off": math.nan}, {"on/off": math.inf}]
    section.details["best"] = -math.inf

    out = tmp_path / "latest.json"
    write_json(out, {"scenarios": {"api": section_json(section)}})

    written = json.loads(out.read_text())["scenarios"]["api"]
    assert written["rows"] == [{"ratio": None}]
    assert written["details"] == {"rounds": [{"on/off": None}, {"on/off": None}], "best": None}
