"""Quotebot's engine: articles in, quoted answers out. It knows nothing of Discord or the terminal.

Stages, in the order an article and then a question meet them: ``ingest`` (files, pages and feed entries
to clean articles and chunks), ``models`` (the embedder, the question encoder, the trained reader),
``storage`` (the store seam and its local and Milvus implementations), ``ranking`` (retrieval, then pure
stages, then quotes); ``text`` holds the pure text primitives they share (the one tokenizer, sentences,
dates). ``engine.Engine`` is the one object the front ends call; ``indexing`` is its write path and
``feeds`` polls followed feeds into it.
"""
