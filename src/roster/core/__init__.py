"""Dialect-neutral rules: values, queries, errors and the services that apply them."""
