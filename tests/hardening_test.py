"""Attacks and edge cases from input the user did not write (docs/RELIABILITY.md).

Each test names, where it is not plain, the naive implementation it fails on. Tagging uses a
tiny random model: the tests check offsets, files and counts, never the predictions.
"""

import codecs
import dataclasses
import io
import json
import logging
import os
import pathlib
import re
import subprocess
import sys
import time
import tracemalloc
import unicodedata

import pytest

from aioner_tf.data import aio
from aioner_tf.data import bioc
from aioner_tf.data import formats
from aioner_tf.data import pubtator
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning
from aioner_tf.tagging import batch
from aioner_tf.tagging import tagger as tagger_lib
from bioc_test import _xml_document, _xml_file
from conftest import ROOT, TEST_DATA
from tagger_test import MAX_LEN, save_tiny_model

# Code points that trip byte or UTF-16 counting, normalisation and whitespace rules: a combining
# acute (NFD), non-BMP letters and an emoji, RTL and zero-width marks, a no-break space.
TRICKY = 'Cafe\u0301 \U0001d6fc-synuclein \u200fמחלה\u200f \u200bBRCA1\u200b 😀 p53\u00a0null'


@pytest.fixture(scope='module')
def tagger(tmp_path_factory):
  return tagger_lib.Tagger.load(save_tiny_model(tmp_path_factory.mktemp('model')), batch_size=8)


def _sample_documents(count):
  """`count` documents of tests/data/tiny_train.PubTator, ids 0, 1, ..."""
  base = list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))
  return [dataclasses.replace(base[i % len(base)], id=str(i)) for i in range(count)]


def _peak_bytes(function):
  """The peak of Python memory allocated while `function()` runs."""
  tracemalloc.start()
  try:
    function()
    return tracemalloc.get_traced_memory()[1]
  finally:
    tracemalloc.stop()


def _seconds(function):
  start = time.perf_counter()
  function()
  return time.perf_counter() - start


def _tag(tagger, inputs, output, output_format=batch.SAME):
  return batch.tag_files(tagger, batch.plan_jobs([str(p) for p in inputs], str(output),
                                                 output_format))


def _files(root):
  return sorted(str(p.relative_to(root)) for p in root.rglob('*') if p.is_file())


# 1. Safe XML (bioc_test.py has billion laughs, external entities and the unfetched DTD).


def test_xml_parameter_entity_is_neither_fetched_nor_expanded(tmp_path):
  dtd = tmp_path / 'evil.dtd'
  dtd.write_text('<!ENTITY leak "TOP-SECRET">', encoding='utf-8')
  prolog = f'<!DOCTYPE collection [<!ENTITY % ext SYSTEM "{dtd.as_uri()}"> %ext;]>\n'
  path = _xml_file(tmp_path, _xml_document('1', text='&leak;'), prolog=prolog)
  with pytest.warns(MalformedInputWarning, match="ENTITY 'ext'.*file skipped") as caught:
    assert not list(bioc.read_bioc_xml(path))
  assert 'TOP-SECRET' not in str(caught[0].message)
  with pytest.raises(MalformedInputError):
    list(bioc.read_bioc_xml(path, strict=True))


def test_xml_quadratic_blowup_is_rejected_before_any_expansion(tmp_path):
  # 10,000 references to a 100,000-character entity: 1 GB of text once expanded.
  prolog = '<!DOCTYPE collection [<!ENTITY big "' + 'x' * 100_000 + '">]>\n'
  path = _xml_file(tmp_path, _xml_document('1', text='&big;' * 10_000), prolog=prolog)
  with pytest.warns(MalformedInputWarning, match="ENTITY 'big'"):
    peak = _peak_bytes(lambda: list(bioc.read_bioc_xml(path)))
  assert peak < 5_000_000


