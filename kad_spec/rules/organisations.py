"""Rules: organisations."""
