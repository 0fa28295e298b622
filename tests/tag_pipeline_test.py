"""Tests of the Beam tagging pipeline on DirectRunner, with a tiny random model.

The pipeline runs once for the module, on PubTator, BioC and PubMed XML files with a malformed
document, an article without text, a document the tagger fails on and a file it cannot read;
bin/tag.py's runner tags the same files, and the two are compared.
"""

import filecmp
import io
import json
import pathlib
import shutil
import subprocess
import sys
import types

import pytest

from aioner_tf.data import bioc
from aioner_tf.data import formats
from aioner_tf.data import pubtator
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document
from aioner_tf.pipelines import tag_pipeline
from aioner_tf.tagging import batch
from aioner_tf.tagging import tagger as tagger_lib
from conftest import ROOT, TEST_DATA
from tagger_test import ANATOMY_TASKS, save_tiny_model

UNTAGGABLE = '10000002'
BEAM_ARGS = ['--runner=DirectRunner', '--direct_num_workers=1']


@pytest.fixture(scope='module')
def model_dir(tmp_path_factory):
  return save_tiny_model(tmp_path_factory.mktemp('model'))


def _tiny_documents(prefix):
  return [Document(f'{prefix}{doc.id}', doc.passages)
          for doc in pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator')]


def _inputs(folder: pathlib.Path) -> pathlib.Path:
  folder.mkdir()
  shutil.copy(TEST_DATA / 'tiny_train.PubTator', folder)
  shutil.copy(TEST_DATA / 'pubmed_articles.xml', folder)
  bioc.write_bioc_xml(_tiny_documents('bioc'), folder / 'collection.xml')
  (folder / 'broken.PubTator').write_bytes(b'p1|t|Aspirin for headache.\np1|a|\n\n'
                                           b'p2|t|caf\xe9 au lait\np2|a|\n')
  (folder / 'note.txt').write_text('Plain text is for bin/tag.py only.', encoding='utf-8')
  return folder


def _fragile(split):
  """`split` failing on the document UNTAGGABLE."""
  def fragile_split(doc, spans=()):
    if doc.id == UNTAGGABLE:
      raise RuntimeError('cannot split this one')
    return split(doc, spans)
  return fragile_split


@pytest.fixture(scope='module')
def runs(tmp_path_factory, model_dir):
  """One pipeline run and one run of bin/tag.py's runner on the same files."""
  root = tmp_path_factory.mktemp('runs')
  inputs = _inputs(root / 'in')
  with pytest.MonkeyPatch.context() as patch:
    patch.setattr(sentences_lib, 'split_document', _fragile(sentences_lib.split_document))
    patterns = tuple(str(inputs / pattern) for pattern in ('*.PubTator', '*.xml', '*.txt'))
    config = tag_pipeline.Config(patterns, str(root / 'beam'), str(model_dir), num_shards=2)
    ledger = tag_pipeline.run(config, BEAM_ARGS)
    readable = [str(p) for p in sorted(inputs.iterdir()) if p.suffix != '.txt']
    jobs = batch.plan_jobs(readable, str(root / 'tag_py'), formats.PUBTATOR)
    tag_py_ledger = batch.tag_files(tagger_lib.Tagger.load(str(model_dir)), jobs)
  return types.SimpleNamespace(beam=root / 'beam', tag_py=root / 'tag_py', ledger=ledger,
                               tag_py_ledger=tag_py_ledger)


def _sorted_documents(paths):
  docs = [doc for path in paths for doc in pubtator.read_pubtator(path, strict=True)]
  return sorted(docs, key=lambda doc: doc.id)


def test_output_equals_tag_py_output(runs):
  from_beam = _sorted_documents(runs.beam.glob('tagged-*'))
  from_tag_py = _sorted_documents(runs.tag_py.iterdir())
  assert from_beam == from_tag_py
  assert len(from_beam) == 12 and sum(len(doc.annotations) for doc in from_beam) > 12
  assert UNTAGGABLE not in [doc.id for doc in from_beam]


def test_outputs_are_sharded(runs):
  assert sorted(path.name for path in runs.beam.iterdir()) == [
      'failures-00000-of-00001.jsonl', 'tagged-00000-of-00002.PubTator',
      'tagged-00001-of-00002.PubTator']


def test_ledger_adds_up_and_equals_tag_py_ledger(runs):
  ledger = runs.ledger
  assert ledger.skipped == {batch.MALFORMED: 2, batch.TAGGING_FAILED: 1}
  assert ledger.read == ledger.tagged + sum(ledger.skipped.values()) == 15
  assert ledger.written == ledger.tagged
  assert (ledger.files_done, ledger.lost_parts) == (4, 1)  # note.txt cannot be read.
  counts = lambda l: (l.read, l.tagged, l.skipped, l.written, l.files_done)
  assert counts(ledger) == counts(runs.tag_py_ledger)


def test_failures_name_file_document_and_reason(runs):
  [path] = runs.beam.glob('failures-*')
  failures = [json.loads(line) for line in path.read_text(encoding='utf-8').splitlines()]
  assert sorted((pathlib.Path(f['file']).name, f['line'], f['id'], f['reason'])
                for f in failures) == [
      ('broken.PubTator', 4, 'p2', 'bytes that are not UTF-8 (invalid continuation byte at '
                                   'byte 8); document skipped'),
      ('note.txt', 0, None, 'not a PubTator, BioC or PubMed XML file; file skipped'),
      ('pubmed_articles.xml', 0, UNTAGGABLE,
       'tagging failed: RuntimeError: cannot split this one'),
      ('pubmed_articles.xml', 42, '10000003',
       'article has neither title nor abstract; document skipped')]


@pytest.mark.parametrize('fmt', [formats.PUBTATOR, formats.BIOC_XML])
def test_records_make_the_bytes_of_the_file_writers(tmp_path, fmt):
  docs = list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))
  docs[0].passages[1].text = docs[0].passages[1].text.replace(' ', '\n', 1)
  header, footer = formats.frame(fmt)
  lines = [header] + [formats.format_record(doc, fmt) for doc in docs] + [footer]
  formats.write_documents(docs, tmp_path / 'whole', fmt)
  assert ''.join(f'{line}\n' for line in lines if line is not None) == (
      (tmp_path / 'whole').read_text(encoding='utf-8'))