def test_xml_undeclared_entity_skips_its_document_only(tmp_path):
  # With an external DTD (never fetched), `&eacute;` is undeclared: a parser that stops at it
  # (ElementTree.parse) loses documents 1 and 3 as well.
  path = _xml_file(tmp_path, _xml_document('1'), _xml_document('2', text='caf&eacute;'),
                   _xml_document('3'), prolog='<!DOCTYPE collection SYSTEM "BioC.dtd">\n')
  with pytest.warns(MalformedInputWarning,
                    match=r"bioc_bad.xml:5 \(document 2\).*undeclared entity 'eacute'"):
    assert [doc.id for doc in bioc.read_bioc_xml(path)] == ['1', '3']


@pytest.mark.parametrize('encoding', ['TTF-8', 'Shift_JIS', 'hex'])
def test_xml_in_an_encoding_that_cannot_be_read_is_reported(tmp_path, encoding):
  # expat asks Python for the codec and lets its LookupError or ValueError through.
  path = _xml_file(tmp_path, _xml_document('1'))
  path.write_bytes(path.read_bytes().replace(b'"UTF-8"', f'"{encoding}"'.encode()))
  [job] = batch.plan_jobs([str(path)], str(tmp_path / 'out'))  # Reads the root element.
  assert job.input_format == formats.BIOC_XML
  with pytest.warns(MalformedInputWarning, match='encoding that cannot be read.*file skipped'):
    assert not list(formats.read_documents(path))


def test_xml_deep_nesting_does_not_recurse(tmp_path):
  depth = 100_000  # Far past Python's recursion limit; lxml refuses 256 levels by default.
  nested = _xml_document('1').replace('</passage>', '<x>' * depth + '</x>' * depth + '</passage>')
  path = _xml_file(tmp_path, nested, _xml_document('2'))
  documents = list(bioc.read_bioc_xml(path, strict=True))
  assert [(doc.id, doc.passages[0].text) for doc in documents] == [
      ('1', 'Aspirin cures headache.'), ('2', 'Aspirin cures headache.')]


@pytest.mark.parametrize('fmt, documents', [(formats.PUBTATOR, 2000), (formats.BIOC_XML, 1800)])
def test_readers_stream_in_memory_that_does_not_grow_with_the_file(tmp_path, fmt, documents):
  # A reader that loads the file (read(), readlines(), ElementTree.parse) peaks at its size.
  path = tmp_path / f'big{formats.EXTENSIONS[fmt]}'
  formats.write_documents(_sample_documents(documents), path, fmt)
  size = path.stat().st_size
  assert size > 800_000
  count = []
  peak = _peak_bytes(lambda: count.append(sum(1 for _ in formats.read_documents(path))))
  assert count == [documents]
  assert peak < min(size / 2, 1_600_000), (peak, size)


# 2. Bounded resources: no quadratic step, long inputs cut into pieces, a size limit.


def test_sentence_splitting_is_linear_in_the_number_of_paragraphs():
  # syntok's analyze() pads each paragraph with as many spaces as its offset: 20,000 short
  # paragraphs took 14 s that way.
  paragraphs = 'Aspirin.\n\n' * 20_000
  one_paragraph = 'Aspirin. ' * 22_222
  baseline = _seconds(lambda: sentences_lib.split_text(one_paragraph))
  result = []
  elapsed = _seconds(lambda: result.extend(sentences_lib.split_text(paragraphs)))
  assert len(result) == 20_000 and result[-1].start == len(paragraphs) - 10
  assert elapsed < 5 * baseline + 1, (elapsed, baseline)


def _section_blocks(count, one_document):
  """PubTator blocks of a title and an abstract with an annotation: passages of one document,
  or `count` documents."""
  ids = ['7'] * count if one_document else [str(i) for i in range(count)]
  return ''.join(f'{i}|t|Section\n{i}|a|Aspirin for headache.\n{i}\t8\t15\tAspirin\tChemical\n\n'
                 for i in ids)


