"""Tests for the AIO labelling scheme: labels <-> spans, document examples and long sentences."""

import dataclasses

import pytest
from hypothesis import given, settings, strategies as st

from conftest import CORPORA
from aioner_tf.data import aio
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.sentences import Token

TASKS = ('Gene', 'Disease', aio.ALL_TASK, aio.NO_TASK)


def _tokens(text):
  """Whitespace-separated tokens of `text` with their offsets."""
  tokens, start = [], 0
  for word in text.split(' '):
    tokens.append(Token(start, start + len(word), word))
    start += len(word) + 1
  return tokens


def _doc(text, *annotations):
  """A one-passage document; annotations are (mention, type) at the mention's first occurrence."""
  spans = []
  for mention, type_ in annotations:
    start = text.index(mention)
    spans.append(Span(start, start + len(mention), type_, mention))
  return Document('d1', [Passage(0, text, {'type': 'title'})], sorted(spans, key=lambda s: s.start))


def _labelled(doc, task, type_map):
  """(word, label) pairs of every sentence of `doc`, and the unrepresentable annotations."""
  examples, problems = aio.document_examples(doc, task, type_map, 'corpus')
  assert all(e.task == task and e.corpus == 'corpus' and e.doc_id == doc.id for e in examples)
  assert [e.sentence_index for e in examples] == list(range(len(examples)))
  return [(t.text, l) for e in examples for t, l in zip(e.tokens, e.labels)], problems


def test_labels_match_the_aioner_vocabulary():
  vocab = CORPORA / 'AIONER_meta' / 'AIO_label.vocab'
  if not vocab.exists():
    pytest.skip(f'{vocab} is missing')
  assert aio.LABELS == tuple(line.strip() for line in vocab.read_text().splitlines() if line.strip())


def test_labels_cover_every_type_and_task():
  for type_ in aio.ENTITY_TYPES:
    assert {f'B-{type_}', f'I-{type_}', f'O-{type_}'} <= set(aio.LABELS)
  assert [aio.outside_label(t) for t in TASKS] == ['O-Gene', 'O-Disease', 'O', 'O']


@pytest.mark.parametrize('labels, spans', [
    (['B-Gene', 'O-Gene', 'B-Gene', 'I-Gene'], [(0, 5, 'Gene'), (10, 20, 'Gene')]),
    (['B-Gene', 'B-Gene', 'O-Gene', 'O-Gene'], [(0, 5, 'Gene'), (6, 9, 'Gene')]),
    (['B-Gene', 'I-Gene', 'I-Gene', 'I-Gene'], [(0, 20, 'Gene')]),
    (['B-Chemical', 'I-Chemical', 'B-Disease', 'O'], [(0, 9, 'Chemical'), (10, 14, 'Disease')]),
    (['O', 'O', 'O', 'O'], []),
])
def test_hand_labels_to_spans_and_back(labels, spans):
  tokens = _tokens('BRCA1 and TP53 genes')
  assert aio.spans_from_labels(tokens, labels) == spans
  task = 'Gene' if labels[1].endswith('Gene') else aio.ALL_TASK
  assert aio.labels_from_spans(tokens, spans, task) == labels


def test_an_i_label_that_continues_nothing_starts_an_entity():
  tokens = _tokens('BRCA1 and TP53 genes')
  assert aio.spans_from_labels(tokens, ['O', 'I-Gene', 'I-Disease', 'I-Disease']) == [
      (6, 9, 'Gene'), (10, 20, 'Disease')]


@st.composite
def _sentences(draw):
  """A task, random tokens with offsets (adjacent or not) and a valid BIO labelling of them."""
  task = draw(st.sampled_from(TASKS))
  types = aio.task_types(task, aio.ENTITY_TYPES)
  tokens, position, labels, previous = [], 0, [], None
  for _ in range(draw(st.integers(0, 25))):
    position += draw(st.integers(0, 2))
    length = draw(st.integers(1, 6))
    tokens.append(Token(position, position + length, 'x' * length))
    position += length
    kind = draw(st.sampled_from(['O', 'B', 'I'] if previous else ['O', 'B']))
    if kind == 'O':
      labels.append(aio.outside_label(task))
      previous = None
    elif kind == 'B':
      previous = draw(st.sampled_from(types))
      labels.append(f'B-{previous}')
    else:
      labels.append(f'I-{previous}')
  return task, tokens, labels


