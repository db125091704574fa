"""Checks of the documents: no drift (figures, claims, typed numbers), and the built site's links."""