def test_a_full_text_of_many_passages_is_read_and_written_in_linear_time():
  # Finding the passage of each annotation by a scan over all passages made one document of
  # 10,000 passage blocks take minutes to read and to write.
  def read_and_write(text):
    documents = pubtator.parse_pubtator(text, strict=True)
    pubtator.write_pubtator(documents, io.StringIO())
    bioc.write_bioc_json(documents, io.StringIO())
    return documents

  baseline = _seconds(lambda: read_and_write(_section_blocks(10_000, one_document=False)))
  found = []
  elapsed = _seconds(lambda: found.extend(read_and_write(_section_blocks(10_000, True))))
  [doc] = found
  assert len(doc.passages) == 20_000 and len(doc.annotations) == 10_000
  assert doc.text_at(doc.annotations[-1].start, doc.annotations[-1].end) == 'Aspirin'
  assert elapsed < 5 * baseline + 1, (elapsed, baseline)


@pytest.mark.parametrize('text', ['a' * 100_000, 'protein ' * 12_500, '(-)' * 10_000],
                         ids=['one_word_of_100000_letters', '12500_words', '30000_symbols'])
def test_long_unpunctuated_text_is_tagged_whole_in_pieces(tagger, text):
  # A tagger that truncates a sentence at max_len subwords drops every word after it.
  doc = Document('long', [Passage(0, text)])
  pieces = list(tagger._pieces([doc], ['ALL'], {}))  # pylint: disable=protected-access
  words = [t for s in sentences_lib.split_document(doc) for t in s.tokens]
  assert [t for piece in pieces for t in piece.tokens] == words
  assert max(len(piece.input_ids) for piece in pieces) <= MAX_LEN
  [tagged] = tagger.tag_documents([doc]).documents
  assert all(span.text == text[span.start:span.end] for span in tagged.annotations)


def _rss_mb():
  status = pathlib.Path('/proc/self/status').read_text()
  return int(re.search(r'^VmRSS:\s*(\d+) kB', status, re.M).group(1)) / 1024


def test_wordpiece_memory_does_not_grow_with_the_documents(tagger):
  # Called eagerly, tensorflow-text's regex op kept about 6 KB a call, one call per document:
  # 14 GB over the 2.3 million documents of a 1 GB PubTator file.
  words = ['protein', 'kinase', 'BRCA1'] * 60
  for _ in range(200):
    tagger.tokenizer.word_piece_ids(words)
  before = _rss_mb()
  for i in range(3000):
    tagger.tokenizer.word_piece_ids(words[:i % len(words) + 1])
  assert _rss_mb() - before < 5


def test_documents_over_the_size_limit_are_skipped_named_and_counted(tagger, tmp_path,
                                                                     monkeypatch, caplog):
  monkeypatch.setattr(tagger, 'max_document_chars', 100)
  source = tmp_path / 'docs.PubTator'
  source.write_text('small|t|Aspirin.\nsmall|a|\n\n'
                    f'huge|t|{"BRCA1 " * 50}\nhuge|a|\n', encoding='utf-8')
  with caplog.at_level(logging.WARNING):
    ledger = _tag(tagger, [source], tmp_path / 'out')
  assert 'docs.PubTator: document huge skipped: document too large (document too large: 300 ' \
         'characters, the limit is 100)' in caplog.text
  assert (ledger.read, ledger.tagged, ledger.skipped, ledger.written) == (
      2, 1, {batch.TOO_LARGE: 1}, 1)
  assert [doc.id for doc in pubtator.read_pubtator(tmp_path / 'out' / 'docs.PubTator')] == [
      'small']


def test_tag_cli_takes_the_size_limit_and_prints_the_ledger(tmp_path):
  model_dir = save_tiny_model(tmp_path / 'model')
  source = tmp_path / 'docs.PubTator'
  source.write_text('small|t|Aspirin.\nsmall|a|\n\nhuge|t|Aspirin for a headache.\nhuge|a|\n',
                    encoding='utf-8')
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag.py'), f'--model_dir={model_dir}',
       f'--input={source}', f'--output={tmp_path / "out"}', '--max_document_chars=20'],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode == 0, run.stderr
  assert 'document huge skipped: document too large (document too large: 23 characters' in (
      run.stderr)
  assert run.stdout.splitlines()[1:5] == [
      'documents read: 2', 'documents tagged: 1',
      'documents skipped: 1 (document too large: 1)', 'documents written: 1']


# 3. Paths and names.


