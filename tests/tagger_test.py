"""Tests of the Tagger, batch tagging of files and the format dispatch, on a tiny random model.

A random model predicts arbitrary labels: the tests compare runs with each other and check
offsets and bookkeeping, never predictions against gold.
"""

import json
import logging
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data import bioc
from aioner_tf.data import corpora
from aioner_tf.data import formats
from aioner_tf.data import prepare
from aioner_tf.data import pubtator
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document, Passage
from aioner_tf.data.errors import MalformedInputWarning
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.model import aioner
from aioner_tf.model import encoder
from aioner_tf.tagging import batch
from aioner_tf.tagging import confidence
from aioner_tf.tagging import postprocess
from aioner_tf.tagging import tagger as tagger_lib
from aioner_tf.training import trainer
from conftest import ROOT, TEST_DATA, TINY_ENCODER_CONFIG

MAX_LEN = 64
TEXT = 'BRCA1 mutations cause breast cancer in women treated with tamoxifen.'


# The tasks of a model grown for a group of new types (as configs/anem_*.flags train one).
ANATOMY_TASKS = {**aio.AIO_TASKS, 'Anatomy': ('Organ', 'Cell', 'Tissue')}


def save_tiny_model(directory, task_types=aio.AIO_TASKS):
  """Saves a random tiny model of `task_types` (and their labels) with MiniLM's tokenizer (their
  task tags placed) to `directory`."""
  tf.keras.utils.set_random_seed(1)
  model = aioner.build_model(aioner.ModelConfig(
      encoder_config=dict(TINY_ENCODER_CONFIG), labels=aio.labels_for_tasks(task_types),
      task_types={task: list(types) for task, types in task_types.items()}, max_len=MAX_LEN))
  aioner.save_model(model, directory)
  encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM),
                                list(task_types)).save(str(directory / 'tokenizer'))
  return directory


def save_merge_model(directory):
  """Prepares tests/data/tiny_train.PubTator in merge mode (no task tags) under `directory`
  and saves a random tiny model built from that data as bin/train.py builds and saves one;
  returns the model directory."""
  files = '\t'.join(['tiny_train.PubTator'] * 3)
  (directory / 'corpora.tsv').write_text(
      f'Tiny\tALL\t{" ".join(f"{t}:{t}" for t in aio.ENTITY_TYPES)}\t{files}\n')
  specs = corpora.read_corpus_list(str(directory / 'corpora.tsv'))
  tokenizer = encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM))
  data_dir = directory / 'data'
  prepare.prepare(specs, tokenizer, prepare.PrepareConfig(str(TEST_DATA), str(data_dir),
                                                          mode='merge', max_len=MAX_LEN))
  labels, task_types = prepare.read_labels(str(data_dir))
  tf.keras.utils.set_random_seed(1)
  config = trainer.TrainConfig(str(data_dir), str(directory / 'run'),
                               encoder_config=dict(TINY_ENCODER_CONFIG))
  tokenizer = SubwordTokenizer.load(str(data_dir / 'tokenizer'))
  model = trainer.build_for_training(config, tokenizer, MAX_LEN, labels, task_types)
  trainer.save_best(model, tokenizer, directory / 'best')
  return directory / 'best'


@pytest.fixture(scope='module')
def tagger(tmp_path_factory):
  return tagger_lib.Tagger.load(save_tiny_model(tmp_path_factory.mktemp('model')), batch_size=8)


def _documents(count):
  """`count` small PubTator documents with ids d0, d1, ..."""
  base = list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))
  return [Document(f'd{i}', base[i % len(base)].passages) for i in range(count)]


# The Tagger.


def test_spans_carry_the_text_at_their_offsets(tagger):
  text = 'Naïve café patients: ' + TEXT
  spans = tagger.tag(text)
  assert spans  # The random model predicts some entities, so the check below is not empty.
  assert all(span.text == text[span.start:span.end] for span in spans)
  assert all(span.type in tagger_lib.aio.ENTITY_TYPES for span in spans)


