"""Learning-rate schedule: linear warm-up to the peak rate, then linear decay to zero."""

import tensorflow as tf


class WarmupLinearDecay(tf.keras.optimizers.schedules.LearningRateSchedule):
  """`peak * step / warmup` for the first `warmup_steps`, then linear down to 0 at `total_steps`."""

  def __init__(self, peak_rate: float, warmup_steps: int, total_steps: int):
    super().__init__()
    self.peak_rate = peak_rate
    self.warmup_steps = warmup_steps
    self.total_steps = total_steps

  def __call__(self, step):
    step = tf.cast(step, tf.float32)
    warmup = tf.cast(max(self.warmup_steps, 1), tf.float32)
    decay = tf.cast(max(self.total_steps - self.warmup_steps, 1), tf.float32)
    rising = self.peak_rate * step / warmup
    falling = self.peak_rate * tf.maximum(0.0, 1.0 - (step - warmup) / decay)
    return tf.where(step < warmup, rising, falling)

  def get_config(self):
    return {'peak_rate': self.peak_rate, 'warmup_steps': self.warmup_steps,
            'total_steps': self.total_steps}
