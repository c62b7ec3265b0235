"""Test doubles and drivers for the platforms that cannot run here, and the interpreter finder.

splunk/ models splunkd (REST API, KV Store, the persistent-handler host) and drives search commands over
the chunked protocol; logicapps/ evaluates Logic Apps workflows and ARM templates offline. Each double
names the real behaviours it models and their sources. Used by the tests, the demo and the benchmarks;
never packaged.
"""
