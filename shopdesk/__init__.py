"""Shared core of the Pinecrest Outfitters customer-service assistant.

Settings, errors, personal-data redaction and the composition root that builds
services for actions and the web app.
"""

__version__ = "0.1.0"
