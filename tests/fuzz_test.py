"""Property-based tests of the readers, the sentence and word splitter and span <-> label.

Random documents and annotations go through every writer and reader unchanged; random and
mutated bytes make the readers report, never fail with anything but MalformedInputError; the
splitter keeps offsets exact for any text. AIONER_FUZZ_EXAMPLES sets the examples per test
(200 by default; docs/RELIABILITY.md says how many were run).
"""

import io
import os
import warnings

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from aioner_tf.data import aio
from aioner_tf.data import bioc
from aioner_tf.data import document as document_lib
from aioner_tf.data import formats
from aioner_tf.data import plaintext
from aioner_tf.data import pubtator
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning
from conftest import TEST_DATA

EXAMPLES = int(os.environ.get('AIONER_FUZZ_EXAMPLES', '200'))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that make text hard: combining marks, non-BMP, bidi and zero-width marks, Unicode
# spaces and line breaks, controls, and what a tokenizer splits on.
HARD = ('\u0301\u0308\u20d7\U0001d6fc\U0001f600\U00020000\u200b\u200c\u200d\u200e\u200f'
        '\u00a0\u2009\u3000\u2028\u0085\x0b\x0c\x1c\x00\x7f\ufeff\u00ad-./()[];,\'"')


def _is_xml(character):
  """Whether XML 1.0 can hold `character` (its Char production)."""
  return (character in '\t\n\r' or ' ' <= character <= '\ud7ff' or
          '\ue000' <= character <= '\ufffd' or character >= '\U00010000')


def _not_a_line_break(character):
  return character not in '\t\n\r'


XML_CHARACTERS = st.characters(blacklist_categories=('Cs',)).filter(_is_xml)


def _text(allowed=lambda character: True, extra='', max_size=40):
  """Text of letters, spaces, HARD and `extra` characters and any others, as `allowed` allows."""
  common = [c for c in 'ab c1D ' + HARD + extra if allowed(c)]
  return st.text(st.one_of(st.sampled_from(common),
                           st.characters(blacklist_categories=('Cs',)).filter(allowed)),
                 max_size=max_size)


def _span_in(draw, passage: Passage, types, ids, infons=st.just(())):
  start = draw(st.integers(passage.offset, passage.end - 1))
  end = draw(st.integers(start + 1, passage.end))
  return Span(start, end, draw(types), passage.text[start - passage.offset:end - passage.offset],
              draw(ids), draw(infons))


@st.composite
def _documents(draw, text, ids, infons, types, concept_ids, span_infons, pairs):
  """A document: passages in order (title/abstract pairs if `pairs`), spans inside them."""
  passages, offset = [], 0
  for i in range(draw(st.integers(1, 3)) * 2 if pairs else draw(st.integers(0, 4))):
    if pairs:
      passage_infons = {'type': 'abstract' if i % 2 else 'title'}
    else:
      passage_infons = draw(infons)
      offset += draw(st.integers(0, 3))
    passages.append(Passage(offset, draw(text), passage_infons))
    offset = passages[-1].end + 1 if pairs else passages[-1].end
  spans = [_span_in(draw, passage, types, concept_ids, span_infons)
           for passage in passages if passage.text for _ in range(draw(st.integers(0, 3)))]
  doc = Document(draw(ids), passages, spans, {} if pairs else draw(infons))
  doc.sort_annotations()
  return doc


_TYPES = st.sampled_from(aio.ENTITY_TYPES)
_XML_TEXT = _text(_is_xml)
_XML_WORD = st.text(XML_CHARACTERS, min_size=1, max_size=8)
_JSON_WORD = st.text(st.characters(blacklist_categories=('Cs',)), min_size=1, max_size=8)


def _stripped(words):
  return words.map(str.strip).filter(bool)


def _extra_infons(words):
  """Annotation infons besides type and identifier, which have places of their own; keys are
  unique, as in a JSON object."""
  return st.lists(st.tuples(words.filter(lambda k: k not in ('type', 'identifier', 'Identifier')),
                            words), max_size=2, unique_by=lambda infon: infon[0]).map(tuple)