def test_document_ids_never_become_paths(tagger, tmp_path):
  escape = tmp_path.parent / f'{tmp_path.name}_escaped'
  ids = ['../../escaped', str(escape), 'nul\x00byte', '..', 'a/b', '~']
  inputs = tmp_path / 'in'
  inputs.mkdir()
  pubtator.write_pubtator([Document(doc_id, [Passage(0, 'Aspirin.', {'type': 'title'}),
                                             Passage(9, '', {'type': 'abstract'})])
                           for doc_id in ids], inputs / 'docs.PubTator')
  ledger = _tag(tagger, [inputs], tmp_path / 'pubtator')
  ledger.add(_tag(tagger, [inputs], tmp_path / 'xml', formats.BIOC_XML))
  assert ledger.written == 2 * len(ids)
  assert _files(tmp_path) == ['in/docs.PubTator', 'pubtator/docs.PubTator', 'xml/docs.xml']
  assert not escape.exists()
  assert [d.id for d in pubtator.read_pubtator(tmp_path / 'pubtator' / 'docs.PubTator')] == ids
  # XML cannot hold a NUL byte, even escaped: it becomes U+FFFD.
  assert [d.id for d in bioc.read_bioc_xml(tmp_path / 'xml' / 'docs.xml', strict=True)] == [
      doc_id.replace('\x00', '\ufffd') for doc_id in ids]


def test_file_names_with_line_breaks_give_readable_output(tagger, tmp_path):
  # A PubTator writer that prints the id as it is splits the block over two lines.
  inputs = tmp_path / 'in'
  inputs.mkdir()
  (inputs / 'note\n1\tx.txt').write_text('Aspirin for headache.', encoding='utf-8')
  ledger = _tag(tagger, [inputs], tmp_path / 'out')
  assert ledger.written == 1
  assert _files(tmp_path / 'out') == ['note\n1\tx.PubTator']
  [doc] = pubtator.read_pubtator(tmp_path / 'out' / 'note\n1\tx.PubTator', strict=True)
  assert doc.id == 'note 1 x' and doc.passages[0].text == 'Aspirin for headache.'


def test_pipes_and_devices_in_an_input_folder_are_not_read(tmp_path):
  # Opening a FIFO waits for a writer forever; /dev/zero never ends.
  inputs = tmp_path / 'in'
  inputs.mkdir()
  os.mkfifo(inputs / 'pipe.PubTator')
  (inputs / 'zeros.txt').symlink_to('/dev/zero')
  (inputs / 'real.txt').write_text('Aspirin.', encoding='utf-8')
  jobs = batch.plan_jobs([str(inputs)], str(tmp_path / 'out'))
  assert [job.input_path.name for job in jobs] == ['real.txt']


# 4. Text edge cases.


def _tricky_document():
  text = f'{TRICKY}. {TRICKY}'
  mentions = [('Cafe\u0301', 'Chemical'), ('\U0001d6fc-synuclein', 'Gene'), ('מחלה', 'Disease'),
              ('BRCA1', 'Gene'), ('p53\u00a0null', 'Variant')]
  title = 'T\u0301itle 😀'
  spans = []
  for mention, type_ in mentions:
    start = len(title) + 1 + text.rindex(mention)  # In the second copy, after the first.
    spans.append(Span(start, start + len(mention), type_, mention))
  return Document('u1', [Passage(0, title, {'type': 'title'}),
                         Passage(len(title) + 1, text, {'type': 'abstract'})], sorted(
                             spans, key=lambda s: (s.start, s.end, s.type)))


