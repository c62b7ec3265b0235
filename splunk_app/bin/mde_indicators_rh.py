"""REST handler behind /services/mde_indicators/* (restmap.conf, scripttype = persist, passSystemAuth)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from mde_splunk.handler import Api

try:
    from splunk.persistconn.application import PersistentServerConnectionApplication
except ImportError:  # outside splunkd, e.g. when the tests host the handler the way splunkd does
    PersistentServerConnectionApplication = object


class MdeIndicatorsHandler(PersistentServerConnectionApplication):
    def __init__(self, command_line=None, command_arg=None):
        super().__init__()
        self.api = Api()

    def handle(self, in_string):
        return self.api.handle(in_string)

    def handleStream(self, handle, in_string):
        raise NotImplementedError("streaming requests are not supported")

    def done(self):
        pass
