"""A model of splunkd for the Splunk app: REST API, KV Store, persistent handlers, search protocol driver."""
