"""Tests of the document-level consistency rule, on hand-made documents."""

from aioner_tf.tagging import consistency
from postprocess_test import document, span, triples

DOC = document('TP53 binds MDM2.', 'TP53 and MDM2 rise; TP53 falls; MDM2 binds TP53-mutant cells.')


def test_a_string_tagged_at_most_places_is_tagged_at_all():
  spans = [span(DOC, 'TP53', 'Gene', 0, score=0.9), span(DOC, 'TP53', 'Gene', 1, score=0.7)]
  result = consistency.spread(DOC, spans, per_type=False)
  # 2 of 4 places are tagged: TP53 in "TP53-mutant" is a word of its own, so half is not most.
  assert result == spans
  spans.append(span(DOC, 'TP53', 'Gene', 2, score=0.8))
  result = consistency.spread(DOC, spans, per_type=False)
  assert triples(result) == triples([span(DOC, 'TP53', 'Gene', nth) for nth in range(4)])
  assert dict(result[3].infons) == {'score': '0.8000', 'rule': 'consistency'}


def test_a_string_tagged_at_one_of_three_places_is_not_spread():
  spans = [span(DOC, 'MDM2', 'Gene', 1)]
  assert consistency.spread(DOC, spans, per_type=False) == spans


def test_places_inside_longer_spans_do_not_count():
  # "TP53" in "TP53-mutant" lies in a span: 3 places remain, 2 tagged, so the third is added.
  spans = [span(DOC, 'TP53', 'Gene', 0), span(DOC, 'TP53', 'Gene', 1),
           span(DOC, 'TP53-mutant', 'Variant')]
  assert triples(consistency.spread(DOC, spans, per_type=False)) == triples(
      [span(DOC, 'TP53', 'Gene', 0), span(DOC, 'TP53', 'Gene', 1), span(DOC, 'TP53', 'Gene', 2),
       span(DOC, 'TP53-mutant', 'Variant')])


def test_a_place_tagged_with_another_type_keeps_it_and_counts_against():
  spans = [span(DOC, 'MDM2', 'Gene', 0), span(DOC, 'MDM2', 'Chemical', 1),
           span(DOC, 'MDM2', 'Gene', 2)]
  assert consistency.spread(DOC, spans, per_type=False) == spans  # Already all tagged.
  spans = [span(DOC, 'TP53', 'Gene', 0), span(DOC, 'TP53', 'Chemical', 1),
           span(DOC, 'TP53', 'Gene', 2)]  # 2 of 4: not most.
  assert consistency.spread(DOC, spans, per_type=False) == spans


def test_strings_match_whole_words_and_exact_text():
  doc = document('BRCA1 and BRCA1 and BRCA12 and brca1 and BRCA1-like.')
  spans = [span(doc, 'BRCA1', 'Gene', 0), span(doc, 'BRCA1', 'Gene', 1)]
  # Places: BRCA1 twice and in BRCA1-like; not BRCA12 (another word), not brca1 (other case).
  assert triples(consistency.spread(doc, spans, per_type=False)) == triples(
      [span(doc, 'BRCA1', 'Gene', 0), span(doc, 'BRCA1', 'Gene', 1), span(doc, 'BRCA1', 'Gene', 3)])


def test_a_longer_string_wins_where_two_would_overlap():
  doc = document('breast cancer and breast cancer; cancer; cancer, then breast cancer.')
  spans = [span(doc, 'breast cancer', 'Disease', 0), span(doc, 'breast cancer', 'Disease', 1),
           span(doc, 'cancer', 'Disease', 2), span(doc, 'cancer', 'Disease', 3)]
  result = consistency.spread(doc, spans, per_type=False)
  assert triples(result) == triples(spans + [span(doc, 'breast cancer', 'Disease', 2)])


def test_per_type_a_place_may_overlap_spans_of_other_types_only():
  doc = document('IL2 rose; IL2 fell; IL2 deficiency.')
  spans = [span(doc, 'IL2', 'Gene', 0), span(doc, 'IL2', 'Gene', 1),
           span(doc, 'IL2 deficiency', 'Disease')]
  assert len(consistency.spread(doc, spans, per_type=True)) == 4
  assert consistency.spread(doc, spans, per_type=False) == spans
  same_type = spans[:2] + [span(doc, 'IL2 deficiency', 'Gene')]
  assert consistency.spread(doc, same_type, per_type=True) == same_type  # Never one type twice.
