"""Splunk glue of the TA-mde-indicators app: settings, the REST handler, search commands and logging.

APP is the app's folder name, which Splunk requires to equal its id; nothing else spells it.
"""

import os

APP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.basename(APP_DIR)
