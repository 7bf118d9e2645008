"""Rules: diagnoses."""