def test_tagging_is_deterministic(tagger):
  docs = _documents(5)
  assert tagger.tag_documents(docs) == tagger.tag_documents(docs)


@pytest.mark.parametrize('text', [' '.join(['protein'] * 3000),
                                  'The BRCA1 gene is mutated in cancer. ' * 715],
                         ids=['one_sentence_of_3000_words', '5005_words'])
def test_long_documents_are_tagged_whole(tagger, monkeypatch, text):
  doc = Document('long', [Passage(0, text)])
  pieces = list(tagger._pieces([doc], ['ALL'], {}))
  words = [t for s in sentences_lib.split_document(doc) for t in s.tokens]
  assert [t for piece in pieces for t in piece.tokens] == words  # Each word in one piece.
  assert max(len(piece.input_ids) for piece in pieces) <= MAX_LEN
  decoded_rows = []
  decode = tagger._decode
  monkeypatch.setattr(tagger, '_decode', lambda inputs: decoded_rows.append(
      int(inputs['input_ids'].shape[0])) or decode(inputs))
  result = tagger.tag_documents([doc])
  assert sum(decoded_rows) == len(pieces) and not result.failures
  assert all(span.text == text[span.start:span.end] for span in result.documents[0].annotations)


def test_a_subset_of_types_runs_one_pass_per_type(tagger, monkeypatch):
  tasks = []
  pieces = tagger._pieces
  monkeypatch.setattr(tagger, '_pieces', lambda docs, passes, failures: tasks.extend(passes) or
                      pieces(docs, passes, failures))
  spans = tagger.tag(TEXT, 'Gene,Disease')
  assert tasks == ['Gene', 'Disease']
  assert {span.type for span in spans} <= {'Gene', 'Disease'}


def test_overlapping_tags_each_type_in_a_pass_of_its_own_even_for_all(tagger, monkeypatch):
  tasks = []
  pieces = tagger._pieces
  monkeypatch.setattr(tagger, '_pieces', lambda docs, passes, failures: tasks.extend(passes) or
                      pieces(docs, passes, failures))
  monkeypatch.setattr(tagger, 'options', postprocess.Options(overlapping=True))
  tagger.tag(TEXT)
  assert tasks == list(tagger_lib.aio.ENTITY_TYPES)


def test_the_documents_of_a_call_are_tokenised_once_for_all_passes(tagger, monkeypatch):
  calls = []
  word_piece_ids = tagger.tokenizer.word_piece_ids
  monkeypatch.setattr(tagger.tokenizer, 'word_piece_ids',
                      lambda words: calls.append(words) or word_piece_ids(words))
  monkeypatch.setattr(tagger, 'options', postprocess.Options(overlapping=True))
  result = tagger.tag_documents(_documents(3))
  assert len(calls) == 1 and len(result.documents) == 3


def test_a_document_that_cannot_be_tokenised_fails_alone(tagger):
  alone = tagger.tag_documents(_documents(2)).documents
  bad = Document('bad', [Passage(0, 'A lone surrogate \ud800 in BRCA1 text.')])
  result = tagger.tag_documents([alone[0], bad, alone[1]])
  assert [f.doc_id for f in result.failures] == ['bad']
  assert 'converting unicode string' in result.failures[0].reason
  assert result.documents == alone


def _fixed_labels(tagger, monkeypatch, labels):
  """Makes `tagger` decode every piece's words as `labels` (then O); returns the list of the
  tasks of the pieces it is asked for."""
  ids = [tagger.model.config.labels.index(label) for label in labels]

  def decode(inputs):
    rows, words = inputs['word_positions'].shape
    return np.tile((ids + [0] * words)[:words], [rows, 1])

  monkeypatch.setattr(tagger, '_decode', decode)
  tasks = []
  pieces = tagger._pieces
  monkeypatch.setattr(tagger, '_pieces', lambda docs, passes, failures: tasks.extend(passes) or
                      pieces(docs, passes, failures))
  return tasks


NEW_TYPES_TEXT = 'BRCA1 in hepatocytes of the liver .'
NEW_TYPES_LABELS = ['B-Gene', 'O', 'B-Cell', 'O', 'O', 'B-Organ', 'O']


