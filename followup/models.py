"""Follow-up data (care pathway, tasks, cascade) lives here as it is built."""
