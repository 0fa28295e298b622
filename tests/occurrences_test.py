"""Tests of whole-word string occurrences."""

from aioner_tf.tagging import occurrences
from postprocess_test import document


def test_occurrences_are_whole_words_with_exact_text_within_passages():
  doc = document('IL-2 and IL-2R and IL - 2 and IL-2-', 'xIL-2 IL-2 breast  cancer, breast cancer')
  found = occurrences.find_occurrences(doc, ['IL-2', 'breast cancer', 'R', 'cancer,', ''])
  text = ' '.join(passage.text for passage in doc.passages)
  assert {s: [text[a:b] for a, b in places] for s, places in found.items()} == {
      'IL-2': ['IL-2'] * 3,  # Not in IL-2R ("2R" is one word), "IL - 2" or xIL-2.
      'breast cancer': ['breast cancer'],  # Not "breast  cancer" with two spaces.
      'R': [],
      'cancer,': ['cancer,'],
      '': []}
  assert found['IL-2'] == [(0, 4), (30, 34), (doc.passages[1].offset + 6,
                                              doc.passages[1].offset + 10)]


def test_a_string_across_two_passages_is_not_found():
  doc = document('in breast', 'cancer cells')
  assert occurrences.find_occurrences(doc, ['breast cancer']) == {'breast cancer': []}
