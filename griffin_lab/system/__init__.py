"""Platform-wide concerns: engine health (status) and the audit log."""
