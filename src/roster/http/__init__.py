"""HTTP plumbing shared by the dialects: routing on raw paths, bodies, query strings."""
