"""The follow-up REST API: tasks, care episodes and contact attempts."""
