"""Vendor dialects: each parses its vendor's requests into core calls and renders replies."""
