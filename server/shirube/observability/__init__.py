"""What operators see of a running server: request ids, metrics and log lines
(docs/operations.md)."""