@pytest.mark.parametrize('fmt', formats.WRITABLE)
def test_offsets_count_code_points_in_every_format(tmp_path, fmt):
  # Counting UTF-8 bytes or UTF-16 units (as JavaScript or Java would) moves every offset after
  # the first non-ASCII or non-BMP character.
  doc = _tricky_document()
  path = tmp_path / f'u{formats.EXTENSIONS[fmt]}'
  formats.write_documents([doc], path, fmt)
  [again] = formats.read_documents(path, strict=True)
  assert again == doc
  span = doc.annotations[1]
  assert doc.text_at(span.start, span.end) == '\U0001d6fc-synuclein'
  utf16 = len(doc.passages[1].text[:span.start - doc.passages[1].offset].encode('utf-16-le')) // 2
  assert utf16 + doc.passages[1].offset != span.start  # The test text tells the counts apart.
  raw = path.read_text(encoding='utf-8')
  written = {formats.PUBTATOR: f'u1\t{span.start}\t{span.end}\t',
             formats.BIOC_XML: f'<location offset="{span.start}" length="{span.end - span.start}"',
             formats.BIOC_JSON: f'"offset": {span.start}, "length": {span.end - span.start}'}
  assert written[fmt] in raw


def test_nfd_text_is_kept_as_given():
  # A reader that normalises to NFC shortens "Cafe\u0301" and shifts the offsets after it.
  title = unicodedata.normalize('NFD', 'Café naïve: BRCA1')
  text = f'n1|t|{title}\nn1|a|\nn1\t14\t19\tBRCA1\tGene\n'
  [doc] = pubtator.parse_pubtator(text, strict=True)
  assert doc.passages[0].text == title and doc.text_at(14, 19) == 'BRCA1'
  out = io.StringIO()
  pubtator.write_pubtator([doc], out)
  assert out.getvalue() == text + '\n'


@pytest.mark.parametrize('fmt, content', [
    (formats.PUBTATOR, '1|t|BRCA1 here.\n1|a|\n1\t0\t5\tBRCA1\tGene\n'),
    (formats.BIOC_JSON, json.dumps({'documents': [{'id': '1', 'passages': [
        {'offset': 0, 'text': 'BRCA1 here.', 'annotations': [
            {'infons': {'type': 'Gene'}, 'text': 'BRCA1',
             'locations': [{'offset': 0, 'length': 5}]}]}]}]}))])
def test_a_byte_order_mark_is_not_text(tmp_path, fmt, content):
  # Windows tools start UTF-8 files with one. Kept, it joins the first PubTator id (whose
  # annotation lines then name another document) and makes json.loads refuse the file.
  path = tmp_path / f'bom{formats.EXTENSIONS[fmt]}'
  path.write_bytes(codecs.BOM_UTF8 + content.encode('utf-8'))
  [doc] = formats.read_documents(path, strict=True)
  assert doc.id == '1' and doc.annotations == [Span(0, 5, 'Gene', 'BRCA1')]


def test_tagged_unicode_text_keeps_exact_offsets(tagger):
  text = ' '.join([TRICKY] * 20)
  spans = tagger.tag(text)
  assert spans  # The random model predicts some entities, so the check below is not empty.
  assert all(span.text == text[span.start:span.end] for span in spans)


def test_crlf_and_tabs_in_plain_text_keep_offsets(tagger, tmp_path):
  # Reading text with universal newlines makes each CRLF one character and shifts offsets.
  text = 'BRCA1 mutations\r\ncause\tbreast cancer.\r\n\r\nTamoxifen\thelps.\r\n' * 20
  source = tmp_path / 'crlf.txt'
  source.write_bytes(text.encode('utf-8'))
  _tag(tagger, [source], tmp_path / 'out')
  [doc] = pubtator.read_pubtator(tmp_path / 'out' / 'crlf.PubTator', strict=True)
  assert doc.passages[0].text == text.translate(str.maketrans('\t\r\n', '   '))
  assert doc.annotations
  assert all(text[s.start:s.end].translate(str.maketrans('\t\r\n', '   ')) == s.text
             for s in doc.annotations)


