"""splunk-appinspect (precert, cloud tag) on the built .spl: no failure, error or future failure."""

from __future__ import annotations

from pathlib import Path

from mde_indicators_build import package, splunk


def test_appinspect_cloud_finds_no_failure_and_no_future_failure(tmp_path: Path) -> None:
    staged = splunk.stage(tmp_path / splunk.APP)
    spl = package.build_tgz(staged, tmp_path / f"{splunk.APP}.spl")
    result = splunk.appinspect(spl, tmp_path / "report.json")
    summary = result["summary"]
    problems = [f for f in result["findings"] if f["result"] != "warning"]
    assert (summary["failure"], summary["error"], summary["future_failure"]) == (0, 0, 0), problems
    assert summary["success"] > 100
