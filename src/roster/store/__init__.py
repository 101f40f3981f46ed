"""SQL only. Knows nothing of requests or dialects; SQL is written once for both engines."""
