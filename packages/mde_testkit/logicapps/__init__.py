"""An offline Logic Apps runtime: WDL and ARM expressions, the workflow runner and the playbook harness."""
