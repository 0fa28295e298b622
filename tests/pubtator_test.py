"""Tests for the PubTator reader and writer: round trips, format variants and malformed input."""

import contextlib
import io
import warnings

import pytest

from conftest import TEST_DATA
from aioner_tf.data import pubtator
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning

STANDARD = (
    '1|t|BRCA1 in breast cancer.\n'
    '1|a|Loss of BRCA1 causes tumours.\n'
    '1\t0\t5\tBRCA1\tGene\t672\n'
    '1\t9\t22\tbreast cancer\tDisease\tD001943\n'
    '1\t32\t37\tBRCA1\tGene\t672\n'
    '1\t45\t53\ttumours.\tDisease\n'
    '\n'
    '2|t|No mentions.\n'
    '2|a|\n'
    '\n')

RELATIONS = (
    '7|t|Aspirin and pain.\n'
    '7|a|Aspirin helps.\n'
    '7\t0\t7\tAspirin\tChemical\tD001241\n'
    '7\tAssociation\tD001241\tD010146\tNovel\n'
    '7\t12\t16\tpain\tDisease\tD010146\n'
    '7\tCID\tD001241\tD010146\n'
    '\n')

STRAY_WHITESPACE = (
    '\n \t\n'                         # Leading blank and whitespace-only lines.
    '3|t|Title here\n'
    '3|a|Abstract with p53.\n'
    '3\t0\t5\tTitle\tGene\t\n'        # Trailing tab: no concept id.
    '3\t25\t28\tp53\tGene\t7157\t\n'  # Trailing tab after the concept id.
    '   \n'                           # A whitespace-only separator line.
    '4|t|Second\n'
    '4|a|One.\n'
    '4\t7\t10\tOne\tSpecies\n'        # Five columns: no concept id.
    '\n\n\n')


@contextlib.contextmanager
def _no_warnings():
  """Fails the test on any MalformedInputWarning inside the block."""
  with warnings.catch_warnings():
    warnings.simplefilter('error', MalformedInputWarning)
    yield


def _read(text, **kwargs):
  return pubtator.parse_pubtator(text, **kwargs)


def _round_trip(documents):
  out = io.StringIO()
  pubtator.write_pubtator(documents, out)
  return _read(out.getvalue())


def test_reads_title_abstract_and_annotations():
  with _no_warnings():
    first, second = _read(STANDARD)
  title, abstract = first.passages
  assert (title.offset, title.text, title.infons) == (0, 'BRCA1 in breast cancer.', {'type': 'title'})
  assert (abstract.offset, abstract.infons) == (24, {'type': 'abstract'})
  assert first.annotations[1] == Span(9, 22, 'Disease', 'breast cancer', 'D001943')
  assert first.annotations[3].id is None
  for span in first.annotations:
    assert first.text_at(span.start, span.end) == span.text
  assert second.id == '2' and second.annotations == []
  assert [p.text for p in second.passages] == ['No mentions.', '']


def test_writes_the_standard_format_exactly():
  out = io.StringIO()
  pubtator.write_pubtator(_read(STANDARD), out)
  assert out.getvalue() == STANDARD


@pytest.mark.parametrize('text', [STANDARD, RELATIONS, STRAY_WHITESPACE,
                                  STANDARD.replace('\n', '\r\n')],
                         ids=['standard', 'relations', 'stray-whitespace', 'crlf'])
def test_read_write_read_is_identity(text):
  with _no_warnings():
    documents = _read(text)
  assert documents
  assert _round_trip(documents) == documents


def test_relation_lines_are_skipped():
  (doc,) = _read(RELATIONS)
  assert [(s.start, s.end, s.type) for s in doc.annotations] == [(0, 7, 'Chemical'),
                                                                (12, 16, 'Disease')]


def test_crlf_reads_like_lf():
  assert _read(STANDARD.replace('\n', '\r\n')) == _read(STANDARD)


def test_stray_whitespace_and_five_columns():
  with _no_warnings():
    third, fourth = _read(STRAY_WHITESPACE)
  assert [(s.text, s.id) for s in third.annotations] == [('Title', None), ('p53', '7157')]
  assert fourth.annotations == [Span(7, 10, 'Species', 'One', None)]
  assert fourth.passages[1].text == 'One.'


