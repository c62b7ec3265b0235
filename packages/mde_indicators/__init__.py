"""Manage Microsoft Defender for Endpoint custom indicators: schema, validation, auth and an API client."""

__version__ = "0.1.0"
