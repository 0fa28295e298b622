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
