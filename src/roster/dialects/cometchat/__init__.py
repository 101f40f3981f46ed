"""CometChat REST API v3, users area."""