@pytest.fixture(scope='module')
def anatomy_tagger(tmp_path_factory):
  return tagger_lib.Tagger.load(save_tiny_model(tmp_path_factory.mktemp('anatomy'),
                                                ANATOMY_TASKS))


@pytest.mark.parametrize('entity_types, tasks, found', [
    ('ALL', ['ALL', 'Anatomy'], {('BRCA1', 'Gene'), ('hepatocytes', 'Cell'), ('liver', 'Organ')}),
    ('Anatomy', ['Anatomy'], {('hepatocytes', 'Cell'), ('liver', 'Organ')}),
    ('Cell', ['Anatomy'], {('hepatocytes', 'Cell')}),
    ('Gene,Cell', ['Gene', 'Anatomy'], {('BRCA1', 'Gene'), ('hepatocytes', 'Cell')}),
])
def test_a_model_of_new_types_tags_their_task_and_keeps_the_types_asked(
    anatomy_tagger, monkeypatch, entity_types, tasks, found):
  passes = _fixed_labels(anatomy_tagger, monkeypatch, NEW_TYPES_LABELS)
  spans = anatomy_tagger.tag(NEW_TYPES_TEXT, entity_types)
  assert passes == tasks
  assert {(span.text, span.type) for span in spans} == found


def test_a_model_of_new_types_tags_with_its_own_model(anatomy_tagger):
  spans = anatomy_tagger.tag(TEXT)
  assert all(span.type in aio.ENTITY_TYPES + ANATOMY_TASKS['Anatomy'] for span in spans)
  assert {span.type for span in anatomy_tagger.tag(TEXT, 'Cell')} <= {'Cell'}


def test_unknown_types_are_an_error_naming_the_model_s_tasks_and_types(anatomy_tagger):
  with pytest.raises(ValueError, match=r"unknown entity types \['Protein'\].*'Anatomy'.*'Cell'"):
    anatomy_tagger.tag(TEXT, 'Gene,Protein')


@pytest.mark.parametrize('entity_types, passes', [
    ('Gene', {'ALL': ['Gene']}),
    ('Gene,Variant', {'ALL': ['Gene', 'Variant']}),
    ('ALL', {'ALL': list(aio.ENTITY_TYPES)}),
])
def test_a_model_trained_on_all_only_finds_one_type_in_its_all_pass(entity_types, passes):
  only_all = {'ALL': aio.ENTITY_TYPES}
  assert tagger_lib.tasks_for_types(entity_types, task_types=only_all) == passes


def test_a_type_of_a_task_the_model_never_learnt_is_an_error():
  with pytest.raises(ValueError, match=r"unknown entity types \['Gene'\].*\['Anatomy'\]"):
    tagger_lib.tasks_for_types('Gene', task_types={'Anatomy': ('Organ', 'Cell')})


@pytest.fixture(scope='module')
def merge_tagger(tmp_path_factory):
  return tagger_lib.Tagger.load(save_merge_model(tmp_path_factory.mktemp('merge')))


def test_a_merge_model_records_its_one_task_without_tags(merge_tagger):
  assert merge_tagger.model.config.task_types == {
      '': [label[2:] for label in aio.LABELS if label.startswith('B-')]}


@pytest.mark.parametrize('entity_types, found', [
    ('ALL', {('BRCA1', 'Gene'), ('hepatocytes', 'CellLine'), ('liver', 'Disease')}),
    ('Gene,Disease', {('BRCA1', 'Gene'), ('liver', 'Disease')}),
])
def test_a_merge_model_tags_in_one_pass_without_tags_and_keeps_the_types_asked(
    merge_tagger, monkeypatch, entity_types, found):
  passes = _fixed_labels(merge_tagger, monkeypatch, ['B-Gene', 'O', 'B-CellLine', 'O', 'O',
                                                     'B-Disease', 'O'])
  spans = merge_tagger.tag(NEW_TYPES_TEXT, entity_types)
  assert passes == ['']
  assert {(span.text, span.type) for span in spans} == found