PUBTATOR_DOCUMENTS = st.lists(_documents(
    _text(_not_a_line_break), st.text(st.characters(blacklist_categories=('Cs',),
                                          blacklist_characters='|\t\n\r'), min_size=1,
                            max_size=8),
    st.just({}), _TYPES, st.none() | st.from_regex(r'[A-Za-z0-9:;-]{1,8}', fullmatch=True),
    st.just(()), pairs=True), max_size=4, unique_by=lambda d: d.id)
XML_DOCUMENTS = st.lists(_documents(
    _XML_TEXT, _stripped(_XML_WORD), st.dictionaries(_XML_WORD, _XML_TEXT, max_size=2),
    _XML_WORD, st.none() | _XML_WORD, _extra_infons(_XML_WORD), pairs=False), max_size=3)
JSON_DOCUMENTS = st.lists(_documents(
    _text(), _stripped(_JSON_WORD),
    st.dictionaries(_JSON_WORD, _JSON_WORD, max_size=2), _JSON_WORD, st.none() | _JSON_WORD,
    _extra_infons(_JSON_WORD), pairs=False), max_size=3)


@pytest.fixture(scope='module')
def tmp_dir(tmp_path_factory):
  return tmp_path_factory.mktemp('fuzz')


def _write_and_read(fmt, documents, tmp_dir):
  path = tmp_dir / f'round_trip{formats.EXTENSIONS[fmt]}'
  formats.write_documents(documents, path, fmt)
  return list(formats.read_documents(path, fmt, strict=True))


@pytest.mark.parametrize('fmt, documents', [(formats.PUBTATOR, PUBTATOR_DOCUMENTS),
                                            (formats.BIOC_XML, XML_DOCUMENTS),
                                            (formats.BIOC_JSON, JSON_DOCUMENTS)])
@FUZZ
@given(data=st.data())
def test_random_documents_round_trip(fmt, documents, tmp_dir, data):
  documents = data.draw(documents)
  assert _write_and_read(fmt, documents, tmp_dir) == documents


@FUZZ
@given(text=st.text(max_size=60), data=st.data())
def test_any_text_writes_as_xml_with_the_same_offsets(tmp_dir, text, data):
  doc = Document('d', [Passage(0, text)])
  if text:
    doc.annotations = [_span_in(data.draw, doc.passages[0], _TYPES, st.none())]
  [again] = _write_and_read(formats.BIOC_XML, [doc], tmp_dir)
  shown = ''.join(c if _is_xml(c) else '\ufffd' for c in text)
  assert again.passages == [Passage(0, shown)]
  assert [(s.start, s.end) for s in again.annotations] == [
      (s.start, s.end) for s in doc.annotations]


def _samples():
  """Valid files of every input format, for mutation."""
  documents = list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))[:2]
  samples = {}
  for fmt, write in ((formats.PUBTATOR, pubtator.write_pubtator),
                     (formats.BIOC_XML, bioc.write_bioc_xml),
                     (formats.BIOC_JSON, bioc.write_bioc_json)):
    out = io.StringIO()
    write(documents, out)
    samples[fmt] = out.getvalue().encode('utf-8')
  samples[formats.PUBMED_XML] = (TEST_DATA / 'pubmed_articles.xml').read_bytes()
  samples[formats.PLAINTEXT] = 'Naïve BRCA1\r\ncarriers.'.encode('utf-8')
  return samples


SAMPLES = _samples()


@st.composite
def _mutated(draw, sample: bytes):
  """`sample` with a few bytes flipped, inserted, deleted or cut off."""
  data = bytearray(sample)
  for _ in range(draw(st.integers(1, 6))):
    where = draw(st.integers(0, len(data)))
    action = draw(st.sampled_from(['flip', 'insert', 'delete', 'cut', 'repeat']))
    if action == 'flip' and where < len(data):
      data[where] ^= 1 << draw(st.integers(0, 7))
    elif action == 'insert':
      data[where:where] = draw(st.sampled_from([b'<', b'>', b'&', b'\n', b'\t', b'|', b'"', b'\xe9',
                                                b'\x00', b'&lt;', b']]>', b'<!--', b'1|t|']))
    elif action == 'delete':
      del data[where:where + draw(st.integers(1, 20))]
    elif action == 'cut':
      del data[where:]
    else:
      data[where:where] = data[where:where + draw(st.integers(1, 40))]
  return bytes(data)


