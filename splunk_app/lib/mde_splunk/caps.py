"""Capabilities and the REST endpoint's routes: who may do what (authorize.conf and restmap.conf agree; a test checks)."""

from typing import List, Tuple

ENDPOINT = "mde_indicators"
READ = "mde_indicators_read"
WRITE = "mde_indicators_write"
ADMIN = "mde_indicators_admin"

# (method, path under ENDPOINT, capability, handler method); "*" matches one path segment.
ROUTES: List[Tuple[str, Tuple[str, ...], str, str]] = [
    ("GET", ("indicators",), READ, "list_indicators"),
    ("POST", ("indicators", "import"), WRITE, "import_indicators"),
    ("POST", ("indicators", "delete"), WRITE, "delete_indicators"),
    ("GET", ("accounts",), ADMIN, "list_accounts"),
    ("POST", ("accounts",), ADMIN, "save_account"),
    ("DELETE", ("accounts", "*"), ADMIN, "delete_account"),
    ("POST", ("accounts", "*", "test"), ADMIN, "test_account"),
    ("POST", ("outbox", "retry"), WRITE, "retry_outbox"),
    ("POST", ("audit",), WRITE, "record_results"),
]
