"""A trained model as a SavedModel that TF Serving (or `tf.saved_model.load`) tags text with.

Two signatures:
  serving_default  subword ids in, as the model is trained: `input_ids`, `attention_mask` and
                   `word_positions` (int32 [batch, None]) → `label_ids` (int32 [batch, words]),
                   `word_scores` (float32 [batch, words]) and `score` (float32 [batch]).
  tag_text         raw text in: `text` (UTF-8 string [batch]) and `task` (string [batch]: 'ALL',
                   an entity type such as 'Gene', or '' for a model trained without task tags)
                   → the entities of each text, padded to the most entities in the batch:
                   `num_entities` (int32 [batch]); `start`, `end` (int32 [batch, entities],
                   Unicode code-point offsets into the text, end exclusive, -1 as padding);
                   `type`, `mention` (string); `score` (float32).

tag_text tokenises in the graph with the ops of training: the word regex of data/sentences.py
written for RE2 (`tf_text.regex_split_with_offsets`), then the model's own WordPiece vocabulary
(`tf_text.BertTokenizer`). Sentences are split by a rule (`sentence_starts`) that stands in for
syntok, which has no graph ops: in the BioRED test abstracts it finds 878 of syntok's 881
sentence boundaries and 5 more. Each sentence is cut into windows of whole words of at most
`max_len` subwords ([CLS], [SEP] and task tags included), filled greedily as
aio.split_long_example fills pieces, so no word is dropped; a word longer than a window keeps its
first subwords.

Scores are those of `AionerModel.decode_with_scores`: `word_scores` is the marginal probability
of each word's decoded label, `score` the probability of the whole decoded label sequence; an
entity's score is the mean of its words' scores.

model_config.json, labels.txt, vocab.txt and aioner_tokenizer.json are assets of the
SavedModel, so its directory alone is enough to tag.
"""

import pathlib
import tempfile
from typing import Dict, List, Mapping

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text  # Also registers the ops a loaded SavedModel runs.

from aioner_tf.data import aio
from aioner_tf.data import sentences
from aioner_tf.data import tfrecords
from aioner_tf.data import tokenizer as tokenizer_lib
from aioner_tf.model import aioner

SERVING_DEFAULT = 'serving_default'
TAG_TEXT = 'tag_text'
INPUT_KEYS = ('input_ids', 'attention_mask', 'word_positions')
TAG_TEXT_INPUTS = ('text', 'task')
ENTITY_OUTPUTS = ('start', 'end', 'type', 'mention', 'score')
LABELS_FILE = 'labels.txt'
TOKENIZER_DIR = 'tokenizer'

# The word regex of data/sentences.py in RE2 syntax. RE2's \w and \s are ASCII only, so Python's
# Unicode classes are spelled out: its [^\W_] is \p{L}\p{N} and its \s is \p{Z} plus these
# control characters (tests/saved_model_test.py checks every code point).
_SPACE = r'\t-\r\x{1c}-\x{1f}\x{85}\p{Z}'
_ALNUM = r'\p{L}\p{N}'
WORD_PATTERN = (rf'[{_ALNUM}][{_ALNUM}{sentences.COMBINING_MARKS}]*'
                rf'|[^{_SPACE}]')
_SPLIT_PATTERN = rf'[{_SPACE}]+|{WORD_PATTERN}'


def split_words(text: tf.Tensor):
  """Words of each text as in sentences.tokenize: (words, starts, ends), ragged [batch, (words)]
  with UTF-8 byte offsets."""
  # regex_split_with_offsets stops at a NUL byte. \x01 is, like NUL, one byte and a word of its
  # own, so putting it in NUL's place keeps the words and offsets of the text.
  text = tf.strings.regex_replace(text, r'\x00', '\x01')
  return tf_text.regex_split_with_offsets(text, _SPLIT_PATTERN, WORD_PATTERN)


