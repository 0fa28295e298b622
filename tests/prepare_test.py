"""Tests of corpus → TFRecords: task tags, modes, long sentences and the summary."""

import json

import pytest

from aioner_tf.data import aio
from aioner_tf.data import corpora
from aioner_tf.data import prepare
from aioner_tf.data import pubtator
from aioner_tf.data import tfrecords
from aioner_tf.model import encoder
from conftest import TEST_DATA

TYPES = 'Gene:Gene Chemical:Chemical Disease:Disease CellLine:CellLine Species:Species Variant:Variant'


@pytest.fixture(scope='module')
def tokenizer():
  return encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM))


def run_prepare(tmp_path, tokenizer, mode, max_len=256, task='ALL', types=TYPES):
  tmp_path.mkdir(parents=True, exist_ok=True)
  files = '\t'.join(['tiny_train.PubTator'] * 3)
  (tmp_path / 'corpora.tsv').write_text(f'Tiny\t{task}\t{types}\t{files}\n')
  specs = corpora.read_corpus_list(str(tmp_path / 'corpora.tsv'))
  config = prepare.PrepareConfig(str(TEST_DATA), str(tmp_path / 'out'), mode=mode,
                                 max_len=max_len)
  summary = prepare.prepare(specs, tokenizer, config)
  return summary, tfrecords.read_raw_records(str(tmp_path / 'out' / 'test' / '*.tfrecord'))


def gold_documents():
  return list(pubtator.read_pubtator(TEST_DATA / 'tiny_train.PubTator'))


def test_aio_records_carry_the_task_tags_and_every_mention(tmp_path, tokenizer):
  summary, records = run_prepare(tmp_path, tokenizer, 'aio')
  opening, closing = tokenizer.task_tag_ids('ALL')
  for record in records:
    assert record['input_ids'][:2] == [tokenizer.cls_id, opening]
    assert record['input_ids'][-2:] == [closing, tokenizer.sep_id]
    assert sum(record['word_mask']) == len(record['label_ids']) == len(record['word_starts'])
    assert record['task'] == 'ALL'
  assert summary['corpora']['Tiny']['test']['mentions'] == {
      'CellLine': 3, 'Chemical': 6, 'Disease': 7, 'Gene': 8, 'Species': 4, 'Variant': 4}
  labels = {aio.LABELS[i] for r in records for i in r['label_ids']}
  assert 'O' in labels and not any(l.startswith('O-') for l in labels)
  saved = json.loads((tmp_path / 'out' / 'summary.json').read_text())
  assert saved['corpora'] == json.loads(json.dumps(summary['corpora']))


def test_records_decode_back_to_the_gold_spans(tmp_path, tokenizer):
  _, records = run_prepare(tmp_path, tokenizer, 'aio')
  decoded = set()
  for record in records:
    tokens = [aio.sentences_lib.Token(s, e, '') for s, e in
              zip(record['word_starts'], record['word_ends'])]
    labels = [aio.LABELS[i] for i in record['label_ids']]
    decoded |= {(record['doc_id'], s, e, t) for s, e, t in aio.spans_from_labels(tokens, labels)}
  gold = {(d.id, s.start, s.end, s.type) for d in gold_documents() for s in d.annotations}
  assert decoded == gold


def test_merge_mode_has_no_task_tags(tmp_path, tokenizer):
  _, records = run_prepare(tmp_path, tokenizer, 'merge')
  for record in records:
    assert record['task'] == ''
    assert record['input_ids'][1] not in {tokenizer.task_tag_ids('ALL')[0]}
    assert record['input_ids'][0] == tokenizer.cls_id and record['input_ids'][-1] == tokenizer.sep_id


@pytest.mark.parametrize('task, types, mode, recorded', [
    ('ALL', TYPES, 'aio', {'ALL': list(aio.ENTITY_TYPES)}),
    ('Gene', 'Gene:Gene', 'aio', {'Gene': ['Gene']}),
    ('ALL', TYPES, 'ind', {t: [t] for t in aio.ENTITY_TYPES}),
])
def test_the_data_records_only_the_tasks_it_trains(tmp_path, tokenizer, task, types, mode,
                                                    recorded):
  run_prepare(tmp_path, tokenizer, mode, task=task, types=types)
  labels, task_types = prepare.read_labels(str(tmp_path / 'out'))
  assert labels == list(aio.LABELS) and task_types == recorded


def test_merge_mode_records_one_task_without_tags_of_every_type(tmp_path, tokenizer):
  run_prepare(tmp_path, tokenizer, 'merge')
  labels, task_types = prepare.read_labels(str(tmp_path / 'out'))
  every = [label[2:] for label in aio.LABELS if label.startswith('B-')]
  assert (labels, task_types) == (list(aio.LABELS), {'': every})
  (tmp_path / 'out' / prepare.LABELS_FILE).unlink()  # As written before labels.json existed.
  assert prepare.read_labels(str(tmp_path / 'out')) == (labels, task_types)


def test_ind_mode_splits_an_all_corpus_into_one_task_per_type(tmp_path, tokenizer):
  summary, records = run_prepare(tmp_path, tokenizer, 'ind')
  assert {r['task'] for r in records} == set(aio.ENTITY_TYPES)
  for record in records:
    allowed = {f'B-{record["task"]}', f'I-{record["task"]}', f'O-{record["task"]}'}
    assert {aio.LABELS[i] for i in record['label_ids']} <= allowed
  assert sum(summary['corpora']['Tiny']['test']['mentions'].values()) == 32


