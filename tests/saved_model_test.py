"""Tests of the SavedModel export on a tiny random-initialised model (exported once)."""

import dataclasses
import pathlib
import shutil
import unicodedata

import numpy as np
import pytest
import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data import sentences
from aioner_tf.data import tfrecords
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.export import saved_model
from aioner_tf.model import aioner
from aioner_tf.model import encoder
from conftest import TINY_ENCODER_CONFIG

MAX_LEN = 16  # Short, so a sentence needs several windows.
TEXTS = [
    'β-catenin binds BRCA1 in naïve T cells of Homo sapiens treated with 5-FU.',
    'The p.V600E mutation in BRAF causes melanoma; café-au-lait spots (NF1) are benign.',
    '  Ünïcödé ✓ — “quotes” and\tcombining e\u0301 marks, 10 µM Ca²⁺.',
]
LONG_TEXT = ' '.join(['Mutations of TP53 and KRAS drive pancreatic cancer in mice.'] * 6
                     + ['The primer ACGTTGCAACGTTGCAACGTTGCATTGACCA (17 subwords) ends here.'])


@dataclasses.dataclass
class Exported:
  model: aioner.AionerModel
  tokenizer: SubwordTokenizer
  path: pathlib.Path
  loaded: object


def tiny_model_dir(directory: pathlib.Path, head: str = 'crf') -> pathlib.Path:
  """Saves a tiny random model (max_len 16) with MiniLM's vocabulary and the task tags."""
  tf.keras.utils.set_random_seed(1)
  model = aioner.build_model(aioner.ModelConfig(encoder_config=dict(TINY_ENCODER_CONFIG),
                                                max_len=MAX_LEN, head=head))
  aioner.save_model(model, directory)
  tokenizer = encoder.tokenizer_for_encoder(encoder.resolve_encoder_path(encoder.MINILM))
  tokenizer.save(str(directory / saved_model.TOKENIZER_DIR))
  return directory


def export_tiny_model(root: pathlib.Path) -> Exported:
  """Exports a tiny model to root/aioner/1, then deletes the model directory it came from."""
  model_dir = tiny_model_dir(root / 'model')
  model = aioner.load_model(model_dir)
  tokenizer = SubwordTokenizer.load(str(model_dir / saved_model.TOKENIZER_DIR))
  path = root / 'aioner' / '1'
  saved_model.export_saved_model(model_dir, path)
  shutil.rmtree(model_dir)  # The SavedModel must be enough on its own.
  return Exported(model, tokenizer, path, saved_model.load_saved_model(path))


def windows(tokenizer: SubwordTokenizer, text: str, task: str, max_len: int = MAX_LEN):
  """The Python path of the Tagger: syntok sentences of data/sentences.py, cut into pieces of
  at most max_len subwords; returns (tokens, input_ids, word_mask) per piece."""
  rows = []
  for sentence in sentences.split_text(text):
    tokens = sentence.tokens
    word_ids = tokenizer.word_piece_ids([t.text for t in tokens])
    example = aio.Example('text', task, tokens, [aio.outside_label(task)] * len(tokens))
    pieces, _ = aio.split_long_example(example, [len(ids) for ids in word_ids],
                                       max_len - tfrecords.tag_overhead(task))
    start = 0
    for piece in pieces:
      piece_word_ids = word_ids[start:start + len(piece.tokens)]
      start += len(piece.tokens)
      rows.append((piece.tokens,
                   *tfrecords.piece_ids(piece, piece_word_ids, max_len, tokenizer)))
  return rows


def pad(rows, extra: int = 0):
  """Model inputs of (tokens, input_ids, word_mask) rows, with `extra` padding columns."""
  length = max(len(ids) for _, ids, _ in rows) + extra
  words = max(sum(mask) for _, _, mask in rows) + extra
  inputs = {key: np.zeros([len(rows), width], np.int32) for key, width in
            (('input_ids', length), ('attention_mask', length), ('word_positions', words))}
  for row, (_, ids, mask) in enumerate(rows):
    inputs['input_ids'][row, :len(ids)] = ids
    inputs['attention_mask'][row, :len(ids)] = 1
    positions = [i for i, m in enumerate(mask) if m]
    inputs['word_positions'][row, :len(positions)] = positions
  return inputs