# A '.' after one of these words, or after a single capital letter (an initial, "E. coli"), does
# not end a sentence: the abbreviations that most often precede a capital or a digit in PubMed.
SENTENCE_ABBREVIATIONS = ('al', 'approx', 'ca', 'cf', 'Co', 'Dr', 'e', 'Eq', 'etc', 'Fig', 'fig',
                          'Figs', 'g', 'i', 'Inc', 'Ltd', 'Mr', 'Ms', 'No', 'no', 'Nos', 'pp',
                          'Ref', 'resp', 'sp', 'spp', 'St', 'var', 'viz', 'Vol', 'vs')


def sentence_starts(text: tf.Tensor, words: tf.RaggedTensor, starts: tf.RaggedTensor,
                    ends: tf.RaggedTensor) -> tf.RaggedTensor:
  """Whether each word starts a sentence other than its text's first [batch, (words)] (bool).

  A sentence starts after a blank line, and at a word that begins with a capital letter, a
  digit or a bracket and follows '.', '!' or '?' and white space, unless that '.' ends an
  abbreviation (`SENTENCE_ABBREVIATIONS`) or an initial. Offsets are the UTF-8 byte offsets of
  `split_words`.
  """
  values, row = words.values, words.value_rowids()
  word_start, word_end = starts.values, ends.values

  def before(tensor, n):
    """tensor[i - n] at i (the first n filled with the first value; masked by `same_row`)."""
    return tf.concat([tf.repeat(tensor[:1], n), tensor[:-n]], axis=0)[:tf.size(tensor)]

  def same_row(n):
    return tf.concat([tf.zeros([n], tf.bool), row[n:] == row[:-n]], axis=0)[:tf.size(row)]

  gap_start = tf.where(same_row(1), before(word_end, 1), word_start)
  gap = tf.strings.substr(tf.gather(text, row), gap_start, word_start - gap_start)
  after_stop = (same_row(1) & tf.strings.regex_full_match(before(values, 1), r'[.!?]')
                & (word_start > gap_start)
                & tf.strings.regex_full_match(values, r'[\p{Lu}\p{N}(\[].*'))
  abbreviation = '|'.join(SENTENCE_ABBREVIATIONS)
  after_abbreviation = (same_row(2) & tf.equal(before(values, 1), '.')
                        & (before(word_end, 2) == before(word_start, 1))
                        & tf.strings.regex_full_match(before(values, 2),
                                                      rf'{abbreviation}|\p{{Lu}}'))
  blank_line = tf.strings.regex_full_match(gap, r'(?s).*\n[^\S\n]*\n.*')
  return words.with_values((after_stop & ~after_abbreviation) | blank_line)


def _code_points(text: tf.Tensor, byte_offsets: tf.RaggedTensor) -> tf.RaggedTensor:
  """Byte offsets into each text → code-point offsets (characters starting before them)."""
  _, char_starts = tf.strings.unicode_decode_with_offsets(text, 'UTF-8')
  sorted_starts = char_starts.to_tensor(default_value=np.iinfo(np.int64).max)
  counts = tf.searchsorted(sorted_starts, byte_offsets.to_tensor(), side='left',
                           out_type=tf.int32)
  return tf.RaggedTensor.from_tensor(counts, lengths=byte_offsets.row_lengths())


def _windows(lengths: tf.RaggedTensor, new_sentence: tf.RaggedTensor, budgets: tf.Tensor
             ) -> tf.RaggedTensor:
  """The window index of every word [batch, (words)]: windows hold words of one sentence (a
  sentence starts at each `new_sentence` word), filled greedily with whole words up to
  `budgets` [batch] subwords; every word must fit alone (lengths are cut to the budget)."""
  dense = lengths.to_tensor()
  sentence = tf.cumsum(tf.cast(new_sentence.to_tensor(), tf.int64), axis=1)
  counts = lengths.row_lengths()
  positions = tf.range(tf.shape(dense, out_type=tf.int64)[1])[tf.newaxis]

  def step(index, starts, windows):
    after = positions >= starts[:, tf.newaxis]
    used = tf.cumsum(tf.where(after, dense, 0), axis=1)
    first = tf.gather(sentence, tf.minimum(starts, tf.maximum(counts - 1, 0)), batch_dims=1)
    fits = (after & (positions < counts[:, tf.newaxis]) & (used <= budgets[:, tf.newaxis])
            & (sentence == first[:, tf.newaxis]))
    windows = tf.where(fits, index, windows)
    return index + 1, starts + tf.reduce_sum(tf.cast(fits, tf.int64), axis=1), windows

  _, _, windows = tf.while_loop(
      lambda index, starts, windows: tf.reduce_any(starts < counts), step,
      (tf.constant(0, tf.int64), tf.zeros_like(counts), tf.zeros_like(dense)))
  return tf.RaggedTensor.from_tensor(windows, lengths=counts)


