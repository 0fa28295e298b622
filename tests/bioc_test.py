"""Tests for the BioC XML and JSON readers and writers."""

import io
import json

import pytest

from conftest import CORPORA
from aioner_tf.data import bioc
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning

BIORED = CORPORA / 'BioRED'


def _tiny_documents():
  title = 'Aspirin & <ibuprofen> for café headache.'
  abstract = 'Naïve patients\r\ntook aspirin.'
  first = Document('doc1', infons={'journal': 'J & <X>'}, passages=[
      Passage(0, title, {'type': 'title'}),
      Passage(len(title) + 1, abstract, {'type': 'abstract'}),
  ])
  first.annotations = [
      Span(0, 7, 'Chemical', 'Aspirin', 'D001241'),
      Span(8, 21, 'Chemical', '& <ibuprofen>', None, (('note', 'a < b & c'),)),
      Span(26, 39, 'Disease', 'café headache', 'D006261'),
      Span(41, 46, 'Species', 'Naïve'),
  ]
  second = Document('doc2', passages=[Passage(0, 'No mentions here.', {})])
  return [first, second]


def _write_and_read(write, read, documents, output, tmp_path):
  """Writes `documents` to a path, a binary file or a text file and reads them back."""
  if output == 'path':
    write(documents, tmp_path / 'out')
    return list(read(tmp_path / 'out'))
  handle = io.BytesIO() if output == 'binary' else io.StringIO()
  write(documents, handle)
  content = handle.getvalue()
  return list(read(io.BytesIO(content if isinstance(content, bytes) else content.encode())))


@pytest.mark.parametrize('output', ['path', 'binary', 'text'])
@pytest.mark.parametrize('write, read', [(bioc.write_bioc_xml, bioc.read_bioc_xml),
                                         (bioc.write_bioc_json, bioc.read_bioc_json)])
def test_round_trip(write, read, output, tmp_path):
  documents = _tiny_documents()
  again = _write_and_read(write, read, documents, output, tmp_path)
  assert again == documents
  assert _write_and_read(write, read, again, output, tmp_path) == documents


def test_xml_output_is_escaped_and_numbers_annotations(tmp_path):
  bioc.write_bioc_xml(_tiny_documents(), tmp_path / 'out.xml')
  text = (tmp_path / 'out.xml').read_text(encoding='utf-8')
  assert '<text>&amp; &lt;ibuprofen&gt;</text>' in text
  assert '&#13;' in text
  assert [f'<annotation id="{n}">' in text for n in range(5)] == [True] * 4 + [False]


def test_json_output_is_bioc_json(tmp_path):
  bioc.write_bioc_json(_tiny_documents(), tmp_path / 'out.json')
  collection = json.loads((tmp_path / 'out.json').read_text(encoding='utf-8'))
  assert collection['source'] == 'aioner_tf'
  annotation = collection['documents'][0]['passages'][1]['annotations'][0]
  assert annotation == {'id': '3', 'infons': {'type': 'Species'}, 'text': 'Naïve',
                        'locations': [{'offset': 41, 'length': 5}]}


def test_writer_rejects_annotation_outside_passages(tmp_path):
  doc = Document('d', [Passage(0, 'Short.')], [Span(10, 12, 'Chemical')])
  with pytest.raises(ValueError, match='outside every passage'):
    bioc.write_bioc_xml([doc], tmp_path / 'out.xml')


def _biored(name):
  path = BIORED / name
  if not path.exists():
    pytest.skip(f'{path} is missing')
  return path


def test_biored_test_xml_counts():
  documents = list(bioc.read_bioc_xml(_biored('Test.BioC.XML'), strict=True))
  assert len(documents) == 100
  assert sum(len(doc.annotations) for doc in documents) == 3535
  first = documents[0]
  assert first.id == '15485686'
  assert first.passages[0].infons == {'type': 'title'}
  assert first.annotations[0] == Span(8, 13, 'GeneOrGeneProduct', 'SCN5A', '6331')


def test_biored_test_xml_equals_json():
  from_xml = list(bioc.read_bioc_xml(_biored('Test.BioC.XML'), strict=True))
  from_json = list(bioc.read_bioc_json(_biored('Test.BioC.JSON'), strict=True))
  assert [doc.id for doc in from_xml] == [doc.id for doc in from_json]
  for xml_doc, json_doc in zip(from_xml, from_json):
    assert ([(p.offset, p.text) for p in xml_doc.passages] ==
            [(p.offset, p.text) for p in json_doc.passages])
    assert xml_doc.annotations == json_doc.annotations


# Malformed input.


def _xml_document(doc_id, text='Aspirin cures headache.', annotations=''):
  """One BioC document on one line, with one passage."""
  return (f'<document><id>{doc_id}</id><passage><infon key="type">title</infon>'
          f'<offset>0</offset><text>{text}</text>{annotations}</passage></document>')