def test_json_lines_are_bioc_json_documents():
  docs = list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))
  lines = [formats.format_record(doc, formats.JSON_LINES) for doc in docs]
  assert formats.frame(formats.JSON_LINES) == (None, None)
  assert not any('\n' in line for line in lines)
  collection = '{"documents": [' + ','.join(lines) + ']}'
  assert list(bioc.read_bioc_json(io.BytesIO(collection.encode('utf-8')))) == docs


def test_config_rejects_what_cannot_be_written_or_tagged():
  with pytest.raises(ValueError, match='output format'):
    tag_pipeline.Config(('*.xml',), 'out', output_format=formats.BIOC_JSON)
  with pytest.raises(ValueError, match='unknown entity types'):
    tag_pipeline.Config(('*.xml',), 'out', entity_types=('Protein',))
  with pytest.raises(FileNotFoundError, match='no trained model'):
    tag_pipeline.Config(('*.xml',), 'out', model_dir='/nowhere')


def test_config_checks_entity_types_against_the_model_s_tasks(tmp_path):
  model_dir = str(save_tiny_model(tmp_path, ANATOMY_TASKS))
  tag_pipeline.Config(('*.xml',), 'out', model_dir, entity_types=('Gene', 'Cell'))
  with pytest.raises(ValueError, match=r"'Protein'.*'Anatomy'.*'Cell'"):
    tag_pipeline.Config(('*.xml',), 'out', model_dir, entity_types=('Cell', 'Protein'))


def test_a_remote_model_dir_is_copied_to_local_disk(model_dir):
  copy = pathlib.Path(tag_pipeline._copy_to_local(str(model_dir)))
  files = sorted(p.relative_to(model_dir) for p in model_dir.rglob('*') if p.is_file())
  assert files and files == sorted(p.relative_to(copy) for p in copy.rglob('*') if p.is_file())
  assert all(filecmp.cmp(model_dir / f, copy / f, shallow=False) for f in files)
  shutil.rmtree(copy)


def test_tag_beam_py_passes_beam_flags_and_prints_the_ledger(tmp_path, model_dir):
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'tag_beam.py'), f'--model_dir={model_dir}',
       f'--input={TEST_DATA / "tiny_train.PubTator"}', f'--output={tmp_path / "out"}',
       '--output_format=jsonl', *BEAM_ARGS],
      capture_output=True, text=True, cwd=tmp_path, check=False)
  assert run.returncode == 0, run.stderr
  assert 'documents read: 4\n' in run.stdout and 'documents written: 4\n' in run.stdout
  [shard] = (tmp_path / 'out').glob('tagged-*.jsonl')
  assert sorted(json.loads(line)['id'] for line in shard.read_text().splitlines()) == (
      sorted(doc.id for doc in pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator')))
