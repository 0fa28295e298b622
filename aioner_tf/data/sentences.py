"""Sentence splitting and word tokenisation that keep character offsets into the document.

Sentences come from syntok (a maintained rule-based segmenter that knows abbreviations such as
"e.g.", "i.v.", "Fig.", "vs.", "et al.", decimals and initials like "E. coli", and runs in
linear time). Words follow the AIONER pre-processing: runs of letters and digits stay whole
("Pro75Ala", "BRCA1"), every other visible character (punctuation, hyphen, slash, bracket) is a
token of its own. Two things are added by hand because no library does them:
  * a sentence boundary that would fall inside an annotation is dropped, so no entity is cut;
  * a word is cut where an annotation starts or ends inside it ("BRCA1-mutant" annotated on
    "BRCA1" is already two words; "p53wt" annotated on "p53" becomes "p53" + "wt").
Sentences partition the non-space text of a passage, so no character is lost.
"""

import bisect
import dataclasses
import re
from typing import Iterable, List, Sequence, Tuple

from syntok import segmenter
from syntok import tokenizer as syntok_tokenizer

from aioner_tf.data.document import Document

# A letter or digit followed by letters, digits or combining marks; or any other visible character.
COMBINING_MARKS = '\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f'
_WORD_RE = re.compile(rf'[^\W_](?:[^\W_]|[{COMBINING_MARKS}])*|[^\s]')
# The tokenizer `segmenter.analyze` uses.
_SYNTOK_TOKENIZER = syntok_tokenizer.Tokenizer(replace_not_contraction=False)


@dataclasses.dataclass(frozen=True)
class Token:
  """A word with its character offsets `[start, end)` in the document."""
  start: int
  end: int
  text: str


@dataclasses.dataclass(frozen=True)
class Sentence:
  """A sentence: its offsets in the document and its words."""
  start: int
  end: int
  tokens: Tuple[Token, ...]


def tokenize(text: str, offset: int = 0, cuts: Sequence[int] = ()) -> List[Token]:
  """Splits `text` into words with offsets shifted by `offset`; words are cut at `cuts`.

  `cuts` are document offsets (sorted) where a word must end, e.g. annotation boundaries.
  """
  tokens = []
  for match in _WORD_RE.finditer(text):
    start, end = match.start() + offset, match.end() + offset
    first = bisect.bisect_right(cuts, start)
    for cut in cuts[first:bisect.bisect_left(cuts, end)]:
      tokens.append(Token(start, cut, text[start - offset:cut - offset]))
      start = cut
    tokens.append(Token(start, end, text[start - offset:end - offset]))
  return tokens


def sentence_starts(text: str) -> List[int]:
  """Offsets in `text` where syntok starts a sentence (the first one excluded).

  This is `segmenter.analyze`, except that each paragraph is tokenised from offset 0 and shifted
  after: analyze prefixes a paragraph with as many spaces as its offset, which makes a text of
  many paragraphs (blank lines) quadratic.
  """
  starts = []
  for offset, paragraph in segmenter.preprocess_with_offsets(text):
    for sentence in segmenter.segment(_SYNTOK_TOKENIZER.tokenize(paragraph)):
      starts.append(offset + sentence[0].offset)
  return sorted(set(starts) - {0})


def _inside_any(spans: Sequence[Tuple[int, int]], positions: Iterable[int]) -> set:
  """Returns the positions p with some span start < p < end (spans sorted by start)."""
  inside, i, reach = set(), 0, -1
  for p in sorted(positions):
    while i < len(spans) and spans[i][0] < p:
      reach = max(reach, spans[i][1])
      i += 1
    if reach > p:
      inside.add(p)
  return inside


def split_text(text: str, offset: int = 0, spans: Sequence[Tuple[int, int]] = ()
               ) -> List[Sentence]:
  """Splits one passage into sentences of words.

  Args:
    text: the passage text.
    offset: the document offset of `text[0]`.
    spans: `(start, end)` document offsets of annotations: no sentence boundary falls inside
      one, and words are cut at their boundaries.
  """
  spans = sorted(spans)
  starts = [offset + s for s in sentence_starts(text)]
  blocked = _inside_any(spans, starts)
  bounds = [offset] + [s for s in starts if s not in blocked] + [offset + len(text)]
  cuts = sorted({p for span in spans for p in span})
  sentences = []
  for begin, end in zip(bounds, bounds[1:]):
    tokens = tokenize(text[begin - offset:end - offset], begin, cuts)
    if tokens:
      sentences.append(Sentence(tokens[0].start, tokens[-1].end, tuple(tokens)))
  return sentences


def split_document(doc: Document, spans: Sequence[Tuple[int, int]] = ()) -> List[Sentence]:
  """Splits every passage of `doc` into sentences; `spans` as in `split_text`."""
  spans = sorted(spans)
  sentences = []
  for passage in doc.passages:
    lo = bisect.bisect_left(spans, (passage.offset, -1))
    hi = bisect.bisect_left(spans, (passage.end, -1))
    sentences.extend(split_text(passage.text, passage.offset, spans[lo:hi]))
  return sentences
