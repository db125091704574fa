"""Markdown and HTML fragments the site generates from code and reports (pure functions)."""