def test_a_merge_model_s_pieces_have_no_task_tags(merge_tagger):
  tag_ids = {i for task in merge_tagger.tokenizer.tasks
             for i in merge_tagger.tokenizer.task_tag_ids(task)}
  pieces = list(merge_tagger._pieces([Document('d', [Passage(0, TEXT)])], [''], {}))
  assert pieces and not any(tag_ids & set(piece.input_ids) for piece in pieces)
  assert {span.type for span in merge_tagger.tag(TEXT, 'Gene')} <= {'Gene'}


def test_an_entity_scores_the_mean_of_its_words_label_marginals(tagger, monkeypatch):
  labels = tagger.model.config.labels
  label_ids = [labels.index(label) for label in ('B-Gene', 'O', 'B-Disease', 'I-Disease', 'O')]

  def decode(inputs):
    rows, words = inputs['word_positions'].shape
    return {'label_ids': np.tile((label_ids * words)[:words], [rows, 1]),
            'word_scores': np.tile(np.linspace(0.5, 1, words), [rows, 1])}

  monkeypatch.setattr(tagger, '_decode', decode)
  spans = tagger.tag('BRCA1 and breast cancer .')  # Five words: 0.5, 0.625, 0.75, 0.875, 1.
  assert [(s.text, s.type, s.infons) for s in spans] == [
      ('BRCA1', 'Gene', (('score', '0.5000'),)),
      ('breast cancer', 'Disease', (('score', '0.8125'),))]


def test_the_model_gives_scores_in_0_1(tagger):
  spans = tagger.tag(TEXT)
  assert spans and all(0 < confidence.score_of(span) <= 1 for span in spans)


def test_a_decode_hook_without_scores_gives_unscored_spans(tagger):
  plain = tagger_lib.Tagger(tagger.model, tagger.tokenizer, decode=tagger.model.decode)
  spans = plain.tag(TEXT)
  assert [(s.start, s.end, s.type) for s in spans] == [
      (s.start, s.end, s.type) for s in tagger.tag(TEXT)]
  assert all(span.infons == () for span in spans)
  plain.options = postprocess.Options(min_score=0.5)
  with pytest.raises(ValueError, match='min_score needs scores'):
    plain.tag(TEXT)


def test_a_rule_that_fails_on_a_document_skips_that_document_only(tagger, monkeypatch):
  apply = tagger_lib.postprocess.apply

  def failing_on_bad(doc, spans, options):
    if doc.id == 'bad':
      raise RuntimeError('rule broke')
    return apply(doc, spans, options)

  monkeypatch.setattr(tagger_lib.postprocess, 'apply', failing_on_bad)
  documents = [Document(doc_id, [Passage(0, TEXT)]) for doc_id in ('good', 'bad', 'also good')]
  result = tagger.tag_documents(documents)
  assert [doc.id for doc in result.documents] == ['good', 'also good']
  assert result.documents[0].annotations
  assert result.failures == [tagger_lib.Failure(1, 'bad', 'RuntimeError: rule broke')]


