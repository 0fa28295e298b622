"""The AIONER Keras model: encoder → first subword of each word → Dense+ReLU → CRF.

Inputs are a dict of `input_ids`, `attention_mask` ([batch, subwords]) and `word_positions`
([batch, words], the index of each word's first subword; 0 for padded words, which never
collides with a real word because position 0 is [CLS]). Outputs are per-word label scores;
`decode` turns them into label ids with Viterbi (CRF head) or argmax (softmax head).
"""

import dataclasses
import json
import pathlib
from typing import Dict, List, Optional

import tensorflow as tf
import tensorflow_addons as tfa
import transformers

from aioner_tf.data import aio
from aioner_tf.model.crf import CRF

CONFIG_FILE = 'model_config.json'
WEIGHTS = 'weights'
HEADS = ('crf', 'softmax')


@dataclasses.dataclass
class ModelConfig:
  """Everything needed to rebuild the model without the flags that trained it."""
  encoder_config: Dict  # The transformers config of the encoder (BERT family).
  labels: List[str] = dataclasses.field(default_factory=lambda: list(aio.LABELS))
  # Task tag → the entity types a pass with that tag finds (AIO's seven tasks, and those of new
  # entity types the model was trained for, e.g. Anatomy); the tokenizer holds their tags.
  task_types: Dict[str, List[str]] = dataclasses.field(
      default_factory=lambda: {task: list(types) for task, types in aio.AIO_TASKS.items()})
  head: str = 'crf'
  hidden_size: int = 256  # Dense+ReLU width between encoder and output layer.
  dropout: float = 0.1
  max_len: int = 256
  encoder_path: str = ''  # Where pre-trained weights came from (informational once trained).

  def save(self, directory) -> None:
    path = pathlib.Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    (path / CONFIG_FILE).write_text(json.dumps(dataclasses.asdict(self), indent=1))

  @classmethod
  def load(cls, directory) -> 'ModelConfig':
    return cls(**json.loads((pathlib.Path(directory) / CONFIG_FILE).read_text()))


def word_lengths(word_positions: tf.Tensor) -> tf.Tensor:
  """Number of real words per sequence (padded positions are 0)."""
  return tf.reduce_sum(tf.cast(word_positions > 0, tf.int32), axis=-1)


