"""AIO examples ↔ TFRecords, and the tf.data pipeline that feeds training.

A record holds one piece: subword ids `[CLS] <task> ... </task> [SEP]` (no tags in naive-merge
mode), a word-start mask over them, one label id per word and the character offsets of each
word, plus the document id, corpus and task for bookkeeping.
"""

from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data.tokenizer import SubwordTokenizer

LABEL_IDS = {label: i for i, label in enumerate(aio.LABELS)}
# Subword lengths at which batches are cut into buckets (subwords, tags and [CLS]/[SEP] included).
BUCKET_BOUNDARIES = (32, 48, 64, 96, 128, 192)


def tag_overhead(task: str) -> int:
  """Subwords a piece spends besides its words: [CLS], [SEP] and the two task tags."""
  return 2 if task == aio.NO_TASK else 4


def piece_ids(example: aio.Example, word_ids: Sequence[Sequence[int]], max_len: int,
              tokenizer: SubwordTokenizer):
  """Returns (input_ids, word_mask) of a piece made by `aio.split_long_example`."""
  budget = max_len - tag_overhead(example.task)
  body, mask = [], []
  for ids in word_ids:
    ids = list(ids[:budget])  # Only a lone over-long word is cut, see split_long_example.
    body.extend(ids)
    mask.extend([1] + [0] * (len(ids) - 1))
  if len(body) > budget:
    raise ValueError(f'piece of {example.doc_id} has {len(body)} subwords, budget {budget}')
  if example.task != aio.NO_TASK:
    opening, closing = tokenizer.task_tag_ids(example.task)
    body, mask = [opening] + body + [closing], [0] + mask + [0]
  return [tokenizer.cls_id] + body + [tokenizer.sep_id], [0] + mask + [0]


def example_pieces(examples: Sequence[aio.Example], word_ids: Sequence[Sequence[int]],
                   max_len: int, tokenizer: SubwordTokenizer, counts: Optional[Dict] = None
                   ) -> Iterator[Tuple[aio.Example, List[int], List[int]]]:
  """Yields (piece, input_ids, word_mask) for the examples of one task, each split into pieces
  that fit `max_len` with its tags (aio.split_long_example). `word_ids` are the subword ids of
  the examples' words in order, so WordPiece runs once for a whole document; `counts`, if
  given, gains the 'shortened_words' that had to be cut."""
  offset = 0
  for example in examples:
    n = len(example.tokens)
    ids = word_ids[offset:offset + n]
    offset += n
    budget = max_len - tag_overhead(example.task)
    pieces, shortened = aio.split_long_example(example, [len(x) for x in ids], budget)
    if counts is not None:
      counts['shortened_words'] += shortened
    position = 0
    for piece in pieces:
      piece_word_ids = ids[position:position + len(piece.tokens)]
      position += len(piece.tokens)
      yield (piece, *piece_ids(piece, piece_word_ids, max_len, tokenizer))


def _int64s(values) -> tf.train.Feature:
  return tf.train.Feature(int64_list=tf.train.Int64List(value=list(values)))


def _bytes(value: str) -> tf.train.Feature:
  return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode('utf-8')]))


def to_tf_example(example: aio.Example, input_ids: Sequence[int], word_mask: Sequence[int],
                  label_ids: Mapping[str, int] = LABEL_IDS) -> tf.train.Example:
  """The record of a piece; `label_ids` maps labels to ids (a grown vocabulary's, see
  aio.labels_for_tasks)."""
  features = {
      'input_ids': _int64s(input_ids),
      'word_mask': _int64s(word_mask),
      'label_ids': _int64s(label_ids[label] for label in example.labels),
      'word_starts': _int64s(t.start for t in example.tokens),
      'word_ends': _int64s(t.end for t in example.tokens),
      'doc_id': _bytes(example.doc_id),
      'corpus': _bytes(example.corpus),
      'task': _bytes(example.task),
      'sentence_index': _int64s([example.sentence_index]),
      'piece_index': _int64s([example.piece_index]),
  }
  return tf.train.Example(features=tf.train.Features(feature=features))


_FEATURES = {
    'input_ids': tf.io.RaggedFeature(tf.int64),
    'word_mask': tf.io.RaggedFeature(tf.int64),
    'label_ids': tf.io.RaggedFeature(tf.int64),
    'word_starts': tf.io.RaggedFeature(tf.int64),
    'word_ends': tf.io.RaggedFeature(tf.int64),
    'doc_id': tf.io.FixedLenFeature([], tf.string),
    'corpus': tf.io.FixedLenFeature([], tf.string),
    'task': tf.io.FixedLenFeature([], tf.string),
    'sentence_index': tf.io.FixedLenFeature([], tf.int64),
    'piece_index': tf.io.FixedLenFeature([], tf.int64),
}


