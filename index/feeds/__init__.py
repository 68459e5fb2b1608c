"""Followed RSS/Atom/RDF/JSON feeds: parsing, the follow list beside the index, and polling them into it."""