def test_empty_and_textless_documents_are_tagged_and_written(tagger, tmp_path):
  # A tagger that drops documents without sentences loses them from the output.
  inputs = tmp_path / 'in'
  inputs.mkdir()
  (inputs / 'a.PubTator').write_text('e1|t|\ne1|a|Abstract only.\n\ne2|t|Title only.\ne2|a|\n\n'
                                     'e3|t|\ne3|a|\n', encoding='utf-8')
  (inputs / 'b.json').write_text(json.dumps({'documents': [
      {'id': 'j1', 'passages': []}, {'id': 'j2', 'passages': [{'offset': 0, 'text': ''}]},
      {'id': 'j3', 'passages': [{'offset': 0, 'text': ' \t\r\n\u200b '}]}]}), encoding='utf-8')
  (inputs / 'c.txt').write_bytes(b'')
  ledger = _tag(tagger, [inputs], tmp_path / 'out')
  assert (ledger.read, ledger.tagged, ledger.skipped, ledger.written) == (7, 7, {}, 7)
  out = tmp_path / 'out'
  for name, source in (('a.PubTator', 'a.PubTator'), ('b.json', 'b.json')):
    documents = list(formats.read_documents(out / name, strict=True))
    originals = list(formats.read_documents(inputs / source))
    assert [(d.id, d.passages) for d in documents] == [(d.id, d.passages) for d in originals]
  [empty] = pubtator.read_pubtator(out / 'c.PubTator', strict=True)
  assert empty.id == 'c' and [p.text for p in empty.passages] == ['', '']


def test_control_characters_from_pdfs_do_not_break_xml_output(tagger, tmp_path):
  # ElementTree writes a form feed or NUL as it is: XML that no parser reads back.
  text = 'Aspirin\x0ccures\x00 headache\x1b in BRCA1\ufffe carriers.\x08' * 5
  source = tmp_path / 'pdf.txt'
  source.write_text(text, encoding='utf-8')
  _tag(tagger, [source], tmp_path / 'pdf.xml')
  [doc] = bioc.read_bioc_xml(tmp_path / 'pdf.xml', strict=True)
  shown = ''.join('\ufffd' if c in '\x0c\x00\x1b\ufffe\x08' else c for c in text)
  assert doc.passages[0].text == shown
  assert doc.annotations and all(shown[s.start:s.end] == s.text for s in doc.annotations)


def test_json_lone_surrogate_skips_its_document(tmp_path):
  # Kept, "\ud800" fails every UTF-8 writer after the whole file has been tagged.
  path = tmp_path / 'bad.json'
  path.write_text('{"documents": [{"id": "1", "passages": [{"offset": 0, "text": "ok"}]},'
                  '{"id": "2", "passages": [{"offset": 0, "text": "x\\ud800y"}]}]}',
                  encoding='utf-8')
  with pytest.warns(MalformedInputWarning, match=r'documents\[1\].*surrogates not allowed'):
    documents = list(bioc.read_bioc_json(path))
  assert [doc.id for doc in documents] == ['1']
  bioc.write_bioc_json(documents, tmp_path / 'out.json')


@pytest.mark.parametrize('content', ['{"documents": [{"id": ' + '1' * 5000 + '}]}',
                                     '{"documents": ' + '[' * 100_000 + ']' * 100_000 + '}'],
                         ids=['5000_digit_number', 'nested_100000_deep'])
def test_json_beyond_the_parser_limits_is_reported_not_raised(tmp_path, content):
  # json.loads raises ValueError and RecursionError here, not JSONDecodeError.
  path = tmp_path / 'limits.json'
  path.write_text(content, encoding='utf-8')
  with pytest.warns(MalformedInputWarning, match='not readable JSON.*file skipped'):
    assert not list(bioc.read_bioc_json(path))
  with pytest.raises(MalformedInputError):
    list(bioc.read_bioc_json(path, strict=True))


def test_overlapping_passages_skip_their_document(tmp_path):
  # Some tools start every passage at offset 0; read as they are, an offset names two places
  # and predictions are written into the wrong passage.
  overlapping = _xml_document('2').replace(
      '</document>', '<passage><offset>0</offset><text>Second passage.</text></passage>'
      '</document>')
  path = _xml_file(tmp_path, _xml_document('1'), overlapping, _xml_document('3'))
  with pytest.warns(MalformedInputWarning, match=r':4 \(document 2\): passage at offset 0 '
                    r'starts before the passage at 0 ends \(23\).*document skipped'):
    assert [doc.id for doc in bioc.read_bioc_xml(path)] == ['1', '3']
  json_path = tmp_path / 'overlap.json'
  json_path.write_text(json.dumps({'documents': [{'id': 'j', 'passages': [
      {'offset': 10, 'text': 'later'}, {'offset': 0, 'text': 'earlier'}]}]}), encoding='utf-8')
  with pytest.warns(MalformedInputWarning, match='passage at offset 0 starts before'):
    assert not list(bioc.read_bioc_json(json_path))


