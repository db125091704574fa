"""The site: MkDocs plugin, macros, the check of the built site and the build cache."""
