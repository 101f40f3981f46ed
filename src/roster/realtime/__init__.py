"""Real-time edge: the presence WebSocket."""