class _Untracked:
  """Holds an object outside the SavedModel's object graph."""

  def __init__(self, value):
    self.value = value


class TaggingModule(tf.Module):
  """The model, its vocabulary and labels; `serving_default` and `tag_text` are the signatures."""

  def __init__(self, model: aioner.AionerModel, model_dir, labels_file: str):
    super().__init__()
    model_dir = pathlib.Path(model_dir)
    tokenizer_dir = model_dir / TOKENIZER_DIR
    tokenizer = tokenizer_lib.SubwordTokenizer.load(str(tokenizer_dir))
    # Only the model's variables are saved with the signatures: tracking the Keras object would
    # also save traces of every layer's call, which nothing uses (and doubles the export time).
    self.model_variables = list(model.variables)
    self._model = _Untracked(model)
    self.config_file = tf.saved_model.Asset(str(model_dir / aioner.CONFIG_FILE))
    self.tokenizer_file = tf.saved_model.Asset(str(tokenizer_dir / tokenizer_lib.CONFIG_FILE))
    self.labels_file = tf.saved_model.Asset(labels_file)
    # The table reads vocab.txt, which becomes an asset: the same file the training data used.
    vocab_file = str(tokenizer_dir / tokenizer_lib.VOCAB_FILE)
    vocab = tf.lookup.StaticVocabularyTable(
        tf.lookup.TextFileInitializer(vocab_file, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE,
                                      tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER),
        num_oov_buckets=1)
    self.bert_tokenizer = tf_text.BertTokenizer(
        vocab, token_out_type=tf.int64, lower_case=tokenizer.lower_case, unknown_token='[UNK]')
    self._unk_id = tokenizer.unk_id
    # Per task ('' = no tags): subwords before and after the words, and the words' budget.
    self._tasks = list(tokenizer.tasks) + [aio.NO_TASK]
    self.task_table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(self._tasks, tf.range(len(self._tasks))),
        default_value=-1)
    self._prefixes, self._suffixes, self._budgets = [], [], []
    for task in self._tasks:
      empty = aio.Example('', task, (), [])
      ids, _ = tfrecords.piece_ids(empty, [], model.config.max_len, tokenizer)
      overhead = tfrecords.tag_overhead(task)
      self._prefixes.append(ids[:overhead // 2])
      self._suffixes.append(ids[overhead // 2:])
      self._budgets.append(model.config.max_len - overhead)
    # Per label: 1 for B-, 2 for I-, 0 otherwise, and the index of its entity type.
    parts = [label.partition('-') for label in model.config.labels]
    self._types = list(dict.fromkeys(t for prefix, _, t in parts if prefix in 'BI'))
    self._label_kinds = [{'B': 1, 'I': 2}.get(prefix, 0) for prefix, _, _ in parts]
    self._label_types = [self._types.index(t) if t in self._types else 0 for _, _, t in parts]
    # The (task, type) pairs a task finds, as 'task<TAB>type' (tasks of new types included).
    pairs = [f'{task}\t{type_}' for task, types in model.config.task_types.items()
             for type_ in types]
    self.task_type_table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(pairs, tf.ones([len(pairs)], tf.int32)),
        default_value=0)

  @property
  def model(self) -> aioner.AionerModel:
    return self._model.value

  @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32, name=key)
                                for key in INPUT_KEYS])
  def serving_default(self, input_ids, attention_mask, word_positions):
    return self.model.decode_with_scores({'input_ids': input_ids, 'attention_mask': attention_mask,
                                          'word_positions': word_positions})

  @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name=key)
                                for key in TAG_TEXT_INPUTS])
  def tag_text(self, text, task):
    task_ids = self.task_table.lookup(task)
    tf.debugging.assert_non_negative(
        task_ids, message=f'unknown task; expected one of {list(self._tasks)}')
    words, starts, ends = split_words(text)
    word_text = words.value_rowids()
    budgets = tf.gather(tf.constant(self._budgets, tf.int64), task_ids)
    pieces = self._word_pieces(words.values, tf.gather(budgets, word_text))
    windows = _windows(words.with_values(pieces.row_lengths()),
                       sentence_starts(text, words, starts, ends), budgets)
    per_text = tf.where(windows.row_lengths() > 0, tf.reduce_max(windows, axis=1) + 1, 0)
    window_of_word = (windows + tf.cumsum(per_text, exclusive=True)[:, tf.newaxis]).values
    label_ids, word_scores = self._decode_windows(pieces, window_of_word,
                                                  tf.repeat(task_ids, per_text))
    return self._entities(
        text, task, {'text': word_text, 'window': window_of_word, 'label_id': label_ids,
                     'score': word_scores,
                     'start': _code_points(text, starts).values,
                     'end': _code_points(text, ends).values,
                     'byte_start': starts.values, 'byte_end': ends.values})

  def _word_pieces(self, words: tf.Tensor, budgets: tf.Tensor) -> tf.RaggedTensor:
    """WordPiece ids [words, (pieces)] as SubwordTokenizer.word_piece_ids gives them ([UNK] for
    a word without pieces), cut to each word's budget."""
    pieces = self.bert_tokenizer.tokenize(words).merge_dims(1, 2)
    empty = tf.cast(pieces.row_lengths() == 0, tf.int64)
    unknown = tf.RaggedTensor.from_row_lengths(
        tf.fill([tf.reduce_sum(empty)], tf.constant(self._unk_id, tf.int64)), empty)
    pieces = tf.concat([pieces, unknown], axis=1)
    keep = tf.ragged.range(pieces.row_lengths()) < budgets[:, tf.newaxis]
    return tf.cast(tf.ragged.boolean_mask(pieces, keep), tf.int32)

  def _decode_windows(self, pieces: tf.RaggedTensor, window_of_word: tf.Tensor,
                      window_tasks: tf.Tensor):
    """Decodes one model input row per window, [CLS] <task> subwords </task> [SEP]; returns the
    label id and score of every word, flat in text order."""
    prefixes = tf.gather(tf.ragged.constant(self._prefixes, tf.int32), window_tasks)
    suffixes = tf.gather(tf.ragged.constant(self._suffixes, tf.int32), window_tasks)
    by_window = tf.RaggedTensor.from_value_rowids(pieces, window_of_word,
                                                  nrows=tf.size(window_tasks, tf.int64))
    input_ids = tf.concat([prefixes, by_window.merge_dims(1, 2), suffixes], axis=1)
    # A word's first subword: the window's prefix plus the subwords of the words before it.
    lengths = tf.cast(pieces.row_lengths(), tf.int32)
    before = tf.cumsum(lengths, exclusive=True)
    window_starts = tf.gather(before, by_window.row_starts())
    words_per_window = by_window.row_lengths()
    word_positions = by_window.with_values(
        before - tf.repeat(window_starts, words_per_window)
        + tf.repeat(tf.cast(prefixes.row_lengths(), tf.int32), words_per_window))
    outputs = self.model.decode_with_scores({
        'input_ids': input_ids.to_tensor(),
        'attention_mask': tf.ones_like(input_ids).to_tensor(),
        'word_positions': word_positions.to_tensor()})
    return tuple(tf.RaggedTensor.from_tensor(outputs[key], lengths=words_per_window).values
                 for key in ('label_ids', 'word_scores'))

  def _entities(self, text, task, words: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    """Words (flat over the batch, in text order, with their text, window, label id, score and
    offsets) → the padded entities of each text. Entities are decoded per window as
    aio.spans_from_labels decodes a piece, and only the types of the task (the model config's
    task_types; every type without a task tag) are kept."""
    kinds = tf.gather(tf.constant(self._label_kinds), words['label_id'])
    types = tf.gather(tf.constant(self._label_types), words['label_id'])
    inside = kinds > 0

    def previous(values, first):
      return tf.concat([[first], values[:-1]], axis=0)

    continues = ((kinds == 2) & previous(inside, False) & (previous(types, -1) == types)
                 & (previous(words['window'], -1) == words['window']))
    entity_of_word = tf.cumsum(tf.cast(inside & ~continues, tf.int32)) - 1
    ids = tf.boolean_mask(entity_of_word, inside)

    def per_entity(reduce, key):
      return reduce(tf.boolean_mask(words[key], inside), ids)

    entity_text = per_entity(tf.math.segment_min, 'text')
    entity_type = tf.gather(tf.constant(self._types),
                            tf.math.segment_min(tf.boolean_mask(types, inside), ids))
    entity_task = tf.gather(task, entity_text)
    keep = ((entity_task == aio.NO_TASK)
            | (self.task_type_table.lookup(entity_task + '\t' + entity_type) > 0))
    byte_start = per_entity(tf.math.segment_min, 'byte_start')
    values = {
        'start': per_entity(tf.math.segment_min, 'start'),
        'end': per_entity(tf.math.segment_max, 'end'),
        'type': entity_type,
        'mention': tf.strings.substr(tf.gather(text, entity_text), byte_start,
                                     per_entity(tf.math.segment_max, 'byte_end') - byte_start),
        'score': per_entity(tf.math.segment_mean, 'score'),
    }
    rows = tf.boolean_mask(entity_text, keep)
    batch = tf.shape(text, out_type=tf.int64)[0]
    outputs = {'num_entities': tf.math.bincount(tf.cast(rows, tf.int32),
                                                minlength=tf.cast(batch, tf.int32),
                                                maxlength=tf.cast(batch, tf.int32))}
    padding = {'start': -1, 'end': -1, 'type': '', 'mention': '', 'score': 0.}
    for key, value in values.items():
      outputs[key] = tf.RaggedTensor.from_value_rowids(
          tf.boolean_mask(value, keep), rows, nrows=batch).to_tensor(padding[key])
    return outputs


def export_saved_model(model_dir, export_dir) -> None:
  """Writes the SavedModel of a model directory (weights, model_config.json, tokenizer/)."""
  model = aioner.load_model(model_dir)
  with tempfile.TemporaryDirectory() as temp:
    labels_file = pathlib.Path(temp) / LABELS_FILE
    labels_file.write_text('\n'.join(model.config.labels) + '\n', encoding='utf-8')
    module = TaggingModule(model, model_dir, str(labels_file))
    tf.saved_model.save(module, str(export_dir), signatures={
        SERVING_DEFAULT: module.serving_default, TAG_TEXT: module.tag_text})


def load_saved_model(path):
  """Loads an exported model; the tensorflow_text import above registers the ops it needs."""
  return tf.saved_model.load(str(path))


def saved_model_config(path) -> aioner.ModelConfig:
  """The model config that travels in the SavedModel's assets."""
  return aioner.ModelConfig.load(pathlib.Path(path) / 'assets')


def entity_lists(outputs: Mapping[str, np.ndarray]) -> List[List[Dict]]:
  """tag_text outputs (numpy) → per text, a list of {start, end, type, mention, score}."""
  texts = []
  for row, count in enumerate(np.asarray(outputs['num_entities']).tolist()):
    entities = []
    for i in range(count):
      entity = {key: np.asarray(outputs[key])[row][i] for key in ENTITY_OUTPUTS}
      for key in ('type', 'mention'):
        if isinstance(entity[key], bytes):
          entity[key] = entity[key].decode('utf-8')
      entity.update(start=int(entity['start']), end=int(entity['end']),
                    score=float(entity['score']))
      entities.append(entity)
    texts.append(entities)
  return texts