def test_an_annotation_of_white_space_alone_is_reported_not_lost():
  # Checked sentence by sentence, a span between sentences was in none and went unreported.
  doc = Document('w', [Passage(0, 'BRCA1 binds.   Then TP53.')],
                 [Span(12, 15, 'Gene'), Span(20, 24, 'Gene')])
  examples, problems = aio.document_examples(doc, 'Gene', {'Gene': 'Gene'})
  assert [aio.spans_from_labels(e.tokens, e.labels) for e in examples] == [[], [(20, 24, 'Gene')]]
  assert problems == [aio.Unrepresentable('w', 'Gene', (12, 15, 'Gene'), '   ',
                                          'boundary is not a word boundary')]


# 5. Fuzzing is in fuzz_test.py. 6. The ledger.


def test_the_ledger_adds_up_over_every_kind_of_skip(tagger, tmp_path, monkeypatch, caplog):
  # A ledger that counts only what reaches the tagger misses documents the readers drop.
  inputs, out = tmp_path / 'in', tmp_path / 'out'
  inputs.mkdir()
  (inputs / 'a.PubTator').write_bytes(
      b'good1|t|BRCA1 in breast cancer.\ngood1|a|\n\n'
      b'latin1|t|caf\xe9\nlatin1|a|\n\n'
      b'huge|t|' + b'word ' * 100 + b'\nhuge|a|\n\n'
      b'fails|t|Aspirin.\nfails|a|\n\n'
      b'empty|t|\nempty|a|\n')
  overlapping = _xml_document('overlap').replace(
      '</document>', '<passage><offset>3</offset><text>Again.</text></passage></document>')
  xml = _xml_file(tmp_path, _xml_document('x1'), overlapping, _xml_document('x3'))
  content = xml.read_bytes()
  (inputs / 'b.xml').write_bytes(content[:content.index(b'cures', content.index(b'x3'))])
  (inputs / 'c.txt').write_text('Tamoxifen.', encoding='utf-8')
  (inputs / 'd.txt').write_text('Already tagged.', encoding='utf-8')
  out.mkdir()
  (out / 'd.PubTator').write_text('d|t|Already tagged.\nd|a|\n', encoding='utf-8')
  monkeypatch.setattr(tagger, 'max_document_chars', 200)
  split = sentences_lib.split_document
  monkeypatch.setattr(sentences_lib, 'split_document', lambda doc, spans=(): (
      1 / 0 if doc.id == 'fails' else split(doc, spans)))
  with caplog.at_level(logging.WARNING):
    ledger = _tag(tagger, [inputs], out)
  assert ledger.skipped == {batch.MALFORMED: 2, batch.TOO_LARGE: 1, batch.TAGGING_FAILED: 1}
  assert (ledger.read, ledger.tagged, ledger.written) == (8, 4, 4)
  assert ledger.read == ledger.tagged + sum(ledger.skipped.values())
  assert ledger.written == ledger.tagged
  assert (ledger.lost_parts, ledger.files_done, ledger.files_existing) == (1, 3, 1)
  for named in ('(document latin1)', '(document overlap)', 'document huge skipped',
                'document fails skipped', 'b.xml:5 (document x3)'):
    assert named in caplog.text
  written = [doc.id for name in ('a.PubTator', 'b.xml', 'c.PubTator')
             for doc in formats.read_documents(out / name, strict=True)]
  assert written == ['good1', 'empty', 'x1', 'c']
  assert ledger.format().splitlines()[1:5] == [
      'documents read: 8', 'documents tagged: 4',
      'documents skipped: 4 (document too large: 1, malformed input: 2, tagging failed: 1)',
      'documents written: 4']
