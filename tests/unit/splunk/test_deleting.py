"""mdedelete's rows: values de-duplicated by indicator identity, IDs as given."""

from __future__ import annotations

from mde_indicators.model import load_model
from mde_indicators.results import Status
from mde_splunk.deleting import Deleter


def statuses(deleter: Deleter, values: list) -> list:
    return [
        (i.result.status if i.result else "send")
        for v in values
        for i in deleter.row({"v": v, "id": v}).items
    ]


def test_values_repeat_under_the_case_rule_but_url_paths_keep_their_case() -> None:
    deleter = Deleter(load_model(), None, "v", None)
    values = [
        "44D88612FEA8A8F36DE82E1278ABB02F",
        "44d88612fea8a8f36de82e1278abb02f",
        "http://evil.example/A",
        "HTTP://EVIL.EXAMPLE/A",
        "http://evil.example/a",
    ]
    assert statuses(deleter, values) == ["send", Status.DUPLICATE, "send", Status.DUPLICATE, "send"]


def test_ids_are_compared_as_given() -> None:
    deleter = Deleter(load_model(), "id", None, None)
    assert statuses(deleter, ["12", "12", "13"]) == ["send", Status.DUPLICATE, "send"]