def padded_batch(tokenizer: SubwordTokenizer):
  """A batch of rows of different lengths, with padding past the longest."""
  rows = [row for text in TEXTS for row in windows(tokenizer, text, aio.ALL_TASK)]
  rows += windows(tokenizer, TEXTS[0], 'Gene')
  return pad(rows, extra=3)


def reference_entities(exported: Exported, text: str, task: str):
  """Entities from Keras `decode` over the Python words; scores from serving_default."""
  rows = windows(exported.tokenizer, text, task)
  inputs = pad(rows)
  label_ids = exported.model.decode(inputs).numpy()
  word_scores = exported.loaded.signatures[saved_model.SERVING_DEFAULT](
      **{key: tf.constant(value) for key, value in inputs.items()})['word_scores'].numpy()
  wanted = aio.task_types(task, aio.ENTITY_TYPES)
  entities = []
  for (tokens, _, _), ids, scores in zip(rows, label_ids, word_scores):
    labels = [exported.model.config.labels[i] for i in ids[:len(tokens)]]
    for start, end, type_ in aio.spans_from_labels(tokens, labels):
      if type_ in wanted:
        inside = [s for t, s in zip(tokens, scores) if start <= t.start and t.end <= end]
        entities.append((start, end, type_, float(np.mean(inside))))
  return entities


def tag_text(exported: Exported, texts, task: str):
  outputs = exported.loaded.signatures[saved_model.TAG_TEXT](
      text=tf.constant(texts), task=tf.constant([task] * len(texts)))
  return saved_model.entity_lists({key: value.numpy() for key, value in outputs.items()})


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
  return export_tiny_model(tmp_path_factory.mktemp('saved_model'))


def test_serving_default_gives_the_label_ids_of_keras_decode(exported):
  inputs = padded_batch(exported.tokenizer)
  outputs = exported.loaded.signatures[saved_model.SERVING_DEFAULT](
      **{key: tf.constant(value) for key, value in inputs.items()})
  np.testing.assert_array_equal(outputs['label_ids'].numpy(),
                                exported.model.decode(inputs).numpy())
  assert outputs['word_scores'].shape == outputs['label_ids'].shape
  assert outputs['score'].shape == [len(inputs['input_ids'])]


def test_scores_are_crf_probabilities(exported):
  """word_scores are marginals of the decoded labels and score the probability of the decoded
  path, checked by enumerating every labelling of a three-word sentence."""
  inputs = pad(windows(exported.tokenizer, 'BRCA1 causes cancer', aio.ALL_TASK))
  outputs = exported.loaded.signatures[saved_model.SERVING_DEFAULT](
      **{key: tf.constant(value) for key, value in inputs.items()})
  potentials = exported.model(inputs).numpy()[0]
  transitions = exported.model.crf.transitions.numpy()
  num_labels = transitions.shape[0]
  paths = np.stack(np.meshgrid(*[np.arange(num_labels)] * 3, indexing='ij'), -1).reshape(-1, 3)
  path_scores = (potentials[np.arange(3), paths].sum(-1)
                 + transitions[paths[:, 0], paths[:, 1]] + transitions[paths[:, 1], paths[:, 2]])
  probs = np.exp(path_scores - np.logaddexp.reduce(path_scores))
  decoded = outputs['label_ids'].numpy()[0]
  np.testing.assert_array_equal(decoded, paths[np.argmax(probs)])
  assert outputs['score'].numpy()[0] == pytest.approx(probs.max(), rel=1e-4)
  marginals = [probs[paths[:, i] == decoded[i]].sum() for i in range(3)]
  np.testing.assert_allclose(outputs['word_scores'].numpy()[0], marginals, rtol=1e-4)


