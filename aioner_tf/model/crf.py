"""The CRF output layer: transition scores, the training loss and Viterbi decoding.

Built on tensorflow-addons' `crf_log_likelihood` and `crf_decode`. Sequences are words (the
first subword of each word is gathered before the CRF), so a length per sequence is all the
masking the CRF needs: padded words lie past the length and are neither scored nor decoded.
"""

import tensorflow as tf
import tensorflow_addons as tfa


class CRF(tf.keras.layers.Layer):
  """Holds the [num_labels, num_labels] transition matrix (from row label to column label)."""

  def __init__(self, num_labels: int, **kwargs):
    super().__init__(**kwargs)
    self.num_labels = num_labels

  def build(self, input_shape):
    self.transitions = self.add_weight(
        name='transitions', shape=[self.num_labels, self.num_labels],
        initializer=tf.keras.initializers.GlorotUniform())
    super().build(input_shape)

  def call(self, potentials):
    return potentials  # Scores are used by `loss` and `decode`; the layer owns the weights.

  def loss(self, potentials: tf.Tensor, labels: tf.Tensor, lengths: tf.Tensor) -> tf.Tensor:
    """Per-sequence negative log-likelihood of the gold label paths."""
    log_likelihood, _ = tfa.text.crf_log_likelihood(
        tf.cast(potentials, tf.float32), labels, lengths, self.transitions)
    return -log_likelihood

  def decode(self, potentials: tf.Tensor, lengths: tf.Tensor):
    """Viterbi best paths [batch, words] and their unnormalised scores [batch]."""
    return tfa.text.crf_decode(tf.cast(potentials, tf.float32), self.transitions, lengths)

  def get_config(self):
    return {**super().get_config(), 'num_labels': self.num_labels}