def test_long_sentences_are_split_into_pieces_and_keep_every_word(tmp_path, tokenizer):
  _, short = run_prepare(tmp_path / 'a', tokenizer, 'aio', max_len=256)
  _, pieces = run_prepare(tmp_path / 'b', tokenizer, 'aio', max_len=16)
  assert len(pieces) > len(short)
  assert all(len(r['input_ids']) <= 16 for r in pieces)
  words = lambda rs: [(r['doc_id'], s) for r in rs for s in r['word_starts']]
  assert words(pieces) == words(short)


def test_unknown_mode_is_refused():
  spec = corpora.CorpusSpec('X', 'ALL', {'Gene': 'Gene'}, None, None, None)
  with pytest.raises(ValueError, match='mode'):
    prepare.tasks_for(spec, 'nested')


ANATOMY_TYPES = 'Organ:Organ Cell:Cell Organism_substance:Organism_substance'
ANATOMY_LINE = ('TinyAnatomy\tAnatomy\t' + ANATOMY_TYPES +
                '\ttiny_anatomy.conll\ttiny_anatomy.conll\ttiny_anatomy.conll\tconll_offsets')


def run_prepare_with_anatomy(tmp_path, fractions=None):
  """Prepares the tiny AIO corpus and a tiny corpus of new (anatomy) types side by side."""
  files = '\t'.join(['tiny_train.PubTator'] * 3)
  (tmp_path / 'corpora.tsv').write_text(f'Tiny\tALL\t{TYPES}\t{files}\n{ANATOMY_LINE}\n')
  specs = corpora.read_corpus_list(str(tmp_path / 'corpora.tsv'))
  tokenizer = encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM),
                                            list(prepare.corpus_tasks(specs)))
  config = prepare.PrepareConfig(str(TEST_DATA), str(tmp_path / 'out'),
                                 fractions=fractions or {})
  return prepare.prepare(specs, tokenizer, config), tokenizer


def test_a_corpus_of_new_types_grows_labels_and_task_tags_without_moving_old_ids(
    tmp_path, tokenizer):
  summary, grown = run_prepare_with_anatomy(tmp_path)
  saved = json.loads((tmp_path / 'out' / prepare.LABELS_FILE).read_text())
  assert saved['task_types']['Anatomy'] == ['Organ', 'Cell', 'Organism_substance']
  assert saved['labels'] == list(aio.LABELS) + [
      'O-Anatomy', 'B-Organ', 'I-Organ', 'B-Cell', 'I-Cell', 'B-Organism_substance',
      'I-Organism_substance']
  assert prepare.read_labels(str(tmp_path / 'out')) == (saved['labels'], saved['task_types'])
  for task in aio.AIO_TASKS:
    assert grown.task_tag_ids(task) == tokenizer.task_tag_ids(task)
  assert summary['corpora']['TinyAnatomy']['test']['mentions'] == {
      'Cell': 1, 'Organ': 3, 'Organism_substance': 1}  # Pathological_formation is not mapped.
  records = tfrecords.read_raw_records(str(tmp_path / 'out' / 'test' / 'TinyAnatomy.tfrecord'))
  opening, closing = grown.task_tag_ids('Anatomy')
  assert {r['input_ids'][1] for r in records} == {opening}
  words = [(saved['labels'][i], r['word_starts'][k]) for r in records
           for k, i in enumerate(r['label_ids'])]
  assert words[:3] == [('B-Organ', 0), ('B-Cell', 6), ('I-Cell', 14)]
  assert {label for label, _ in words} == {'B-Organ', 'B-Cell', 'I-Cell', 'O-Anatomy',
                                            'B-Organism_substance'}
  old = tfrecords.read_raw_records(str(tmp_path / 'out' / 'test' / 'Tiny.tfrecord'))
  _, plain = run_prepare(tmp_path / 'plain', tokenizer, 'aio')
  assert [r['label_ids'] for r in old] == [r['label_ids'] for r in plain]


def test_test_gold_holds_the_task_annotations_as_pubtator(tmp_path):
  run_prepare_with_anatomy(tmp_path)
  gold = list(pubtator.read_pubtator(tmp_path / 'out' / prepare.GOLD_DIR / 'TinyAnatomy.PubTator'))
  assert [d.id for d in gold] == ['tiny_anatomy.conll-1', 'tiny_anatomy.conll-2']
  assert [(s.text, s.type) for s in gold[1].annotations] == [('Skin', 'Organ')]
  tiny = list(pubtator.read_pubtator(tmp_path / 'out' / prepare.GOLD_DIR / 'Tiny.PubTator'))
  assert [d.annotations for d in tiny] == [d.annotations for d in gold_documents()]


def test_a_fraction_samples_train_and_dev_documents_but_not_test(tmp_path):
  summary, _ = run_prepare_with_anatomy(tmp_path, fractions={'TinyAnatomy': 0.5})
  counts = {split: s['documents'] for split, s in summary['corpora']['TinyAnatomy'].items()}
  assert counts == {'train': 1, 'dev': 1, 'test': 2}


def test_a_tokenizer_without_the_new_task_tags_is_refused(tmp_path, tokenizer):
  (tmp_path / 'corpora.tsv').write_text(ANATOMY_LINE + '\n')
  specs = corpora.read_corpus_list(str(tmp_path / 'corpora.tsv'))
  with pytest.raises(ValueError, match=r"no task tags for \['Anatomy'\]"):
    prepare.prepare(specs, tokenizer, prepare.PrepareConfig(str(TEST_DATA), str(tmp_path)))
