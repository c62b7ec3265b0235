"""MDE custom indicators as Splunk SOAR actions: thin wrappers over the mde_indicators core (runtime and ops)."""