@given(_sentences())
@settings(max_examples=300, deadline=None)
def test_labels_to_spans_to_labels_is_identity(sentence):
  task, tokens, labels = sentence
  assert set(labels) <= set(aio.LABELS)
  spans = aio.spans_from_labels(tokens, labels)
  assert aio.labels_from_spans(tokens, spans, task) == labels


@given(_sentences(), st.data())
@settings(max_examples=300, deadline=None)
def test_word_aligned_spans_to_labels_to_spans_is_identity(sentence, data):
  task, tokens, _ = sentence
  types = aio.task_types(task, aio.ENTITY_TYPES)
  spans, i = [], 0
  while i < len(tokens):
    length = data.draw(st.integers(0, 3))
    if length and i + length <= len(tokens):
      spans.append((tokens[i].start, tokens[i + length - 1].end, data.draw(st.sampled_from(types))))
      i += length
    else:
      i += 1
  labels = aio.labels_from_spans(tokens, spans, task)
  assert aio.spans_from_labels(tokens, labels) == spans


TEXT = 'BRCA1 causes breast cancer and the KRAB domain binds aspirin'
ANNOTATIONS = (('BRCA1', 'Gene'), ('breast cancer', 'Disease'), ('KRAB domain', 'DomainMotif'),
               ('KRAB', 'FamilyName'), ('aspirin', 'Chemical'))
TYPE_MAP = {'Gene': 'Gene', 'FamilyName': 'Gene', 'Disease': 'Disease', 'Chemical': 'Chemical'}


@pytest.mark.parametrize('task, expected', [
    ('Gene', ['B-Gene', 'O-Gene', 'O-Gene', 'O-Gene', 'O-Gene', 'O-Gene', 'B-Gene', 'O-Gene',
              'O-Gene', 'O-Gene']),
    ('Disease', ['O-Disease', 'O-Disease', 'B-Disease', 'I-Disease', 'O-Disease', 'O-Disease',
                 'O-Disease', 'O-Disease', 'O-Disease', 'O-Disease']),
    (aio.ALL_TASK, ['B-Gene', 'O', 'B-Disease', 'I-Disease', 'O', 'O', 'B-Gene', 'O', 'O',
                    'B-Chemical']),
    (aio.NO_TASK, ['B-Gene', 'O', 'B-Disease', 'I-Disease', 'O', 'O', 'B-Gene', 'O', 'O',
                   'B-Chemical']),
])
def test_task_labels_only_its_types(task, expected):
  words, problems = _labelled(_doc(TEXT, *ANNOTATIONS), task, TYPE_MAP)
  assert words == list(zip(TEXT.split(), expected))
  assert problems == []  # DomainMotif is not in the type map, so it does not hide "KRAB".


def test_a_task_of_new_types_labels_all_of_them_with_its_own_outside_label():
  doc = _doc('Renal cells and the liver', ('Renal', 'Organ'), ('cells', 'Cell'), ('liver', 'Organ'))
  words, _ = _labelled(doc, 'Anatomy', {'Organ': 'Organ', 'Cell': 'Cell'})
  assert [l for _, l in words] == ['B-Organ', 'B-Cell', 'O-Anatomy', 'O-Anatomy', 'B-Organ']
  assert aio.task_types('Anatomy', ['Organ', 'Cell']) == ('Organ', 'Cell')
  assert aio.task_types('Plant', ['Plant']) == ('Plant',)
  assert aio.task_types('Gene', ['Disease']) == ('Gene',)  # A six-type task stays itself.


