"""Rules: times."""
