"""Where given strings occur in a document as whole words, found in one pass over its words.

The rules that spread a tagged string to its other mentions need the places of many strings at
once. Searching the text once per string would be quadratic in a long document with many
entities; instead the strings go into a trie over their words (the words of
`sentences.tokenize`, as the model sees them), and the document's words are walked once, each
position following the trie as deep as it matches. A match starts and ends on word boundaries
and equals the string exactly, spaces included, within one passage.
"""

from typing import Dict, Iterable, List, Tuple

from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document

_STRINGS = None  # The trie key under which a node lists the strings that end there.


def _trie(strings: Iterable[str]) -> dict:
  root = {}
  for string in strings:
    words = [token.text for token in sentences_lib.tokenize(string)]
    if not words:
      continue
    node = root
    for word in words:
      node = node.setdefault(word, {})
    node.setdefault(_STRINGS, []).append(string)
  return root


def find_occurrences(doc: Document, strings: Iterable[str]) -> Dict[str, List[Tuple[int, int]]]:
  """Returns, for each of `strings`, the `(start, end)` document offsets of its whole-word
  occurrences in order; a string that does not occur (or has no words) maps to []."""
  strings = set(strings)
  found = {string: [] for string in strings}
  root = _trie(strings)
  for passage in doc.passages:
    tokens = sentences_lib.tokenize(passage.text, passage.offset)
    for first, token in enumerate(tokens):
      node = root.get(token.text)
      last = first
      while node is not None:
        start, end = token.start, tokens[last].end
        for string in node.get(_STRINGS, ()):
          if passage.text[start - passage.offset:end - passage.offset] == string:
            found[string].append((start, end))
        last += 1
        node = node.get(tokens[last].text) if last < len(tokens) else None
  return found
