"""Export records live here as the statistics exports are built."""
