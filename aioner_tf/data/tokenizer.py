"""WordPiece tokenisation of words, with the AIO task tags as tokens of the vocabulary.

The task tags (`<ALL>`, `</ALL>`, `<Gene>`, ...) take the vocabulary's reserved `[unusedN]`
slots, so the encoder's embedding matrix keeps its pre-trained shape and the tags get ids from
the vocabulary file itself; a vocabulary without free slots gets the tags appended (the encoder
then grows its embeddings, see model/encoder.py). Words are turned into word pieces by
tensorflow-text's `BertTokenizer`, the same op the exported SavedModel runs in its graph, so
training data and served models cannot disagree on ids.
"""

import json
import os
import pathlib
from typing import List, Sequence, Tuple

import tensorflow as tf
import tensorflow_text as tf_text

VOCAB_FILE = 'vocab.txt'
CONFIG_FILE = 'aioner_tokenizer.json'


def task_tag_tokens(task: str) -> Tuple[str, str]:
  """The opening and closing tag tokens of a task, e.g. ('<Gene>', '</Gene>')."""
  return f'<{task}>', f'</{task}>'


class SubwordTokenizer:
  """Maps words to WordPiece ids; knows the special tokens and the task tags."""

  def __init__(self, vocab: Sequence[str], lower_case: bool, tasks: Sequence[str]):
    self.vocab = list(vocab)
    self.lower_case = lower_case
    self.tasks = list(tasks)
    self._ids = {token: i for i, token in enumerate(self.vocab)}
    missing = [t for task in self.tasks for t in task_tag_tokens(task) if t not in self._ids]
    if missing:
      raise ValueError(f'task tags {missing} are not in the vocabulary; use from_encoder_vocab')
    self.cls_id = self._ids['[CLS]']
    self.sep_id = self._ids['[SEP]']
    self.pad_id = self._ids['[PAD]']
    self.unk_id = self._ids['[UNK]']
    table = tf.lookup.StaticVocabularyTable(
        tf.lookup.KeyValueTensorInitializer(self.vocab, tf.range(len(self.vocab), dtype=tf.int64)),
        num_oov_buckets=1)
    self.bert_tokenizer = tf_text.BertTokenizer(
        table, token_out_type=tf.int64, lower_case=lower_case, unknown_token='[UNK]')
    # One graph for all calls: called eagerly, the tokenizer's regex op keeps about 2 KB a call
    # (memory grew with the number of documents tagged) and each call took eight times as long.
    self._word_pieces = tf.function(
        lambda words: self.bert_tokenizer.tokenize(words).merge_dims(1, 2),
        input_signature=[tf.TensorSpec([None], tf.string)])

  @classmethod
  def from_encoder_vocab(cls, vocab_path: str, lower_case: bool, tasks: Sequence[str]
                         ) -> 'SubwordTokenizer':
    """Builds a tokenizer from an encoder's vocab.txt, placing the task tags in it."""
    vocab = pathlib.Path(vocab_path).read_text(encoding='utf-8').splitlines()
    free = [i for i, token in enumerate(vocab) if token.startswith('[unused') and token != '[unused0]']
    for task in tasks:
      for tag in task_tag_tokens(task):
        if tag in vocab:
          continue
        if free:
          vocab[free.pop(0)] = tag
        else:
          vocab.append(tag)
    return cls(vocab, lower_case, tasks)

  @classmethod
  def load(cls, directory: str) -> 'SubwordTokenizer':
    """Loads a tokenizer saved by `save`."""
    directory = pathlib.Path(directory)
    config = json.loads((directory / CONFIG_FILE).read_text())
    vocab = (directory / VOCAB_FILE).read_text(encoding='utf-8').splitlines()
    return cls(vocab, config['lower_case'], config['tasks'])

  def save(self, directory: str) -> None:
    os.makedirs(directory, exist_ok=True)
    directory = pathlib.Path(directory)
    (directory / VOCAB_FILE).write_text('\n'.join(self.vocab) + '\n', encoding='utf-8')
    (directory / CONFIG_FILE).write_text(
        json.dumps({'lower_case': self.lower_case, 'tasks': self.tasks}, indent=1))

  def check_extends(self, base: 'SubwordTokenizer') -> None:
    """Raises ValueError unless a model trained with `base` reads this tokenizer's ids as it
    was trained: the same casing, `base`'s tasks, and every token of `base` at its id, apart
    from [unusedN] slots that now hold the tags of new tasks."""
    if self.lower_case != base.lower_case:
      raise ValueError(f'lower_case is {self.lower_case} here, {base.lower_case} in the base')
    lost = [task for task in base.tasks if task not in self.tasks]
    if lost:
      raise ValueError(f'the tasks {lost} of the base tokenizer are missing')
    new_tags = {tag for task in self.tasks if task not in base.tasks
                for tag in task_tag_tokens(task)}
    for i, token in enumerate(base.vocab):
      here = self.vocab[i] if i < len(self.vocab) else None
      if here != token and not (token.startswith('[unused') and here in new_tags):
        raise ValueError(f'token id {i} is {here!r} here but {token!r} in the base tokenizer')

  def token_id(self, token: str) -> int:
    return self._ids[token]

  def task_tag_ids(self, task: str) -> Tuple[int, int]:
    opening, closing = task_tag_tokens(task)
    return self._ids[opening], self._ids[closing]

  def word_piece_ids(self, words: Sequence[str]) -> List[List[int]]:
    """Returns the WordPiece ids of each word; a word with no pieces (e.g. a lone control
    character) gets `[UNK]`, so every word has at least one subword to carry its label."""
    if not words:
      return []
    pieces = self._word_pieces(tf.constant(list(words)))
    return [ids or [self.unk_id] for ids in pieces.to_list()]