def _xml_annotation(offset, length, text, type_='Chemical', locations=1):
  location = f'<location offset="{offset}" length="{length}"/>'
  return (f'<annotation id="0"><infon key="type">{type_}</infon>{location * locations}'
          f'<text>{text}</text></annotation>')


def _xml_file(tmp_path, *documents, prolog=''):
  """Writes a collection with document n on line n + 2 and returns its path."""
  path = tmp_path / 'bioc_bad.xml'
  path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + prolog +
                  '<collection><source>test</source><date>2024-01-01</date><key>k</key>\n' +
                  ''.join(doc + '\n' for doc in documents) + '</collection>\n', encoding='utf-8')
  return path


def _read_with_warning(read, path, *expected):
  """Reads `path`, checks one warning holds every expected string, and that strict raises."""
  with pytest.warns(MalformedInputWarning) as caught:
    documents = list(read(path))
  messages = [str(warning.message) for warning in caught]
  assert any(all(text in message for text in expected) for message in messages), messages
  with pytest.raises(MalformedInputError):
    list(read(path, strict=True))
  return documents


def test_xml_bad_offsets_skip_the_annotation(tmp_path):
  path = _xml_file(tmp_path, _xml_document('1', annotations=_xml_annotation(0, 7, 'Aspirin')),
                   _xml_document('2', annotations=_xml_annotation(20, 90, 'Aspirin')),
                   _xml_document('3', annotations=_xml_annotation(0, 'x', 'Aspirin')))
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:4 (document 2)',
                                 'outside every passage')
  assert [(doc.id, len(doc.annotations)) for doc in documents] == [('1', 1), ('2', 0), ('3', 0)]
  _read_with_warning(bioc.read_bioc_xml, path, f'{path}:5 (document 3)', 'not an integer')


def test_xml_mismatched_mention_is_kept(tmp_path):
  path = _xml_file(tmp_path, _xml_document('1'),
                   _xml_document('2', annotations=_xml_annotation(0, 7, 'Ibuprofen')))
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:4 (document 2)',
                                 "says 'Ibuprofen'")
  assert documents[1].annotations == [Span(0, 7, 'Chemical', 'Ibuprofen')]


def test_xml_annotations_are_sorted_and_keep_extra_infons(tmp_path):
  later = _xml_annotation(14, 8, 'headache', type_='Disease')
  earlier = _xml_annotation(0, 7, 'Aspirin').replace(
      '<location', '<infon key="Identifier">D001241</infon><infon key="note">x</infon><location')
  path = _xml_file(tmp_path, _xml_document('1', annotations=later + earlier))
  [document] = bioc.read_bioc_xml(path, strict=True)
  assert document.annotations == [Span(0, 7, 'Chemical', 'Aspirin', 'D001241', (('note', 'x'),)),
                                  Span(14, 22, 'Disease', 'headache')]


def test_xml_discontinuous_or_untyped_annotation_is_skipped(tmp_path):
  discontinuous = _xml_annotation(0, 7, 'Aspirin', locations=2)
  untyped = _xml_annotation(0, 7, 'Aspirin', type_='')
  path = _xml_file(tmp_path, _xml_document('1', annotations=discontinuous),
                   _xml_document('2', annotations=untyped))
  documents = _read_with_warning(bioc.read_bioc_xml, path, '(document 1)', '2 locations')
  assert [(doc.id, doc.annotations) for doc in documents] == [('1', []), ('2', [])]
  _read_with_warning(bioc.read_bioc_xml, path, '(document 2)', 'no type')


def test_xml_broken_document_is_skipped(tmp_path):
  no_id = _xml_document('').replace('<id></id>', '')
  bad_offset = _xml_document('2').replace('<offset>0</offset>', '<offset>zero</offset>')
  path = _xml_file(tmp_path, no_id, bad_offset, _xml_document('3'))
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:3', 'no <id>')
  assert [doc.id for doc in documents] == ['3']
  _read_with_warning(bioc.read_bioc_xml, path, f'{path}:4 (document 2)', "'zero'")


def test_xml_truncated_file_keeps_documents_before(tmp_path):
  path = _xml_file(tmp_path, _xml_document('1'), _xml_document('2'), _xml_document('3'))
  content = path.read_bytes()
  path.write_bytes(content[:content.index(b'cures', content.index(b'<id>2</id>'))])
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:4 (document 2)',
                                 'not well formed')
  assert [doc.id for doc in documents] == ['1']


def test_xml_non_utf8_bytes(tmp_path):
  path = _xml_file(tmp_path, _xml_document('1'), _xml_document('2', text='caf\x00'),
                   _xml_document('3'))
  path.write_bytes(path.read_bytes().replace(b'caf\x00', b'caf\xe9'))
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:4 (document 2)',
                                 'not well formed')
  assert [doc.id for doc in documents] == ['1']


