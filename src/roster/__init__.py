"""Roster: a self-hosted users service that speaks the CometChat and Sendbird user APIs."""

__version__ = "0.1.0"
