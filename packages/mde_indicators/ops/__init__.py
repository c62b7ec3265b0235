"""Operator-side features built on the core: file inputs (CSV, JSON, STIX, text), sync and profiles.

The Splunk app does not ship this package; adapters that read feeds (the CLI, SOAR) use it.
"""