def test_in_graph_words_are_the_python_words_on_every_code_point():
  """Every character Python's Unicode data knows (NUL included), after a letter: 'a' + c is one
  word, two words or 'a' alone exactly as data/sentences.py splits it."""
  chars = [chr(c) for c in range(0x110000)
           if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)) != 'Cn']
  text = ' '.join('a' + c for c in chars)
  words, starts, ends = saved_model.split_words(tf.constant([text]))
  python = sentences.tokenize(text)
  # NUL is split as \x01 (see split_words); the offsets are those of the text.
  assert [w.decode('utf-8') for w in words[0].numpy()] == [
      t.text.replace('\x00', '\x01') for t in python]
  byte_offsets = np.cumsum([0] + [len(c.encode('utf-8')) for c in text])
  assert starts[0].numpy().tolist() == byte_offsets[[t.start for t in python]].tolist()
  assert ends[0].numpy().tolist() == byte_offsets[[t.end for t in python]].tolist()


def test_characters_newer_than_pythons_unicode_data_may_split_differently():
  """A documented difference: RE2's Unicode tables can be newer than Python's. U+1123F (KHOJKI
  LETTER QA, Unicode 15) is a letter to RE2 but unassigned, so a word of its own, to Python
  3.11 (Unicode 14); such characters do not occur in the corpora."""
  char = '\U0001123f'
  if unicodedata.category(char) != 'Cn':
    pytest.skip(f'Python knows {char!r} (Unicode {unicodedata.unidata_version})')
  words, _, _ = saved_model.split_words(tf.constant(['a' + char]))
  assert [w.decode('utf-8') for w in words[0].numpy()] == ['a' + char]
  assert [t.text for t in sentences.tokenize('a' + char)] == ['a', char]


@pytest.mark.parametrize('text', [
    LONG_TEXT,
    'Cells (Fig. 2) of E. Coli grew, said Dr. Smith. Growth stopped at 25 mM in vitro. Cells '
    'died! Was it 5 mM? The end.\n\nnew paragraph\n \nanother one. e.g. Text.',
    'No punctuation at all', '', 'One.',
])
def test_in_graph_sentences_are_syntoks_on_clear_boundaries(text):
  text_tensor = tf.constant([text, 'A second text. It has two sentences.'])
  words, starts, ends = saved_model.split_words(text_tensor)
  new_sentence = saved_model.sentence_starts(text_tensor, words, starts, ends)
  found = [int(start) for start, new in zip(starts[0].numpy(), new_sentence[0].numpy()) if new]
  assert found == [len(text[:start].encode('utf-8')) for start in sentences.sentence_starts(text)]
  assert new_sentence[1].numpy().tolist() == [False] * 4 + [True] + [False] * 4


@pytest.mark.parametrize('task', [aio.ALL_TASK, 'Gene'])
def test_tag_text_gives_the_entities_of_keras_decode_on_python_words(exported, task):
  texts = TEXTS + [LONG_TEXT]
  tagged = tag_text(exported, texts, task)
  for text, entities in zip(texts, tagged):
    expected = reference_entities(exported, text, task)
    assert [(e['start'], e['end'], e['type']) for e in entities] == [e[:3] for e in expected]
    np.testing.assert_allclose([e['score'] for e in entities], [e[3] for e in expected],
                               rtol=1e-4)
    if task != aio.ALL_TASK:
      assert {e['type'] for e in entities} <= {task}
  assert any(tagged)


def test_offsets_are_code_points(exported):
  text = TEXTS[0] + ' ' + TEXTS[2]
  entities = tag_text(exported, [text], aio.ALL_TASK)[0]
  assert entities
  for entity in entities:
    assert text[entity['start']:entity['end']] == entity['mention']
  # Offsets past non-ASCII characters differ between bytes and code points.
  assert any(len(text[:e['start']].encode('utf-8')) != e['start'] for e in entities)


