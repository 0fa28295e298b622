"""Entity-level scores on a TFRecord split, used for early stopping and TensorBoard.

Word labels are decoded to character spans with the words' offsets carried in the records, so
the score is the same strict (document, start, end, type) F1 that bin/evaluate.py computes on
tagged files, restricted to the annotations the word labels can hold.
"""

from typing import Set, Tuple

import tensorflow as tf

from aioner_tf import evaluation
from aioner_tf.data import aio
from aioner_tf.data.sentences import Token


def _entities(label_names, task_types, label_ids, meta, row: int, length: int
              ) -> Set[evaluation.Entity]:
  """The entities of one row; a task keeps only its types (`task_types`, the model's), as the
  Tagger does: a single-type task its type, a task of new types (Anatomy) those types."""
  task = meta['task'][row].decode()
  wanted = task_types.get(task)  # None without a task (naive merge): every type counts.
  tokens = [Token(int(s), int(e), '') for s, e in
            zip(meta['word_starts'][row][:length], meta['word_ends'][row][:length])]
  labels = [label_names[i] for i in label_ids[row][:length]]
  key = f"{meta['corpus'][row].decode()}/{meta['doc_id'][row].decode()}"
  return {(key, start, end, type_) for start, end, type_ in aio.spans_from_labels(tokens, labels)
          if wanted is None or type_ in wanted}


def compiled_decode(decode):
  """A model's `decode` (or `decode_with_scores`) as one graph for any batch and length (no
  retracing per bucket)."""
  spec = tf.TensorSpec([None, None], tf.int32)
  return tf.function(decode, autograph=False, input_signature=[
      {'input_ids': spec, 'attention_mask': spec, 'word_positions': spec}])


def predicted_and_gold(model, dataset: tf.data.Dataset
                       ) -> Tuple[Set[evaluation.Entity], Set[evaluation.Entity]]:
  """Runs `model.decode` over a make_eval_dataset and returns (predicted, gold) entities."""
  decode = compiled_decode(model.decode)
  predicted, gold = set(), set()
  for features, labels, meta in dataset:
    label_ids = decode(features).numpy()
    lengths = tf.reduce_sum(tf.cast(features['word_positions'] > 0, tf.int32), -1).numpy()
    labels = labels.numpy()
    meta = {k: v.numpy() for k, v in meta.items()}
    for row, length in enumerate(lengths):
      predicted |= _entities(model.config.labels, model.config.task_types, label_ids, meta, row,
                             length)
      gold |= _entities(model.config.labels, model.config.task_types, labels, meta, row, length)
  return predicted, gold


def score(model, dataset: tf.data.Dataset) -> evaluation.EvaluationResult:
  predicted, gold = predicted_and_gold(model, dataset)
  return evaluation.score_entities(gold, predicted)
