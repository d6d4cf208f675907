"""Rasa-side project files and Python (runs in the Rasa environment only)."""
