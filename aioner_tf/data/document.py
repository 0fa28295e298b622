"""The one document type every reader, writer, model and tagger shares.

Offsets are character offsets (Python code points) into the document: a passage starts at
`Passage.offset`, and an annotation `[start, end)` covers `document.text_at(start, end)`.
Passages are in offset order and do not overlap, so an offset names one character of one passage.
"""

import bisect
import dataclasses
from typing import Callable, Dict, List, Optional, Tuple

from aioner_tf.data.errors import MalformedInputError, report


@dataclasses.dataclass(frozen=True)
class Span:
  """A typed character span `[start, end)` in document coordinates."""
  start: int
  end: int
  type: str
  text: str = ''
  id: Optional[str] = None  # Normalised concept id (e.g. an NCBI Gene id), if any.
  infons: Tuple[Tuple[str, str], ...] = ()  # Extra key/value pairs kept for BioC round trips.


@dataclasses.dataclass
class Passage:
  """A run of text (title, abstract, a full-text section) starting at `offset` in the document."""
  offset: int
  text: str
  infons: Dict[str, str] = dataclasses.field(default_factory=dict)

  @property
  def end(self) -> int:
    return self.offset + len(self.text)


@dataclasses.dataclass
class Document:
  """A document: its id, its passages in order, and its annotations sorted by offset."""
  id: str
  passages: List[Passage] = dataclasses.field(default_factory=list)
  annotations: List[Span] = dataclasses.field(default_factory=list)
  infons: Dict[str, str] = dataclasses.field(default_factory=dict)

  def passage_at(self, start: int, end: int) -> Optional[Passage]:
    """Returns the passage that holds `[start, end)` whole, or None.

    A binary search over the passages in offset order, so that a document of many passages is
    not quadratic to check and to write.
    """
    i = bisect.bisect_right(self.passages, start, key=lambda passage: passage.offset) - 1
    if i >= 0 and end <= self.passages[i].end:
      return self.passages[i]
    return None

  def text_at(self, start: int, end: int) -> Optional[str]:
    """Returns the text of `[start, end)`, or None if no single passage holds it."""
    passage = self.passage_at(start, end)
    if passage is None:
      return None
    return passage.text[start - passage.offset:end - passage.offset]

  def sort_annotations(self) -> None:
    self.annotations.sort(key=lambda s: (s.start, s.end, s.type))


def passage_order_problem(document: Document) -> Optional[str]:
  """Says where a passage of `document` starts before the one before it ends, or None."""
  for before, after in zip(document.passages, document.passages[1:]):
    if after.offset < before.end:
      return (f'passage at offset {after.offset} starts before the passage at {before.offset} '
              f'ends ({before.end}), so offsets are ambiguous')
  return None


def span_problem(document: Document, span: Span) -> Optional[str]:
  """Says why `span` cannot stand in `document` (bad offsets), or None if its offsets are usable."""
  if span.start < 0 or span.end <= span.start:
    return f'annotation {span.start}-{span.end} has bad offsets'
  if document.passage_at(span.start, span.end) is None:
    return f'annotation {span.start}-{span.end} {span.text!r} lies outside every passage'
  return None


def mention_mismatch(document: Document, span: Span) -> Optional[str]:
  """Says how the mention text disagrees with the text at the span's offsets, or None."""
  found = document.text_at(span.start, span.end)
  if span.text and found != span.text:
    return (f'annotation {span.start}-{span.end} says {span.text!r} but the text there is '
            f'{found!r} (kept: offsets win)')
  return None


def add_checked_annotation(doc: Document, make_span: Callable[[], Span], path: str, line: int,
                           strict: bool) -> None:
  """Adds the span `make_span()` parses to `doc`, as every reader does: a span that cannot be
  parsed or has bad offsets is reported and skipped; one whose mention text disagrees with the
  text at its offsets is reported and kept (offsets win)."""
  try:
    span = make_span()
  except ValueError as e:
    report(MalformedInputError(f'{e}; skipped', path, line, doc.id), strict)
    return
  problem = span_problem(doc, span)
  if problem:
    report(MalformedInputError(problem + '; skipped', path, line, doc.id), strict)
    return
  mismatch = mention_mismatch(doc, span)
  if mismatch:
    report(MalformedInputError(mismatch, path, line, doc.id), strict)
  doc.annotations.append(span)
