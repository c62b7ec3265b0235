"""The app's glue package (splunk_app/lib/mde_splunk) importable from source for unit tests."""

import sys

from mde_indicators_build.splunk.render import SOURCE

sys.path.insert(0, str(SOURCE / "lib"))
