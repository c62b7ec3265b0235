"""Drive a Splunk SOAR app as the platform would, offline: each action runs in its own process in the app's
Python 3.13 venv through the SDK's own runner (runner.py). There is no SOAR server to stand in for: the
SDK's local runner builds the same input the platform sends, encrypts the asset's sensitive fields with its
shim and decrypts them again, as spawn does.
"""
