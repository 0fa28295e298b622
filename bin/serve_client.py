"""Tags text with a model served by TF Serving, over gRPC or REST (signature `tag_text`).

  python bin/serve_client.py --server=localhost:8500 --text="BRCA1 mutations in breast cancer."
  python bin/serve_client.py --server=localhost:8501 --protocol=rest --input=texts.txt --task=Gene

Prints one JSON line per text: its entities with code-point offsets, type, mention and score.
See docs/SERVING.md for starting the server.
"""

import json
import pathlib
import sys
import urllib.request
from typing import Dict, List, Sequence

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags
import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from aioner_tf.data import aio
from aioner_tf.export import saved_model

MODEL_NAME = 'aioner'

FLAGS = flags.FLAGS
flags.DEFINE_string('server', 'localhost:8500', 'host:port of the gRPC (8500) or REST (8501) API.')
flags.DEFINE_enum('protocol', 'grpc', ['grpc', 'rest'], 'How to talk to the server.')
flags.DEFINE_string('model_name', MODEL_NAME, 'The served model name.')
flags.DEFINE_string('task', aio.ALL_TASK, 'ALL, one entity type (e.g. Gene), or "" for a model '
                    'trained without task tags.')
flags.DEFINE_multi_string('text', [], 'A text to tag (repeatable).')
flags.DEFINE_string('input', None, 'A UTF-8 file with one text per line.')
flags.DEFINE_float('timeout', 60.0, 'Seconds to wait for an answer.')


def build_predict_request(texts: Sequence[str], task: str,
                          model_name: str = MODEL_NAME) -> predict_pb2.PredictRequest:
  """A gRPC PredictRequest of the tag_text signature: every text tagged for `task`."""
  request = predict_pb2.PredictRequest()
  request.model_spec.name = model_name
  request.model_spec.signature_name = saved_model.TAG_TEXT
  request.inputs['text'].CopyFrom(tf.make_tensor_proto(
      [text.encode('utf-8') for text in texts], dtype=tf.string, shape=[len(texts)]))
  request.inputs['task'].CopyFrom(tf.make_tensor_proto(
      [task.encode('utf-8')] * len(texts), dtype=tf.string, shape=[len(texts)]))
  return request


def build_rest_body(texts: Sequence[str], task: str) -> Dict:
  """The JSON body of a REST predict call of tag_text, in the row ("instances") format."""
  return {'signature_name': saved_model.TAG_TEXT,
          'instances': [{'text': text, 'task': task} for text in texts]}


def predict_grpc(server: str, request: predict_pb2.PredictRequest, timeout: float
                 ) -> Dict[str, np.ndarray]:
  """Sends a PredictRequest; returns the outputs as numpy arrays."""
  with grpc.insecure_channel(server) as channel:
    response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(
        request, timeout)
  return {key: tf.make_ndarray(tensor) for key, tensor in response.outputs.items()}


def predict_rest(server: str, body: Dict, model_name: str, timeout: float
                 ) -> Dict[str, np.ndarray]:
  """Posts a REST predict call; returns the outputs as numpy arrays, one row per instance."""
  request = urllib.request.Request(
      f'http://{server}/v1/models/{model_name}:predict', data=json.dumps(body).encode('utf-8'),
      headers={'Content-Type': 'application/json'})
  with urllib.request.urlopen(request, timeout=timeout) as answer:
    return rest_outputs(json.load(answer))


def rest_outputs(response: Dict) -> Dict[str, np.ndarray]:
  """The "predictions" of a REST answer (one dict per instance) as arrays per output."""
  rows = response['predictions']
  return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def tag(texts: Sequence[str], task: str) -> List[List[Dict]]:
  """Tags texts on FLAGS.server; returns the entities of each text."""
  if FLAGS.protocol == 'grpc':
    outputs = predict_grpc(FLAGS.server, build_predict_request(texts, task, FLAGS.model_name),
                           FLAGS.timeout)
  else:
    outputs = predict_rest(FLAGS.server, build_rest_body(texts, task), FLAGS.model_name,
                           FLAGS.timeout)
  return saved_model.entity_lists(outputs)


def main(argv):
  del argv  # Unused.
  texts = list(FLAGS.text)
  if FLAGS.input:
    texts += pathlib.Path(FLAGS.input).read_text(encoding='utf-8').splitlines()
  if not texts:
    raise app.UsageError('give --text or --input')
  for text, entities in zip(texts, tag(texts, FLAGS.task)):
    print(json.dumps({'text': text, 'entities': entities}, ensure_ascii=False))


if __name__ == '__main__':
  app.run(main)
