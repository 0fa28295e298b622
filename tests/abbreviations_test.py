"""Tests of Schwartz-Hearst abbreviation finding and of the short-form rule, on hand-made text."""

import pytest

from aioner_tf.tagging import abbreviations
from postprocess_test import document, span, triples


def _pairs(*passages):
  doc = document(*passages)
  found = abbreviations.find_abbreviations(doc)
  for pair in found:  # Offsets and texts agree.
    assert doc.text_at(pair.short_start, pair.short_end) == pair.short_form
    assert doc.text_at(pair.long_start, pair.long_end) == pair.long_form
  return [(pair.short_form, pair.long_form) for pair in found]


@pytest.mark.parametrize('text, pairs', [
    ('Levels of epidermal growth factor receptor (EGFR) rose.',
     [('EGFR', 'epidermal growth factor receptor')]),
    ('EGFR (epidermal growth factor receptor) binds.',  # Short form first.
     [('EGFR', 'epidermal growth factor receptor')]),
    ('Cells with human epidermal growth factor receptor 2 (HER2) grew.',
     [('HER2', 'human epidermal growth factor receptor 2')]),
    ('We measured tumor necrosis factor alpha (TNF-alpha, a cytokine).',  # Cut at ", ".
     [('TNF-alpha', 'tumor necrosis factor alpha')]),
    ('Patients with type 2 diabetes (T2D) and acute kidney injury (AKI).',
     [('T2D', 'type 2 diabetes'), ('AKI', 'acute kidney injury')]),
    ('Anti-nuclear antibody (ANA) was found.', [('ANA', 'Anti-nuclear antibody')]),
])
def test_pairs_are_found(text, pairs):
  assert _pairs(text) == pairs


@pytest.mark.parametrize('text', [
    'Levels rose significantly (p < 0.05) and fell (P<0.05).',  # Statistics.
    'The heart rate (BP) was high.',  # The letters of the short form are not in the long form.
    'The buffer (FR) was used.',  # F and R are there, but F at no word start.
    'Patients (n = 12) were treated.',
    'The gene (see Table 1) was found.',  # More than two words: "SF (long form)" fails too.
    'A drug (aspirin) was given.',  # The letters of "aspirin" are not in "A drug".
    'It was shown (2).',  # A short form needs a letter.
    'Levels of tumor necrosis factor (X) were high.',  # One character is too short.
    'Cells with IL-6 receptor (IL-6) grew.',  # The long form holds the short form.
    'In cancer (see above',  # No closing parenthesis.
])
def test_no_pair_where_there_is_none(text):
  assert _pairs(text) == []


def test_long_form_has_at_most_min_of_size_plus_5_and_twice_size_words():
  # "AB" allows min(7, 4) = 4 words: "alpha x x beta" is 4 words, "alpha x x x beta" is 5.
  assert _pairs('the alpha x x beta (AB) of') == [('AB', 'alpha x x beta')]
  assert _pairs('the alpha x x x beta (AB) of') == []


def test_a_pair_never_crosses_a_sentence_or_passage():
  assert _pairs('Epidermal growth.', 'Factor receptor (EGFR) rose.') == []
  assert _pairs('Epidermal growth. Factor receptor (EGFR) rose.') == []


DEFINED = 'Epidermal growth factor receptor (EGFR) binds; EGFR and EGFRvIII rise with EGFR-TKI.'


def test_short_forms_take_the_type_of_their_tagged_long_form():
  doc = document(DEFINED)
  spans = [span(doc, 'Epidermal growth factor receptor', 'Gene', score=0.8),
           span(doc, 'EGFR', 'Chemical', 1, score=0.6),  # Another type: replaced.
           span(doc, 'EGFR-TKI', 'Chemical', score=0.7)]  # EGFR inside a longer span: kept.
  result = abbreviations.resolve(doc, spans, per_type=False)
  assert triples(result) == triples([
      span(doc, 'Epidermal growth factor receptor', 'Gene'), span(doc, 'EGFR', 'Gene', 0),
      span(doc, 'EGFR', 'Gene', 1), span(doc, 'EGFR-TKI', 'Chemical')])
  assert dict(result[1].infons) == {'score': '0.8000', 'rule': 'abbreviation'}


def test_a_short_form_the_model_already_typed_keeps_its_own_score():
  doc = document(DEFINED)
  spans = [span(doc, 'Epidermal growth factor receptor', 'Gene', score=0.8),
           span(doc, 'EGFR', 'Gene', 0, score=0.95)]
  result = abbreviations.resolve(doc, spans, per_type=False)
  assert result[1] == spans[1]
  assert len(result) == 4  # Added: EGFR, and EGFR in EGFR-TKI (a word of its own there).


def test_short_forms_of_an_untouched_long_form_are_untagged():
  doc = document(DEFINED)
  spans = [span(doc, 'EGFR', 'Gene', 0), span(doc, 'EGFR', 'Gene', 1)]
  assert abbreviations.resolve(doc, spans, per_type=False) == []


@pytest.mark.parametrize('long_span', [
    'Epidermal growth factor',  # Does not end where the long form ends.
    'growth factor receptor',  # Ends there, but does not cover its first word.
])
def test_a_long_form_tagged_in_part_changes_nothing(long_span):
  doc = document(DEFINED)
  spans = [span(doc, long_span, 'Gene'), span(doc, 'EGFR', 'Chemical', 0)]
  assert abbreviations.resolve(doc, spans, per_type=False) == spans


def test_long_forms_that_disagree_change_nothing():
  doc = document('Alpha beta (AB) and also alpha beta (AB) again.')
  spans = [span(doc, 'Alpha beta', 'Gene'), span(doc, 'AB', 'Chemical', 0),
           span(doc, 'alpha beta', 'Disease')]
  assert abbreviations.resolve(doc, spans, per_type=False) == spans


def test_with_overlapping_types_a_short_form_may_lie_inside_a_span_of_another_type():
  doc = document('Tumor necrosis factor (TNF) and TNF deficiency.')
  spans = [span(doc, 'Tumor necrosis factor', 'Gene'),
           span(doc, 'TNF deficiency', 'Disease')]
  assert triples(abbreviations.resolve(doc, spans, per_type=True)) == triples([
      span(doc, 'Tumor necrosis factor', 'Gene'), span(doc, 'TNF', 'Gene', 0),
      span(doc, 'TNF', 'Gene', 1), span(doc, 'TNF deficiency', 'Disease')])
  assert len(abbreviations.resolve(doc, spans, per_type=False)) == 3  # Not inside there.
