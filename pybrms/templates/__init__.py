"""Jinja templates of the Stan programs pybrms generates (a data package)."""
