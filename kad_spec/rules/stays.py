"""Rules: stays."""
