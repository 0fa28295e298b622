"""Document-level consistency: a string tagged at most of its places is tagged at all of them.

A mention the model tags in one sentence and misses in the next usually names the same entity in
both. So for each string the model tagged, its whole-word occurrences in the document are
counted, leaving out those inside or across another span (in "breast cancer", "cancer" is not a
place of its own). If the string's most frequent type T is tagged at more than half of those
places, each of them where nothing is tagged gets T. A string tagged at half of its places or
fewer is left alone, so that one false positive is not copied across the document; a place where
the model chose another type keeps it.

With `per_type` (spans of different types may overlap), only spans of type T count, as tagged
places and as spans around a place.
"""

import collections
from typing import Dict, List, Sequence, Tuple

from aioner_tf.data.document import Document, Span
from aioner_tf.tagging import confidence
from aioner_tf.tagging import occurrences
from aioner_tf.tagging import overlaps

RULE = 'consistency'


def spread(doc: Document, spans: Sequence[Span], per_type: bool) -> List[Span]:
  """`spans` with the untagged places of each mostly tagged string added (module docstring).

  Args:
    doc: the document whose text the spans are in.
    spans: the spans so far, which do not overlap (or only across types, with `per_type`).
    per_type: whether spans of different types may overlap.
  """
  by_text: Dict[str, List[Span]] = collections.defaultdict(list)
  at: Dict[Tuple[int, int], List[Span]] = collections.defaultdict(list)
  for span in spans:
    by_text[span.text].append(span)
    at[span.start, span.end].append(span)
  coverage = overlaps.Coverage(max([span.end for span in spans], default=0), per_type)
  for span in spans:
    coverage.add(span)
  added = []
  for text, places in occurrences.find_occurrences(doc, by_text).items():
    counts = collections.Counter(span.type for span in by_text[text])
    entity_type = min(counts, key=lambda t: (-counts[t], t))
    tagged, other, free = 0, 0, []
    for start, end in places:
      here = {span.type for span in at[start, end]}
      if entity_type in here:
        tagged += 1
      elif here and not per_type:
        other += 1  # Tagged with another type where types may not overlap: kept as it is.
      elif coverage.is_free(start, end, entity_type):
        free.append((start, end))
    if 2 * tagged > tagged + other + len(free):
      sources = [span for span in by_text[text] if span.type == entity_type]
      added.extend(confidence.derived_span(start, end, entity_type, text, sources, RULE)
                   for start, end in free)
  return overlaps.select(list(spans) + sorted(added, key=lambda s: (s.start - s.end, s.start)),
                         per_type)
