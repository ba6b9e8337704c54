"""English formats of the registry."""
