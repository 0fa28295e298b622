"""aioner_tf: the AIONER all-in-one biomedical named-entity recogniser in TensorFlow/Keras.

  from aioner_tf import Tagger
  tagger = Tagger.load()  # saved_models/default, or Tagger.load('path/to/model')
  spans = tagger.tag('BRCA1 mutations cause breast cancer.')

`Tagger` is imported on first use, so the data modules can be used without TensorFlow loaded.
"""

__all__ = ['Tagger']


def __getattr__(name):
  if name == 'Tagger':
    from aioner_tf.tagging.tagger import Tagger  # pylint: disable=g-import-not-at-top
    return Tagger
  raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
