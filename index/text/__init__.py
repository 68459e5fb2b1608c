"""Pure text primitives every stage shares: the one definition of a word, sentences, dates."""