def _read(fmt, data, strict, tmp_dir):
  if fmt == formats.PLAINTEXT:  # The one reader that takes only paths.
    path = tmp_dir / 'fuzz.txt'
    path.write_bytes(data)
    return list(plaintext.read_plaintext(path, strict))
  return list(formats.read_documents(io.BytesIO(data), fmt, strict))


def _check_consistent(doc):
  assert document_lib.passage_order_problem(doc) is None
  assert doc.annotations == sorted(doc.annotations, key=lambda s: (s.start, s.end, s.type))
  for span in doc.annotations:
    assert document_lib.span_problem(doc, span) is None


@pytest.mark.parametrize('fmt', sorted(SAMPLES))
@FUZZ
@given(data=st.data())
def test_random_bytes_are_reported_never_raised(fmt, tmp_dir, data):
  raw = data.draw(st.one_of(st.binary(max_size=300), _mutated(SAMPLES[fmt])))
  with warnings.catch_warnings():
    warnings.simplefilter('ignore', MalformedInputWarning)
    documents = _read(fmt, raw, False, tmp_dir)
    for doc in documents:
      _check_consistent(doc)
    try:
      assert _read(fmt, raw, True, tmp_dir) == documents
    except MalformedInputError:
      pass


def _spans(draw, text, max_count=4):
  spans = []
  for _ in range(draw(st.integers(0, max_count)) if text else 0):
    start = draw(st.integers(0, len(text) - 1))
    spans.append((start, draw(st.integers(start + 1, len(text)))))
  return spans


@FUZZ
@given(_text(extra='\t\n\r.!?', max_size=120), st.integers(0, 5), st.data())
def test_splitter_keeps_offsets_and_never_cuts_an_annotation(text, offset, data):
  spans = [(s + offset, e + offset) for s, e in _spans(data.draw, text)]
  result = sentences_lib.split_text(text, offset, spans)
  tokens = [t for sentence in result for t in sentence.tokens]
  for token in tokens:
    assert token.text == text[token.start - offset:token.end - offset] and token.text
    assert not any(c.isspace() for c in token.text)
  covered = [i for t in tokens for i in range(t.start - offset, t.end - offset)]
  assert covered == [i for i, c in enumerate(text) if not c.isspace()]
  for sentence in result:
    assert (sentence.start, sentence.end) == (sentence.tokens[0].start, sentence.tokens[-1].end)
  for start, end in spans:
    assert not any(t.start < b < t.end for t in tokens for b in (start, end))
    inside = {i for i, s in enumerate(result) for t in s.tokens if start <= t.start < end}
    assert len(inside) <= 1, 'a sentence boundary falls inside an annotation'


@FUZZ
@given(st.lists(_text(extra='\t\n.', max_size=60), min_size=1, max_size=3),
       st.data())
def test_annotations_become_labels_and_come_back_or_are_reported(texts, data):
  passages, offset = [], 0
  for text in texts:
    passages.append(Passage(offset, text))
    offset = passages[-1].end + 1
  spans = sorted({(s + p.offset, e + p.offset, data.draw(_TYPES))
                  for p in passages for s, e in _spans(data.draw, p.text)})
  doc = Document('d', passages, [Span(s, e, t) for s, e, t in spans])
  examples, problems = aio.document_examples(doc, aio.ALL_TASK, {t: t for t in aio.ENTITY_TYPES})
  decoded = {span for e in examples for span in aio.spans_from_labels(e.tokens, e.labels)}
  reasons = {problem.span: problem.reason for problem in problems}
  assert len(reasons) == len(problems) and set(reasons) <= set(spans)
  dropped = {span for span, reason in reasons.items() if reason == 'overlaps another annotation'}
  kept = [span for span in spans if span not in dropped]
  assert all(before[1] <= after[0] for before, after in zip(kept, kept[1:]))
  assert all(any(d[0] < k[1] and k[0] < d[1] for k in kept) for d in dropped)
  for span in kept:
    assert (span in decoded) != (span in reasons), span
    text = doc.text_at(span[0], span[1])
    if not text[0].isspace() and not text[-1].isspace():
      assert span in decoded, span
  assert [i for e in examples for t in e.tokens for i in range(t.start, t.end)] == [
      p.offset + i for p in passages for i, c in enumerate(p.text) if not c.isspace()]