def test_xml_billion_laughs_is_rejected(tmp_path):
  entities = ['<!ENTITY lol0 "lol">'] + [
      f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
  prolog = '<!DOCTYPE collection [\n' + '\n'.join(entities) + '\n]>\n'
  path = _xml_file(tmp_path, _xml_document('1', text='&lol9;'), prolog=prolog)
  documents = _read_with_warning(bioc.read_bioc_xml, path, f'{path}:3', "ENTITY 'lol0'")
  assert documents == []


def test_xml_external_entity_is_not_read(tmp_path):
  secret = tmp_path / 'secret.txt'
  secret.write_text('TOP-SECRET', encoding='utf-8')
  for target in (f'file://{secret}', 'file:///etc/passwd'):
    prolog = f'<!DOCTYPE collection [<!ENTITY xxe SYSTEM "{target}">]>\n'
    path = _xml_file(tmp_path, _xml_document('1', text='&xxe;'), prolog=prolog)
    with pytest.warns(MalformedInputWarning) as caught:
      assert list(bioc.read_bioc_xml(path)) == []
    assert "ENTITY 'xxe'" in str(caught[0].message)
    assert 'TOP-SECRET' not in str(caught[0].message)
    with pytest.raises(MalformedInputError):
      list(bioc.read_bioc_xml(path, strict=True))


def test_xml_external_dtd_is_accepted_and_not_fetched(tmp_path):
  prolog = '<!DOCTYPE collection SYSTEM "http://127.0.0.1:9/BioC.dtd">\n'
  path = _xml_file(tmp_path, _xml_document('1'), prolog=prolog)
  assert [doc.id for doc in bioc.read_bioc_xml(path, strict=True)] == ['1']


def _json_file(tmp_path, *documents):
  path = tmp_path / 'bioc_bad.json'
  path.write_text(json.dumps({'source': 'test', 'documents': list(documents)}), encoding='utf-8')
  return path


def _json_document(doc_id, annotations=()):
  return {'id': doc_id, 'passages': [{'offset': 0, 'text': 'Aspirin cures headache.',
                                      'annotations': list(annotations)}]}


def _json_annotation(offset, length, text):
  return {'id': '0', 'infons': {'type': 'Chemical'}, 'text': text,
          'locations': [{'offset': offset, 'length': length}]}


def test_json_broken_documents_are_skipped(tmp_path):
  path = _json_file(tmp_path, _json_document('1'), ['not', 'a', 'document'],
                    {'passages': []}, _json_document('4'))
  documents = _read_with_warning(bioc.read_bioc_json, path, str(path), 'documents[1]',
                                 'not an object')
  assert [doc.id for doc in documents] == ['1', '4']
  _read_with_warning(bioc.read_bioc_json, path, str(path), 'documents[2]', 'no id')


def test_json_bad_offsets_and_mismatch(tmp_path):
  path = _json_file(tmp_path, _json_document('1', [_json_annotation(20, 90, 'Aspirin')]),
                    _json_document('2', [_json_annotation(0, 7, 'Ibuprofen')]),
                    _json_document('3', [_json_annotation('0', None, 'Aspirin')]))
  documents = _read_with_warning(bioc.read_bioc_json, path, f'{path} (document 1)',
                                 'outside every passage')
  assert [len(doc.annotations) for doc in documents] == [0, 1, 0]
  _read_with_warning(bioc.read_bioc_json, path, f'{path} (document 2)', "says 'Ibuprofen'")
  _read_with_warning(bioc.read_bioc_json, path, f'{path} (document 3)', 'not an integer')


def test_json_bad_passage_offset_skips_the_document(tmp_path):
  broken = _json_document('2')
  broken['passages'][0]['offset'] = 'zero'
  path = _json_file(tmp_path, _json_document('1'), broken)
  documents = _read_with_warning(bioc.read_bioc_json, path, f'{path} (document 2)', "'zero'")
  assert [doc.id for doc in documents] == ['1']


def test_json_unreadable_files(tmp_path):
  path = _json_file(tmp_path, _json_document('1'))
  path.write_bytes(b'{"documents": [\n{"id": "caf\xe9"}]}')
  assert _read_with_warning(bioc.read_bioc_json, path, f'{path}:2', 'not UTF-8') == []
  path.write_text('{"documents": [\n{"id": "1"', encoding='utf-8')
  assert _read_with_warning(bioc.read_bioc_json, path, f'{path}:2', 'not JSON') == []
  path.write_text('[]', encoding='utf-8')
  assert _read_with_warning(bioc.read_bioc_json, path, str(path), 'no "documents"') == []
