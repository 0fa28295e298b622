"""What the Tagger does with the model's spans of a document before it returns them, in order:

  1. drops spans whose score is below `min_score`;
  2. removes overlaps between the spans of several passes, keeping the higher score (the earlier,
     then longer span on ties); with `overlapping`, only spans of one type may not overlap;
  3. `abbreviations`: types short forms as their tagged long forms (see abbreviations.py);
  4. `consistency`: tags the untagged places of mostly tagged strings (see consistency.py).

Each step is a pure function of the document and its spans, so a tagged file read back (BioC
keeps the scores) gives what tagging with the same options gives. The defaults are the settings
that measured best (docs/RESULTS.md, "Beyond the paper").
"""

import dataclasses
from typing import List, Sequence

from aioner_tf.data.document import Document, Span
from aioner_tf.tagging import abbreviations
from aioner_tf.tagging import confidence
from aioner_tf.tagging import consistency
from aioner_tf.tagging import overlaps


@dataclasses.dataclass(frozen=True)
class Options:
  """How spans are chosen and added after decoding (see the module docstring)."""
  abbreviations: bool = True
  consistency: bool = False
  min_score: float = 0.0
  overlapping: bool = False


def _preference(span: Span):
  score = confidence.score_of(span)
  return (-(score or 0.0), span.start, span.start - span.end)


def apply(doc: Document, spans: Sequence[Span], options: Options) -> List[Span]:
  """The spans of `doc` to output, from the model's spans (module docstring).

  Raises:
    ValueError: if `options.min_score` is set and a span has no score to compare.
  """
  if options.min_score > 0:
    if any(confidence.score_of(span) is None for span in spans):
      raise ValueError('--min_score needs scores, and some spans have none (a decoder that gives '
                       'no scores, such as a TFLite runner)')
    spans = [span for span in spans if confidence.score_of(span) >= options.min_score]
  spans = overlaps.select(sorted(spans, key=_preference), options.overlapping)
  if options.abbreviations:
    spans = abbreviations.resolve(doc, spans, options.overlapping)
  if options.consistency:
    spans = consistency.spread(doc, spans, options.overlapping)
  return spans
