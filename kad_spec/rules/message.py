"""Rules: message."""
