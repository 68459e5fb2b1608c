"""Inputs to articles: reading files and uploads, fetching pages, cleaning, chunking (pure but for fetch)."""