def test_passage_level_blocks_make_one_document():
  path = TEST_DATA / 'pubtator_passages.PubTator'
  with _no_warnings():
    article, other = pubtator.read_pubtator(path)
  assert article.id == '100' and other.id == '200'
  titles = [p for p in article.passages if p.infons['type'] == 'title']
  assert [(p.offset, p.text) for p in titles] == [
      (0, 'Aspirin in full text'), (22, 'Introduction'), (36, 'We gave aspirin and ibuprofen.')]
  for before, after in zip(article.passages, article.passages[1:]):
    assert after.offset == before.end + 1
  assert [(s.start, s.end, s.text) for s in article.annotations] == [
      (0, 7, 'Aspirin'), (44, 51, 'aspirin'), (56, 65, 'ibuprofen')]
  for span in article.annotations:
    assert article.text_at(span.start, span.end) == span.text
  assert other.annotations[0].id == '-'


def test_passage_level_round_trip_reproduces_the_file(tmp_path):
  path = TEST_DATA / 'pubtator_passages.PubTator'
  documents = list(pubtator.read_pubtator(path))
  pubtator.write_pubtator(documents, tmp_path / 'out.PubTator')
  assert (tmp_path / 'out.PubTator').read_bytes() == path.read_bytes()
  assert list(pubtator.read_pubtator(tmp_path / 'out.PubTator')) == documents


def test_writes_a_document_built_by_hand():
  doc = Document('9', [Passage(0, 'Title', {'type': 'title'}),
                       Passage(6, 'Some text.', {'type': 'abstract'})],
                 [Span(0, 5, 'Gene', 'Title'), Span(11, 15, 'Chemical', '', 'C1')])
  assert pubtator.format_pubtator(doc) == (
      '9|t|Title\n9|a|Some text.\n9\t0\t5\tTitle\tGene\n9\t11\t15\ttext\tChemical\tC1\n')


# Malformed input. Document 2 starts on line 5; documents 1 and 3 are always fine.
def _malformed_file(doc2_lines, doc3_lines=('3|t|Good third.', '3|a|Fine.', '3\t0\t4\tGood\tGene')):
  lines = ['1|t|Good first.', '1|a|Nothing wrong here.', '1\t0\t4\tGood\tGene', '']
  lines += list(doc2_lines) + [''] + list(doc3_lines)
  return '\n'.join(lines) + '\n'


def _good_doc2(bad_line):
  return ['2|t|Broken second.', '2|a|Its abstract.', bad_line, '2\t0\t6\tBroken\tGene']


def _cut_file(last_line, title=False):
  """A file whose last line (of document 3) is cut short, with no final newline."""
  doc3 = [last_line] if title else ['3|t|Good third.', '3|a|Fine.', last_line]
  return _malformed_file(_good_doc2('2\t7\t13\tsecond\tGene'), doc3).rstrip('\n')


# (case id, file text, line, document id, words in the message, ids read, doc 2 annotations)
MALFORMED = [
    ('empty-span', _malformed_file(_good_doc2('2\t7\t7\tx\tGene')), 7, '2', 'bad offsets',
     ['1', '2', '3'], 1),
    ('end-before-start', _malformed_file(_good_doc2('2\t9\t3\tx\tGene')), 7, '2', 'bad offsets',
     ['1', '2', '3'], 1),
    ('negative-start', _malformed_file(_good_doc2('2\t-1\t3\tx\tGene')), 7, '2', 'bad offsets',
     ['1', '2', '3'], 1),
    ('beyond-text', _malformed_file(_good_doc2('2\t20\t40\tabstract.\tGene')), 7, '2',
     'outside every passage', ['1', '2', '3'], 1),
    ('mention-mismatch', _malformed_file(_good_doc2('2\t7\t13\tSecond\tGene')), 7, '2',
     "says 'Second' but the text there is 'second'", ['1', '2', '3'], 2),
    ('too-few-columns', _malformed_file(_good_doc2('2\t0\t6\tBroken')), 7, '2', '4 columns',
     ['1', '2', '3'], 1),
    ('other-document', _malformed_file(_good_doc2('9\t0\t6\tBroken\tGene')), 7, '2',
     "names document '9'", ['1', '2', '3'], 1),
    ('no-abstract-line', _malformed_file(['2|t|Broken second.', '2\t0\t6\tBroken\tGene']), 5, '2',
     'no |a| line', ['1', '2', '3'], 1),
    ('cut-in-mention', _cut_file('3\t0\t4\tGo'), 12, '3', '4 columns', ['1', '2', '3'], 2),
    ('cut-after-offsets', _cut_file('3\t0\t4'), 12, '3', '3 columns', ['1', '2', '3'], 2),
    ('cut-title-line', _cut_file('3|', title=True), 10, '3|', 'no |t| line', ['1', '2'], 2),
]


