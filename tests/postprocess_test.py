"""Tests of postprocess.apply, the order of the rules, and their speed on a large document.

The helpers `document`, `span` and `triples` make the hand-made documents of the rule tests
(abbreviations_test.py, consistency_test.py, overlaps_test.py, occurrences_test.py).
"""

import time

import pytest

from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.tagging import postprocess


def document(*passages: str) -> Document:
  """A document of passages one space apart, as PubTator lays out title and abstract."""
  doc, offset = Document('d'), 0
  for text in passages:
    doc.passages.append(Passage(offset, text))
    offset += len(text) + 1
  return doc


def span(doc: Document, mention: str, entity_type: str, nth: int = 0, score: float = None) -> Span:
  """The span of the `nth` occurrence (0: the first) of `mention` in `doc`."""
  text = ' '.join(passage.text for passage in doc.passages)
  start = -1
  for _ in range(nth + 1):
    start = text.index(mention, start + 1)
  infons = () if score is None else (('score', f'{score:.4f}'),)
  return Span(start, start + len(mention), entity_type, mention, infons=infons)


def triples(spans):
  """(text, type, start) of each span, for readable assertions."""
  return [(s.text, s.type, s.start) for s in spans]


DOC = document('Aspirin and tumor necrosis factor (TNF) in BRCA1 carriers.',
               'TNF rose; BRCA1 fell; BRCA1 rose; BRCA1 was stable.')


def _model_spans():
  return [span(DOC, 'Aspirin', 'Chemical', score=0.55),
          span(DOC, 'tumor necrosis factor', 'Gene', score=0.99),
          span(DOC, 'BRCA1', 'Gene', 0, score=0.98),
          span(DOC, 'BRCA1', 'Gene', 1, score=0.97),
          span(DOC, 'BRCA1', 'Gene', 2, score=0.96)]


def test_all_off_keeps_the_model_spans():
  options = postprocess.Options(abbreviations=False, consistency=False)
  assert postprocess.apply(DOC, _model_spans(), options) == _model_spans()


def test_abbreviations_are_on_by_default():
  assert span(DOC, 'TNF', 'Gene', 1).start in [
      s.start for s in postprocess.apply(DOC, _model_spans(), postprocess.Options())]


def test_min_score_drops_low_scores_before_the_rules_spread_anything():
  options = postprocess.Options(min_score=0.975, abbreviations=True, consistency=True)
  # Only the long form (0.99) and the first BRCA1 (0.98) pass; BRCA1 is then tagged at 1 of its
  # 4 places, too few to spread, while TNF follows its long form.
  assert triples(postprocess.apply(DOC, _model_spans(), options)) == triples([
      span(DOC, 'tumor necrosis factor', 'Gene'), span(DOC, 'TNF', 'Gene', 0),
      span(DOC, 'BRCA1', 'Gene', 0), span(DOC, 'TNF', 'Gene', 1)])


def test_abbreviations_then_consistency():
  options = postprocess.Options(abbreviations=True, consistency=True)
  spans = postprocess.apply(DOC, _model_spans(), options)
  assert triples(spans) == triples([
      span(DOC, 'Aspirin', 'Chemical'), span(DOC, 'tumor necrosis factor', 'Gene'),
      span(DOC, 'TNF', 'Gene', 0), span(DOC, 'BRCA1', 'Gene', 0), span(DOC, 'TNF', 'Gene', 1),
      *[span(DOC, 'BRCA1', 'Gene', nth) for nth in (1, 2, 3)]])
  assert dict(spans[2].infons) == {'score': '0.9900', 'rule': 'abbreviation'}
  assert dict(spans[-1].infons) == {'score': '0.9700', 'rule': 'consistency'}  # Mean of 3.


def test_min_score_without_scores_is_an_error():
  with pytest.raises(ValueError, match='min_score needs scores'):
    postprocess.apply(DOC, [span(DOC, 'Aspirin', 'Chemical')], postprocess.Options(min_score=0.5))


def test_overlaps_between_passes_keep_the_higher_score_unless_overlapping():
  doc = document('BRCA1 breast cancer')
  gene, disease = span(doc, 'BRCA1 breast', 'Gene', score=0.6), span(doc, 'breast cancer',
                                                                      'Disease', score=0.9)
  assert postprocess.apply(doc, [gene, disease], postprocess.Options()) == [disease]
  assert postprocess.apply(doc, [gene, disease], postprocess.Options(overlapping=True)) == [
      gene, disease]


def test_the_rules_are_linear_on_a_large_document():
  """1.5 MB, 10,000 distinct tagged strings and 10,000 abbreviations: a step that compared strings
  or spans pairwise, or searched the text once per string, would take hours."""
  text, spans, start = [], [], 0
  for i in range(10000):
    name = f'protein kinase {i}'
    text.append(f'The {name} (PK{i}) binds PK{i}; {name} and {name} act in cell {i % 7}. ')
    spans.append(Span(start + 4, start + 4 + len(name), 'Gene', name, infons=(('score', '0.9'),)))
    second = start + text[-1].index(name, 5)
    spans.append(Span(second, second + len(name), 'Gene', name, infons=(('score', '0.9'),)))
    start += len(text[-1])
  doc = Document('large', [Passage(0, ''.join(text))])
  start = time.time()
  result = postprocess.apply(doc, spans, postprocess.Options(abbreviations=True, consistency=True))
  assert time.time() - start < 120
  # Per sentence: the third mention of the name (consistency) and PK twice (abbreviation).
  assert len(result) == 5 * 10000