def test_new_labels_come_after_the_19_in_task_order():
  tasks = {**aio.AIO_TASKS, 'Anatomy': ('Organ', 'Cell'), 'Plant': ('Plant',),
           'Mixed': ('Gene', 'Organ')}
  labels = aio.labels_for_tasks(tasks)
  assert tuple(labels[:19]) == aio.LABELS
  assert labels[19:] == ['O-Anatomy', 'B-Organ', 'I-Organ', 'B-Cell', 'I-Cell',
                         'O-Plant', 'B-Plant', 'I-Plant', 'O-Mixed']  # No label twice.
  assert aio.labels_for_tasks(aio.AIO_TASKS) == list(aio.LABELS)


def test_bc5cdr_like_document_labelled_for_each_task():
  doc = _doc('Cocaine induced seizures and lithium toxicity .',
             ('Cocaine', 'Chemical'), ('seizures', 'Disease'), ('lithium', 'Chemical'),
             ('toxicity', 'Disease'))
  chemical, _ = _labelled(doc, 'Chemical', {'Chemical': 'Chemical'})
  disease, _ = _labelled(doc, 'Disease', {'Disease': 'Disease'})
  assert [l for _, l in chemical] == ['B-Chemical', 'O-Chemical', 'O-Chemical', 'O-Chemical',
                                      'B-Chemical', 'O-Chemical', 'O-Chemical']
  assert [l for _, l in disease] == ['O-Disease', 'O-Disease', 'B-Disease', 'O-Disease',
                                     'O-Disease', 'B-Disease', 'O-Disease']


def test_nested_annotation_keeps_the_longer_one():
  doc = _doc('Breast cancer type 1 gene mutations', ('Breast cancer type 1', 'Gene'),
             ('Breast cancer', 'Disease'), ('type 1 gene', 'Gene'))
  words, problems = _labelled(doc, aio.ALL_TASK, {'Gene': 'Gene', 'Disease': 'Disease'})
  assert [l for _, l in words] == ['B-Gene', 'I-Gene', 'I-Gene', 'I-Gene', 'O', 'O']
  assert problems == [
      aio.Unrepresentable('d1', 'ALL', (0, 13, 'Disease'), 'Breast cancer',
                          'overlaps another annotation'),
      aio.Unrepresentable('d1', 'ALL', (14, 25, 'Gene'), 'type 1 gene',
                          'overlaps another annotation')]


def test_overlap_rule_first_start_then_longest_then_type():
  doc = _doc('alpha beta gamma delta epsilon', ('alpha beta', 'Gene'), ('beta gamma delta', 'Gene'),
             ('epsilon', 'Gene'), ('epsilon', 'Chemical'))
  words, problems = _labelled(doc, aio.ALL_TASK, {'Gene': 'Gene', 'Chemical': 'Chemical'})
  assert [l for _, l in words] == ['B-Gene', 'I-Gene', 'O', 'O', 'B-Chemical']
  assert [p.span for p in problems] == [(6, 22, 'Gene'), (23, 30, 'Gene')]


def test_an_overlap_of_a_type_outside_the_task_does_not_count():
  doc = _doc('Breast cancer type 1 gene', ('Breast cancer type 1', 'Gene'),
             ('Breast cancer', 'Disease'))
  words, problems = _labelled(doc, 'Disease', {'Gene': 'Gene', 'Disease': 'Disease'})
  assert [l for _, l in words] == ['B-Disease', 'I-Disease', 'O-Disease', 'O-Disease', 'O-Disease']
  assert problems == []


def test_span_that_is_not_word_aligned_is_recorded():
  doc = Document('d2', [Passage(0, 'Ge-1 binds', {})], [Span(1, 5, 'Gene', 'e-1 ')])
  words, problems = _labelled(doc, 'Gene', {'Gene': 'Gene'})
  assert words == [('G', 'O-Gene'), ('e', 'B-Gene'), ('-', 'I-Gene'), ('1', 'I-Gene'),
                   ('binds', 'O-Gene')]
  assert problems == [aio.Unrepresentable('d2', 'Gene', (1, 5, 'Gene'), 'e-1 ',
                                          'boundary is not a word boundary')]


def test_annotation_boundaries_inside_words_are_labelled_exactly():
  doc = _doc('p53wt cells and BRCA1-mutant mice.', ('p53', 'Gene'), ('BRCA1', 'Gene'))
  words, problems = _labelled(doc, 'Gene', {'Gene': 'Gene'})
  assert [w for w, l in words if l.startswith('B-')] == ['p53', 'BRCA1']
  assert problems == []