@pytest.mark.parametrize('text, line, doc_id, words, ids, doc2_annotations',
                         [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_malformed_document_is_reported_and_the_rest_is_read(
    text, line, doc_id, words, ids, doc2_annotations, tmp_path):
  path = tmp_path / 'broken.PubTator'
  path.write_text(text)
  with pytest.warns(MalformedInputWarning) as record:
    documents = list(pubtator.read_pubtator(path))
  messages = [str(w.message) for w in record if w.category is MalformedInputWarning]
  assert len(messages) == 1, messages
  assert f'{path}:{line} (document {doc_id}):' in messages[0]
  assert words in messages[0]
  assert [d.id for d in documents] == ids
  by_id = {d.id: d for d in documents}
  assert by_id['1'] == _read(_malformed_file(_good_doc2('2\t7\t13\tsecond\tGene')))[0]
  assert len(by_id['2'].annotations) == doc2_annotations
  if '3' in ids and doc_id != '3':
    assert by_id['3'].annotations == [Span(0, 4, 'Gene', 'Good')]
  with pytest.raises(MalformedInputError) as error:
    list(pubtator.read_pubtator(path, strict=True))
  assert (error.value.path, error.value.line, error.value.document_id) == (str(path), line, doc_id)


def test_last_line_without_newline_is_read():
  assert _read(RELATIONS.rstrip('\n')) == _read(RELATIONS)


@pytest.mark.parametrize('line', [5, 6, 7], ids=['title', 'abstract', 'annotation'])
def test_bytes_that_are_not_utf8_skip_the_document(line, tmp_path):
  lines = _malformed_file(_good_doc2('2\t7\t13\tsecond\tGene')).encode().split(b'\n')
  lines[line - 1] += b' caf\xe9'  # Latin-1, not UTF-8.
  path = tmp_path / 'latin1.PubTator'
  path.write_bytes(b'\n'.join(lines))
  with pytest.warns(MalformedInputWarning) as record:
    documents = list(pubtator.read_pubtator(path))
  (message,) = [str(w.message) for w in record]
  assert f'{path}:{line} (document 2):' in message and 'UTF-8' in message
  assert [d.id for d in documents] == ['1', '3']
  with pytest.raises(MalformedInputError) as error:
    list(pubtator.read_pubtator(path, strict=True))
  assert (error.value.path, error.value.line, error.value.document_id) == (str(path), line, '2')


def test_line_numbers_count_blank_lines_and_crlf(tmp_path):
  text = '\n\n' + _malformed_file(_good_doc2('2\t9\t3\tx\tGene'))
  path = tmp_path / 'crlf.PubTator'
  path.write_bytes(text.replace('\n', '\r\n').encode())
  with pytest.warns(MalformedInputWarning, match=rf'{path}:9 \(document 2\)'):
    documents = list(pubtator.read_pubtator(path))
  assert [len(d.annotations) for d in documents] == [1, 1, 1]


def test_stream_input_is_named_in_messages():
  with pytest.warns(MalformedInputWarning, match=r'<stream>:7 \(document 2\)'):
    pubtator.parse_pubtator(_malformed_file(_good_doc2('2\t9\t3\tx\tGene')))



@pytest.mark.parametrize('broken_block, line', [
    (b'5\t0\t3\tbad\tChemical\n', 5),             # A passage block with no |t| line.
    (b'5|t|Second p\xe9ssage\n5|a|\n', 5),        # A passage block that is not UTF-8.
])
def test_broken_passage_block_skips_its_whole_document(broken_block, line):
  text = (b'5|t|First passage\n5|a|\n5\t0\t5\tFirst\tChemical\n\n' + broken_block + b'\n'
          b'5|t|Third passage\n5|a|\n5\t0\t5\tThird\tChemical\n\n'
          b'6|t|Other\n6|a|\n')
  with pytest.warns(MalformedInputWarning, match=rf'^<stream>:{line} \(document 5\): .*'
                    'document skipped$'):
    documents = list(pubtator.read_pubtator(io.BytesIO(text)))
  assert [d.id for d in documents] == ['6']
