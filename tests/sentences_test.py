"""Tests for sentence splitting and word tokenisation with exact character offsets."""

import unicodedata

import pytest

from aioner_tf.data import sentences
from aioner_tf.data.document import Document, Passage


def _check_offsets(text, result, offset=0):
  """Every token matches the text at its offsets, and every non-space character is in one token."""
  covered = []
  for sentence in result:
    assert sentence.tokens, sentence
    assert (sentence.start, sentence.end) == (sentence.tokens[0].start, sentence.tokens[-1].end)
    for token in sentence.tokens:
      assert token.end > token.start
      assert text[token.start - offset:token.end - offset] == token.text
      assert not any(c.isspace() for c in token.text), token
      covered.extend(range(token.start - offset, token.end - offset))
  assert covered == sorted(set(covered)), 'tokens overlap or are out of order'
  assert covered == [i for i, c in enumerate(text) if not c.isspace()]


def _words(result):
  return [[t.text for t in s.tokens] for s in result]


@pytest.mark.parametrize('text', [
    'Drugs, e.g. aspirin, were given daily.',
    'Mice received 5 mg/kg i.v. on day one.',
    'As shown in Fig. 2 the level rose.',
    'Treated vs. untreated mice differed.',
    'Smith et al. reported this earlier.',
    'The dose was 2.5 mg per day.',
    'Infection with E. coli was common.',
])
def test_no_split_after_abbreviations_decimals_and_initials(text):
  result = sentences.split_text(text)
  _check_offsets(text, result)
  assert len(result) == 1, _words(result)


def test_split_between_two_sentences():
  text = 'The first sentence ends here. The second one starts here.'
  result = sentences.split_text(text, offset=100)
  _check_offsets(text, result, offset=100)
  assert [(s.start, s.end) for s in result] == [(100, 129), (130, 157)]
  assert _words(result)[1][0] == 'The'


def test_words_and_punctuation():
  text = 'BRCA1-mutant Pro75Ala (p53/Rb) [x], {y}; a.b'
  (sentence,) = sentences.split_text(text)
  assert [t.text for t in sentence.tokens] == [
      'BRCA1', '-', 'mutant', 'Pro75Ala', '(', 'p53', '/', 'Rb', ')', '[', 'x', ']', ',', '{',
      'y', '}', ';', 'a', '.', 'b']
  _check_offsets(text, [sentence])


def test_tokenize_shifts_offsets_and_cuts_words():
  tokens = sentences.tokenize('p53wt and BRCA1', offset=10, cuts=[13, 16, 22])
  assert [(t.start, t.end, t.text) for t in tokens] == [
      (10, 13, 'p53'), (13, 15, 'wt'), (16, 19, 'and'), (20, 22, 'BR'), (22, 25, 'CA1')]


def test_annotation_boundary_inside_a_word_cuts_it():
  text = 'The p53wt cells and antiTNF drugs.'
  start = text.index('TNF')
  result = sentences.split_text(text, spans=[(4, 7), (start, start + 3)])
  _check_offsets(text, result)
  assert _words(result) == [['The', 'p53', 'wt', 'cells', 'and', 'anti', 'TNF', 'drugs', '.']]


def test_annotation_across_a_sentence_boundary_keeps_the_sentence_together():
  text = 'It binds Smad. Two more. Then it ends.'
  assert len(sentences.split_text(text)) == 3
  start = text.index('Smad')
  result = sentences.split_text(text, spans=[(start, text.index('Two') + 3)])
  _check_offsets(text, result)
  assert [(s.start, s.end) for s in result] == [(0, 24), (25, len(text))]


def test_long_text_without_punctuation():
  words = [f'w{i}' for i in range(20000)]
  text = ' '.join(words)[:100000]
  assert len(text) == 100000
  spans = [(i, i + 2) for i in range(0, 99000, 500) if ' ' not in text[i:i + 2]]
  assert len(spans) > 100
  result = sentences.split_text(text, spans=spans)
  assert len(result) == 1
  _check_offsets(text, result)
  starts = {t.start for t in result[0].tokens}
  ends = {t.end for t in result[0].tokens}
  assert all(start in starts and end in ends for start, end in spans)


def test_combining_marks_stay_in_their_word():
  text = unicodedata.normalize('NFD', 'Café au lait spots, naïve cells.')
  assert len(text) == len('Café au lait spots, naïve cells.') + 2
  (sentence,) = sentences.split_text(text)
  _check_offsets(text, [sentence])
  words = [t.text for t in sentence.tokens]
  assert words[0] == 'Cafe\u0301' and words[5] == 'nai\u0308ve'


def test_crlf_and_tabs():
  text = 'First line here.\r\nSecond\tline\there.\r\n\tThird one.'
  result = sentences.split_text(text, offset=7)
  _check_offsets(text, result, offset=7)
  assert _words(result) == [['First', 'line', 'here', '.'], ['Second', 'line', 'here', '.'],
                            ['Third', 'one', '.']]


def test_split_document_uses_document_offsets():
  title, abstract = 'Aspirin for pain.', 'It helps. A lot.'
  doc = Document('1', [Passage(0, title), Passage(len(title) + 1, abstract)])
  start = len(title) + 1 + abstract.index('helps')
  result = sentences.split_document(doc, spans=[(0, 7), (start, start + 12)])
  assert [(s.start, s.end) for s in result] == [(0, 17), (18, len(title) + 1 + len(abstract))]
  for sentence in result:
    for token in sentence.tokens:
      assert doc.text_at(token.start, token.end) == token.text


def test_empty_and_blank_text():
  assert sentences.split_text('') == []
  assert sentences.split_text(' \r\n\t ') == []
