"""Rules: identity."""