def parse_record(record: tf.Tensor) -> Dict[str, tf.Tensor]:
  """Parses one serialised record into its raw features."""
  return tf.io.parse_single_example(record, _FEATURES)


def to_model_inputs(raw: Dict[str, tf.Tensor]):
  """Raw features → (model inputs, word label ids) with int32 tensors."""
  input_ids = tf.cast(raw['input_ids'], tf.int32)
  word_positions = tf.cast(tf.where(raw['word_mask'] > 0)[:, 0], tf.int32)
  features = {
      'input_ids': input_ids,
      'attention_mask': tf.ones_like(input_ids),
      'word_positions': word_positions,
  }
  return features, tf.cast(raw['label_ids'], tf.int32)


def make_dataset(file_pattern: str, batch_size: int, training: bool, seed: int = 0,
                 shuffle_buffer: int = 10000,
                 input_context: Optional[tf.distribute.InputContext] = None,
                 bucket_boundaries: Sequence[int] = BUCKET_BOUNDARIES) -> tf.data.Dataset:
  """Batches of (features, labels) padded per length bucket.

  `batch_size` is the global batch size; under `strategy.distribute_datasets_from_function`
  pass the `input_context` and each replica reads its own shard of files or records at the
  per-replica batch size. Padding: subword ids with 0 ([PAD] in BERT vocabularies), attention
  mask with 0, word positions with 0 and labels with 0; the model masks padded words by the
  number of real words, `sum(word_positions > 0)`.
  """
  files = tf.data.Dataset.list_files(file_pattern, shuffle=training, seed=seed)
  if input_context is not None:
    batch_size = input_context.get_per_replica_batch_size(batch_size)
  dataset = files.interleave(tf.data.TFRecordDataset, num_parallel_calls=tf.data.AUTOTUNE,
                             deterministic=not training)
  if input_context is not None and input_context.num_input_pipelines > 1:
    dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
  if training:
    dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
  dataset = dataset.map(parse_record, num_parallel_calls=tf.data.AUTOTUNE)
  dataset = dataset.map(to_model_inputs, num_parallel_calls=tf.data.AUTOTUNE)
  dataset = dataset.bucket_by_sequence_length(
      element_length_func=lambda features, labels: tf.shape(features['input_ids'])[0],
      bucket_boundaries=list(bucket_boundaries),
      bucket_batch_sizes=[batch_size] * (len(bucket_boundaries) + 1),
      drop_remainder=False)
  return dataset.prefetch(tf.data.AUTOTUNE)


def write_records(path: str, records: Iterable[tf.train.Example]) -> int:
  """Writes serialised records to `path`; returns how many."""
  count = 0
  with tf.io.TFRecordWriter(path) as writer:
    for record in records:
      writer.write(record.SerializeToString())
      count += 1
  return count


def read_raw_records(file_pattern: str) -> List[Dict[str, object]]:
  """Reads all records as Python values (tests and summaries; not for training)."""
  dataset = tf.data.Dataset.list_files(file_pattern, shuffle=False).flat_map(
      tf.data.TFRecordDataset).map(parse_record)
  rows = []
  for raw in dataset.as_numpy_iterator():
    rows.append({k: (v.decode('utf-8') if isinstance(v, bytes) else
                     v.tolist() if hasattr(v, 'tolist') else v) for k, v in raw.items()})
  return rows


def make_eval_dataset(file_pattern: str, batch_size: int, corpora: Sequence[str] = ()
                      ) -> tf.data.Dataset:
  """Batches of (features, labels, meta) in file order, for scoring entities on a split;
  with `corpora`, only the records of those corpora.

  `meta` carries what maps word labels back to entities: doc_id, corpus, task and the
  character offsets of each word (padded with 0).
  """
  def split(raw):
    features, labels = to_model_inputs(raw)
    meta = {'doc_id': raw['doc_id'], 'corpus': raw['corpus'], 'task': raw['task'],
            'word_starts': raw['word_starts'], 'word_ends': raw['word_ends']}
    return features, labels, meta

  files = tf.data.Dataset.list_files(file_pattern, shuffle=False)
  dataset = files.flat_map(tf.data.TFRecordDataset).map(parse_record)
  if corpora:
    wanted = tf.constant(list(corpora))
    dataset = dataset.filter(lambda raw: tf.reduce_any(tf.equal(raw['corpus'], wanted)))
  dataset = dataset.map(split)
  return dataset.padded_batch(batch_size).prefetch(tf.data.AUTOTUNE)