def test_a_text_longer_than_max_len_is_tagged_to_its_end(exported):
  rows = windows(exported.tokenizer, LONG_TEXT, aio.ALL_TASK)
  assert len(rows) > 5  # Many windows, one of them a word cut to fit.
  assert any(len(ids) == MAX_LEN and sum(mask) == 1 for _, ids, mask in rows)
  entities = tag_text(exported, [LONG_TEXT], aio.ALL_TASK)[0]
  assert max(e['end'] for e in entities) > 0.8 * len(LONG_TEXT)
  # Every window was decoded: the entities match the Python windows (see the test above).
  assert [(e['start'], e['end'], e['type']) for e in entities] == [
      e[:3] for e in reference_entities(exported, LONG_TEXT, aio.ALL_TASK)]


def test_empty_and_blank_texts_have_no_entities(exported):
  assert tag_text(exported, ['', ' \n\t'], aio.ALL_TASK) == [[], []]
  assert tag_text(exported, ['', TEXTS[0]], aio.ALL_TASK)[0] == []


def test_an_unknown_task_is_an_error(exported):
  with pytest.raises(tf.errors.InvalidArgumentError, match='unknown task'):
    tag_text(exported, [TEXTS[0]], 'Protein')


def test_the_saved_model_carries_its_config_and_vocabulary(exported):
  assert not (exported.path.parent.parent / 'model').exists()  # Every test ran without it.
  assets = exported.path / 'assets'
  assert saved_model.saved_model_config(exported.path) == exported.model.config
  assert (assets / 'vocab.txt').read_text(encoding='utf-8').splitlines() == (
      exported.tokenizer.vocab)
  assert (assets / saved_model.LABELS_FILE).read_text().split() == list(
      exported.model.config.labels)
  assert (assets / 'aioner_tokenizer.json').exists()


def tagging_module(directory: pathlib.Path, head: str = 'crf'):
  """A TaggingModule of a new tiny model and its tokenizer, not exported."""
  model_dir = tiny_model_dir(directory / 'model', head)
  labels_file = directory / saved_model.LABELS_FILE
  labels_file.write_text('\n'.join(aio.LABELS))
  module = saved_model.TaggingModule(aioner.load_model(model_dir), model_dir, str(labels_file))
  return module, SubwordTokenizer.load(str(model_dir / saved_model.TOKENIZER_DIR))


def test_softmax_head_serves_its_labels_and_probabilities(tmp_path):
  module, tokenizer = tagging_module(tmp_path, head='softmax')
  inputs = padded_batch(tokenizer)
  outputs = module.serving_default(**{key: tf.constant(value) for key, value in inputs.items()})
  np.testing.assert_array_equal(outputs['label_ids'], module.model.decode(inputs))
  probs = tf.nn.softmax(module.model(inputs)).numpy().max(-1)
  real = inputs['word_positions'] > 0
  np.testing.assert_allclose(outputs['word_scores'].numpy()[real], probs[real], rtol=1e-5)
  np.testing.assert_allclose(outputs['score'], np.prod(np.where(real, probs, 1.), -1),
                             rtol=1e-4)


def test_in_graph_subwords_are_the_tokenizers(tmp_path):
  """The vocabulary table read from vocab.txt gives the ids of SubwordTokenizer, [UNK] for a word
  without pieces, and cuts a word to its budget."""
  module, tokenizer = tagging_module(tmp_path)
  long_word = 'ACGTTGCAACGTTGCAACGTTGCATTGACCA'  # 17 subwords.
  words = [t.text for text in TEXTS for t in sentences.tokenize(text)] + ['\u200b', long_word]
  budgets = tf.fill([len(words)], tf.constant(MAX_LEN, tf.int64))
  pieces = module._word_pieces(tf.constant(words), budgets)  # pylint: disable=protected-access
  expected = tokenizer.word_piece_ids(words)
  assert len(expected[-1]) > MAX_LEN
  assert pieces.to_list() == expected[:-1] + [expected[-1][:MAX_LEN]]
