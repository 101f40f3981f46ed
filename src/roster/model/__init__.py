"""Plain values shared by every layer: the store returns them, the core reasons with them.

Nothing here imports from the store, the core or a dialect.
"""
