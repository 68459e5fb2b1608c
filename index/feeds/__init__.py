"""Followed RSS/Atom/RDF feeds: parsing, the follow list beside the index, and polling them into it."""