class AionerModel(tf.keras.Model):
  """The encoder, a Dense+ReLU layer and a CRF (or softmax) over words."""

  def __init__(self, config: ModelConfig, encoder: Optional[tf.keras.Model] = None, **kwargs):
    super().__init__(**kwargs)
    if config.head not in HEADS:
      raise ValueError(f'head must be one of {HEADS}, got {config.head!r}')
    self.config = config
    self.encoder = encoder or transformers.TFAutoModel.from_config(
        transformers.AutoConfig.for_model(**config.encoder_config))
    self.dropout = tf.keras.layers.Dropout(config.dropout)
    self.hidden = tf.keras.layers.Dense(config.hidden_size, activation='relu', name='hidden')
    self.scores = tf.keras.layers.Dense(len(config.labels), name='scores')
    self.crf = CRF(len(config.labels), name='crf') if config.head == 'crf' else None
    self.loss_tracker = tf.keras.metrics.Mean(name='loss')

  def call(self, inputs, training=False):
    hidden_states = self.encoder(input_ids=inputs['input_ids'],
                                 attention_mask=inputs['attention_mask'],
                                 training=training).last_hidden_state
    words = tf.gather(hidden_states, inputs['word_positions'], batch_dims=1)
    words = self.hidden(self.dropout(words, training=training))
    scores = self.scores(self.dropout(words, training=training))
    return self.crf(scores) if self.crf is not None else scores

  def per_sequence_loss(self, scores, labels, lengths):
    """Loss per sequence: CRF negative log-likelihood, or summed cross-entropy of real words."""
    if self.crf is not None:
      return self.crf.loss(scores, labels, lengths)
    mask = tf.sequence_mask(lengths, tf.shape(labels)[1], dtype=tf.float32)
    cross_entropy = tf.keras.losses.sparse_categorical_crossentropy(
        labels, tf.cast(scores, tf.float32), from_logits=True)
    return tf.reduce_sum(cross_entropy * mask, axis=-1)

  def _loss(self, inputs, labels, training):
    scores = self(inputs, training=training)
    lengths = word_lengths(inputs['word_positions'])
    return self.per_sequence_loss(scores, labels, lengths)

  def train_step(self, data):
    inputs, labels = data
    with tf.GradientTape() as tape:
      per_sequence = self._loss(inputs, labels, training=True)
      # Gradients are summed over replicas: scale the replica mean by the replica count.
      loss = tf.reduce_mean(per_sequence) / tf.distribute.get_strategy().num_replicas_in_sync
    gradients = tape.gradient(loss, self.trainable_variables)
    # The encoder's pooler is unused: skip variables without a gradient.
    self.optimizer.apply_gradients(
        (g, v) for g, v in zip(gradients, self.trainable_variables) if g is not None)
    self.loss_tracker.update_state(per_sequence)
    return {'loss': self.loss_tracker.result()}

  def test_step(self, data):
    inputs, labels = data
    self.loss_tracker.update_state(self._loss(inputs, labels, training=False))
    return {'loss': self.loss_tracker.result()}

  @property
  def metrics(self):
    return [self.loss_tracker]

  def decode(self, inputs):
    """Best label ids per word [batch, words] (0 past each sequence's length)."""
    scores = self(inputs, training=False)
    lengths = word_lengths(inputs['word_positions'])
    if self.crf is not None:
      label_ids, _ = self.crf.decode(scores, lengths)
    else:
      label_ids = tf.argmax(scores, axis=-1, output_type=tf.int32)
    mask = tf.sequence_mask(lengths, tf.shape(label_ids)[1], dtype=label_ids.dtype)
    return label_ids * mask

  def decode_with_scores(self, inputs) -> Dict[str, tf.Tensor]:
    """`decode` with confidences: `label_ids` and `word_scores` [batch, words], the marginal
    probability of each word's decoded label (CRF: forward-backward, as the gradient of the log
    partition function with respect to the potentials; softmax: the softmax probability), and
    `score` [batch], the probability of the whole decoded sequence (1 for one without words)."""
    width = tf.shape(inputs['word_positions'])[1]
    # The encoder and the CRF need one position at least: pad empty inputs (e.g. no words).
    inputs = {key: tf.pad(value, [[0, 0], [0, tf.maximum(1 - tf.shape(value)[1], 0)]])
              for key, value in inputs.items()}
    potentials = tf.cast(self(inputs, training=False), tf.float32)
    lengths = word_lengths(inputs['word_positions'])
    mask = tf.sequence_mask(lengths, tf.shape(potentials)[1])
    if self.crf is not None:
      label_ids, best = self.crf.decode(potentials, lengths)
      with tf.GradientTape() as tape:
        tape.watch(potentials)
        log_norm = tfa.text.crf_log_norm(potentials, lengths, self.crf.transitions)
      marginals = tape.gradient(log_norm, potentials)
      path_log_prob = best - log_norm
    else:
      log_probs = tf.nn.log_softmax(potentials)
      label_ids = tf.argmax(potentials, axis=-1, output_type=tf.int32)
      marginals = tf.exp(log_probs)
      path_log_prob = tf.reduce_sum(tf.where(mask, tf.reduce_max(log_probs, -1), 0.), -1)
    word_scores = tf.gather(marginals, label_ids, batch_dims=2)
    return {'label_ids': tf.where(mask, label_ids, 0)[:, :width],
            'word_scores': tf.where(mask, word_scores, 0.)[:, :width],
            'score': tf.where(lengths > 0, tf.exp(path_log_prob), 1.)}

  def predict_step(self, data):
    inputs = data[0] if isinstance(data, tuple) else data
    return self.decode(inputs)


def dummy_inputs(length: int = 8) -> Dict[str, tf.Tensor]:
  """A one-sequence batch that builds every layer's weights."""
  return {'input_ids': tf.ones([1, length], tf.int32),
          'attention_mask': tf.ones([1, length], tf.int32),
          'word_positions': tf.range(1, length - 1, dtype=tf.int32)[tf.newaxis]}


def build_model(config: ModelConfig, pretrained_path: Optional[str] = None,
                vocab_size: Optional[int] = None) -> AionerModel:
  """Builds the model; with `pretrained_path`, the encoder starts from those weights.

  `vocab_size` larger than the encoder's grows its embeddings (task tags appended to a
  vocabulary without free [unusedN] slots).
  """
  encoder = None
  if pretrained_path:
    encoder = transformers.TFAutoModel.from_pretrained(pretrained_path)
    if vocab_size and vocab_size > encoder.config.vocab_size:
      encoder.resize_token_embeddings(vocab_size)
    config.encoder_config = encoder.config.to_dict()
  elif vocab_size and vocab_size > config.encoder_config['vocab_size']:
    config.encoder_config = {**config.encoder_config, 'vocab_size': vocab_size}
  model = AionerModel(config, encoder)
  model(dummy_inputs())
  return model


def _weights_checkpoint(model: AionerModel) -> tf.train.Checkpoint:
  """A checkpoint of the layers only: no optimizer slots, a third of the size."""
  layers = {'encoder': model.encoder, 'hidden': model.hidden, 'scores': model.scores}
  if model.crf is not None:
    layers['crf'] = model.crf
  return tf.train.Checkpoint(**layers)


def load_model(directory) -> AionerModel:
  """Rebuilds a model from `model_config.json` and the weights saved beside it."""
  config = ModelConfig.load(directory)
  model = AionerModel(config)
  model(dummy_inputs())
  _weights_checkpoint(model).read(str(pathlib.Path(directory) / WEIGHTS)).assert_consumed()
  return model


def save_model(model: AionerModel, directory) -> None:
  """Saves the weights (without optimizer state) and the config side by side."""
  model.config.save(directory)
  _weights_checkpoint(model).write(str(pathlib.Path(directory) / WEIGHTS))