def test_min_score_drops_entities_below_it(tagger, monkeypatch):
  scores = sorted(confidence.score_of(span) for span in tagger.tag(TEXT))
  monkeypatch.setattr(tagger, 'options', postprocess.Options(min_score=scores[len(scores) // 2]))
  kept = [confidence.score_of(span) for span in tagger.tag(TEXT)]
  assert sorted(kept) == scores[len(scores) // 2:]


def test_a_failing_document_is_skipped_not_the_batch(tagger, monkeypatch):
  split = sentences_lib.split_document

  def fragile_split(doc, spans=()):
    if doc.id == 'bad':
      raise RuntimeError('cannot split this one')
    return split(doc, spans)

  monkeypatch.setattr(sentences_lib, 'split_document', fragile_split)
  docs = [Document('good', [Passage(0, TEXT)]), Document('bad', [Passage(0, TEXT)]),
          Document('empty', [Passage(0, '')])]
  result = tagger.tag_documents(docs)
  assert [doc.id for doc in result.documents] == ['good', 'empty']
  assert result.documents[1].annotations == []
  assert result.failures == [tagger_lib.Failure(1, 'bad', 'RuntimeError: cannot split this one')]


def test_load_without_a_default_model_says_how_to_get_one(tmp_path, monkeypatch):
  monkeypatch.setattr(tagger_lib, 'DEFAULT_MODEL_DIR', tmp_path / 'default')
  with pytest.raises(FileNotFoundError, match='bin/train.py'):
    tagger_lib.Tagger.load()


def test_package_exports_the_tagger_and_data_modules_need_no_tensorflow():
  from aioner_tf import Tagger  # pylint: disable=g-import-not-at-top
  assert Tagger is tagger_lib.Tagger
  check = ('import sys, aioner_tf, aioner_tf.data.formats, aioner_tf.evaluation; '
           'assert "tensorflow" not in sys.modules')
  subprocess.run([sys.executable, '-c', check], cwd=ROOT, check=True)


# Formats and plain text.


def test_plain_text_is_one_document_with_code_point_offsets(tmp_path):
  path = tmp_path / 'note 1.txt'
  path.write_text('Naïve BRCA1\ncarriers.', encoding='utf-8')
  [doc] = formats.read_documents(path)
  assert doc.id == 'note 1' and doc.passages == [Passage(0, 'Naïve BRCA1\ncarriers.')]
  assert doc.text_at(6, 11) == 'BRCA1'


def test_plain_text_that_is_not_utf8_is_reported_and_yields_nothing(tmp_path):
  path = tmp_path / 'broken.txt'
  path.write_bytes(b'line one\ncaf\xe9\n')
  with pytest.warns(MalformedInputWarning, match=r'broken.txt:2 \(document broken\)'):
    assert not list(formats.read_documents(path))


def test_formats_follow_extensions():
  assert [formats.format_of(name) for name in ('a.PubTator', 'b.BioC.XML', 'c.json', 'd.txt',
                                               'e.conll')] == [
      formats.PUBTATOR, formats.BIOC_XML, formats.BIOC_JSON, formats.PLAINTEXT, None]
  with pytest.raises(ValueError, match='unknown extension'):
    formats.read_documents('e.conll')


def test_pubtator_output_turns_line_breaks_into_spaces_and_keeps_offsets(tmp_path):
  doc = Document('n', [Passage(0, 'BRCA1\nin\tcancer')])
  doc.annotations = [tagger_lib.Span(0, 15, 'Disease', 'BRCA1\nin\tcancer')]
  formats.write_documents([doc], tmp_path / 'n.PubTator', formats.PUBTATOR)
  [again] = formats.read_documents(tmp_path / 'n.PubTator')
  assert again.passages[0].text == 'BRCA1 in cancer'
  assert again.annotations == [tagger_lib.Span(0, 15, 'Disease', 'BRCA1 in cancer')]


# Batch tagging.


def test_plan_names_outputs_after_inputs(tmp_path):
  inputs = tmp_path / 'in'
  (inputs / 'sub').mkdir(parents=True)
  for name in ('a.PubTator', 'b.txt', 'c.BioC.XML', '.hidden.xml', 'notes.md'):
    (inputs / name).write_text('')
  names = lambda jobs: [(j.input_path.name, j.output_path.name, j.output_format) for j in jobs]
  assert names(batch.plan_jobs([str(inputs)], str(tmp_path / 'out'))) == [
      ('a.PubTator', 'a.PubTator', 'pubtator'), ('b.txt', 'b.PubTator', 'pubtator'),
      ('c.BioC.XML', 'c.BioC.XML', 'bioc_xml')]
  assert names(batch.plan_jobs([str(inputs)], str(tmp_path / 'out'), 'bioc_json'))[2] == (
      'c.BioC.XML', 'c.BioC.json', 'bioc_json')
  assert names(batch.plan_jobs([str(inputs / 'b.txt')], str(tmp_path / 'b.xml'))) == [
      ('b.txt', 'b.xml', 'bioc_xml')]
  with pytest.raises(ValueError, match='overwrite'):
    batch.plan_jobs([str(inputs)], str(inputs))
  (inputs / 'a.txt').write_text('')
  with pytest.raises(ValueError, match='both be written'):
    batch.plan_jobs([str(inputs)], str(tmp_path / 'out'))


class _Killed(Exception):
  """Stands for the process being killed."""


def _kill_at_calls(tagger, monkeypatch, kill_at_call):
  """Makes `tagger.tag_documents` raise _Killed at the calls numbered in `kill_at_call` (a list
  the caller may change); returns the list of the sizes of its calls."""
  calls = []
  tag_documents = tagger.tag_documents

  def dying_tag_documents(docs, entity_types):
    calls.append(len(docs))
    if len(calls) in kill_at_call:
      raise _Killed()
    return tag_documents(docs, entity_types)

  monkeypatch.setattr(tagger, 'tag_documents', dying_tag_documents)
  return calls


@pytest.mark.parametrize('output_format', ['same', 'bioc_json'])
def test_a_killed_run_resumes_to_the_same_bytes(tagger, tmp_path, monkeypatch, output_format):
  source = tmp_path / 'docs.PubTator'
  pubtator.write_pubtator(_documents(7), source)
  [whole] = batch.plan_jobs([str(source)], str(tmp_path / 'whole'), output_format)
  batch.tag_file(tagger, whole, 'ALL', chunk_size=2)

  kill_at_call = [2]
  calls = _kill_at_calls(tagger, monkeypatch, kill_at_call)
  [job] = batch.plan_jobs([str(source)], str(tmp_path / 'resumed'), output_format)
  with pytest.raises(_Killed):
    batch.tag_file(tagger, job, 'ALL', chunk_size=2)
  assert not job.output_path.exists()
  progress = json.loads(job.output_path.with_name(job.output_path.name + '.progress').read_text())
  assert progress['documents_done'] == 2

  calls.clear()
  kill_at_call.clear()
  ledger = batch.tag_file(tagger, job, 'ALL', chunk_size=2)
  assert calls == [2, 2, 1]  # The first chunk was not tagged again.
  assert job.output_path.read_bytes() == whole.output_path.read_bytes()
  assert (ledger.read, ledger.tagged, ledger.skipped, ledger.written) == (7, 7, {}, 7)
  assert sorted(p.name for p in job.output_path.parent.iterdir()) == [job.output_path.name]


def test_malformed_inputs_are_skipped_and_named(tagger, tmp_path, caplog):
  inputs = tmp_path / 'in'
  inputs.mkdir()
  (inputs / 'corpus.PubTator').write_bytes(
      b'good1|t|BRCA1 in breast cancer.\ngood1|a|\n\n'
      b'badbytes|t|caf\xe9 au lait\nbadbytes|a|\n\n'
      b'badoffsets|t|TP53 in mice.\nbadoffsets|a|\nbadoffsets\t40\t30\tTP53\tGene\n\n'
      b'good2|t|Aspirin for headache.\ngood2|a|\n')
  (inputs / 'broken.txt').write_bytes(b'caf\xe9')
  (inputs / 'fine.txt').write_text(TEXT, encoding='utf-8')
  jobs = batch.plan_jobs([str(inputs)], str(tmp_path / 'out'))
  with caplog.at_level(logging.WARNING):
    ledger = batch.tag_files(tagger, jobs, chunk_size=2)
  log = caplog.text
  assert 'corpus.PubTator:4 (document badbytes)' in log
  assert 'corpus.PubTator:9 (document badoffsets)' in log
  assert 'broken.txt:1 (document broken)' in log
  assert (ledger.read, ledger.tagged, ledger.skipped, ledger.written) == (
      6, 4, {batch.MALFORMED: 2}, 4)
  assert ledger.read == ledger.tagged + sum(ledger.skipped.values())
  written = {path.name: [doc.id for doc in pubtator.read_pubtator(path)]
             for path in (tmp_path / 'out').iterdir()}
  assert written == {'corpus.PubTator': ['good1', 'badoffsets', 'good2'],
                     'broken.PubTator': [], 'fine.PubTator': ['fine']}


def test_a_document_that_cannot_be_tagged_is_counted_and_not_written(tagger, tmp_path,
                                                                     monkeypatch, caplog):
  source = tmp_path / 'docs.PubTator'
  pubtator.write_pubtator(_documents(3), source)
  split = sentences_lib.split_document
  monkeypatch.setattr(sentences_lib, 'split_document', lambda doc, spans=(): (
      1 / 0 if doc.id == 'd1' else split(doc, spans)))
  jobs = batch.plan_jobs([str(source)], str(tmp_path / 'out'))
  with caplog.at_level(logging.WARNING):
    ledger = batch.tag_files(tagger, jobs)
  assert 'docs.PubTator: document d1 skipped: tagging failed (ZeroDivisionError' in caplog.text
  assert (ledger.read, ledger.tagged, ledger.skipped, ledger.written) == (
      3, 2, {batch.TAGGING_FAILED: 1}, 2)
  assert [doc.id for doc in pubtator.read_pubtator(jobs[0].output_path)] == ['d0', 'd2']


def test_pubtator_to_bioc_xml_keeps_passages_and_adds_predictions(tagger, tmp_path):
  source = TEST_DATA / 'tiny_train.PubTator'
  jobs = batch.plan_jobs([str(source)], str(tmp_path / 'tagged.xml'))
  ledger = batch.tag_files(tagger, jobs, 'Gene,Chemical')
  docs = list(pubtator.read_pubtator(source))
  expected = tagger.tag_documents(docs, 'Gene,Chemical').documents
  assert list(bioc.read_bioc_xml(tmp_path / 'tagged.xml')) == expected
  assert [d.passages for d in expected] == [d.passages for d in docs]
  assert any(d.annotations for d in expected)
  assert ledger.written == len(docs) == 4
  again = batch.tag_files(tagger, jobs, 'Gene,Chemical')  # The output exists: skipped.
  assert (again.files_existing, again.read) == (1, 0)


def test_bioc_output_keeps_scores_and_pubtator_stays_standard(tagger, tmp_path):
  source = TEST_DATA / 'tiny_train.PubTator'
  batch.tag_files(tagger, batch.plan_jobs([str(source)], str(tmp_path / 'tagged.json')))
  batch.tag_files(tagger, batch.plan_jobs([str(source)], str(tmp_path / 'tagged.PubTator')))
  expected = tagger.tag_documents(list(pubtator.read_pubtator(source))).documents
  assert list(bioc.read_bioc_json(tmp_path / 'tagged.json')) == expected
  assert all(confidence.score_of(span) is not None for doc in expected for span in doc.annotations)
  lines = (tmp_path / 'tagged.PubTator').read_text().splitlines()
  annotation_lines = [line for line in lines if '\t' in line]
  assert annotation_lines and all(len(line.split('\t')) == 5 for line in annotation_lines)


@pytest.mark.parametrize('change', ['options', 'model_id'])
def test_other_options_or_model_start_a_stopped_run_over(tagger, tmp_path, monkeypatch, change):
  source = tmp_path / 'docs.PubTator'
  pubtator.write_pubtator(_documents(4), source)
  [job] = batch.plan_jobs([str(source)], str(tmp_path / 'out.json'))
  kill_at_call = [2]
  calls = _kill_at_calls(tagger, monkeypatch, kill_at_call)
  with pytest.raises(_Killed):
    batch.tag_file(tagger, job, 'ALL', chunk_size=2)
  calls.clear()
  kill_at_call.clear()
  if change == 'options':
    monkeypatch.setattr(tagger, 'options', postprocess.Options(consistency=True))
  else:  # Other weights (another --model_dir, or the same directory retrained).
    monkeypatch.setattr(tagger, 'model_id', 'another model')
  batch.tag_file(tagger, job, 'ALL', chunk_size=2)
  assert calls == [2, 2, 0]  # From the start: the stopped run had done the first chunk.
