"""Development and test tooling: stand-in servers, synthetic data, local Temporal/PostgreSQL, the demo.

Not part of the product: the container image does not ship it and nothing under poradnia/ imports it.
"""