def test_every_word_of_a_long_sentence_gets_one_label():
  words = [f'w{i}' for i in range(2000)]
  text = ' '.join(words)
  doc = _doc(text, *[(f' w{i} w{i + 1} ', 'Gene') for i in range(1, 2000, 20)])
  doc.annotations = [dataclasses.replace(s, start=s.start + 1, end=s.end - 1, text=s.text[1:-1])
                     for s in doc.annotations]
  examples, problems = aio.document_examples(doc, 'Gene', {'Gene': 'Gene'})
  assert problems == [] and len(examples) == 1
  (example,) = examples
  assert [t.text for t in example.tokens] == words
  assert len(example.labels) == 2000
  assert example.labels.count('B-Gene') == example.labels.count('I-Gene') == 100
  assert aio.spans_from_labels(example.tokens, example.labels) == [
      (s.start, s.end, 'Gene') for s in doc.annotations]


def _example(labels):
  tokens = tuple(Token(2 * i, 2 * i + 1, 'x') for i in range(len(labels)))
  return aio.Example('d', 'Gene', tokens, list(labels), sentence_index=3, corpus='c')


def _piece_labels(pieces):
  return [p.labels for p in pieces]


def test_split_long_example_respects_the_budget():
  pieces, shortened = aio.split_long_example(_example(['O-Gene'] * 6), [2] * 6, 5)
  assert [len(p.tokens) for p in pieces] == [2, 2, 2] and shortened == 0
  assert [p.piece_index for p in pieces] == [0, 1, 2]
  assert all(p.sentence_index == 3 and p.corpus == 'c' for p in pieces)


def test_split_long_example_does_not_end_inside_an_entity():
  labels = ['O-Gene', 'O-Gene', 'B-Gene', 'I-Gene', 'I-Gene', 'O-Gene']
  pieces, _ = aio.split_long_example(_example(labels), [1] * 6, 3)
  assert _piece_labels(pieces) == [labels[:2], labels[2:5], labels[5:]]


def test_split_long_example_cuts_an_entity_longer_than_the_budget():
  labels = ['B-Gene', 'I-Gene', 'I-Gene', 'I-Gene', 'O-Gene']
  pieces, shortened = aio.split_long_example(_example(labels), [1] * 5, 3)
  assert _piece_labels(pieces) == [labels[:3], labels[3:]] and shortened == 0


def test_split_long_example_keeps_a_word_longer_than_the_budget():
  labels = ['O-Gene', 'B-Gene', 'O-Gene']
  pieces, shortened = aio.split_long_example(_example(labels), [1, 10, 1], 4)
  assert _piece_labels(pieces) == [['O-Gene'], ['B-Gene'], ['O-Gene']] and shortened == 1


@given(_sentences(), st.data())
@settings(max_examples=300, deadline=None)
def test_split_long_example_properties(sentence, data):
  _, tokens, labels = sentence
  example = aio.Example('d', 'Gene', tuple(tokens), labels)
  lengths = data.draw(st.lists(st.integers(1, 5), min_size=len(tokens), max_size=len(tokens)))
  budget = data.draw(st.integers(1, 10))
  pieces, shortened = aio.split_long_example(example, lengths, budget)
  assert [t for p in pieces for t in p.tokens] == tokens
  assert [l for p in pieces for l in p.labels] == labels
  assert [p.piece_index for p in pieces] == list(range(len(pieces)))
  assert shortened == sum(1 for n in lengths if n > budget)
  start = 0
  for piece in pieces:
    end = start + len(piece.tokens)
    assert piece.tokens and len(piece.tokens) == len(piece.labels)
    assert sum(lengths[start:end]) <= budget or end - start == 1
    if end < len(labels) and labels[end].startswith('I-'):
      entity_start = max(i for i in range(end) if labels[i].startswith('B-'))
      assert entity_start <= start, 'the piece could have ended before the entity'
    start = end
