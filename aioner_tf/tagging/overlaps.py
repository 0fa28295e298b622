"""Choosing spans that do not overlap, in order of preference, in time linear in the text.

The model gives one label per word, so one pass never yields overlapping spans; several passes
(one per entity type) and the rules that add spans can. By default the output has no overlaps, as
PubTator consumers and the paper's evaluation expect; with `per_type`, spans of different types
may overlap (a gene inside a disease name) but two spans of one type still may not.

Each kept span marks its characters in a byte array, one per type with `per_type`; a span is kept
if none of its characters is marked yet. That is linear in the text covered, with no pairwise
comparison of spans.
"""

from typing import Dict, Iterable, List

from aioner_tf.data.document import Span


class Coverage:
  """Which characters of a document spans cover: per type with `per_type`, else for all types.

  `size` must be at least the end of every span added; places beyond it are free.
  """

  def __init__(self, size: int, per_type: bool):
    self._size = size
    self._per_type = per_type
    self._covered: Dict[str, bytearray] = {}

  def _of(self, entity_type: str) -> bytearray:
    key = entity_type if self._per_type else ''
    if key not in self._covered:
      self._covered[key] = bytearray(self._size)
    return self._covered[key]

  def is_free(self, start: int, end: int, entity_type: str = '') -> bool:
    """Whether a span of `entity_type` (which matters only per type) at [start, end) would
    overlap no covered character."""
    return self._of(entity_type).find(1, start, end) == -1

  def add(self, span: Span) -> None:
    self._of(span.type)[span.start:span.end] = b'\x01' * (span.end - span.start)


def select(spans_by_preference: Iterable[Span], per_type: bool) -> List[Span]:
  """Keeps each span that overlaps no span kept before it (none of its own type, if `per_type`).

  Args:
    spans_by_preference: the spans, the one to keep first first.
    per_type: whether spans of different types may overlap.

  Returns:
    The kept spans, sorted by (start, end, type).
  """
  spans = list(spans_by_preference)
  coverage = Coverage(max((span.end for span in spans), default=0), per_type)
  kept = []
  for span in spans:
    if coverage.is_free(span.start, span.end, span.type):
      coverage.add(span)
      kept.append(span)
  return sorted(kept, key=lambda s: (s.start, s.end, s.type))
