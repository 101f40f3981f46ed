"""Sendbird Platform API v3, users area (and bots, which are users)."""
