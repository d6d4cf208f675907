"""Answering open questions from the company's historical Q&A."""
