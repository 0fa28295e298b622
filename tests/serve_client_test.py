"""Tests of bin/export.py's serving layout and bin/serve_client.py's requests.

TF Serving itself cannot be installed here, so the requests are checked against the exported
SavedModel loaded in-process: fed to its signatures directly, and through two stand-in servers
(gRPC and REST) that do what TF Serving's predict does with them.
"""

import concurrent.futures
import http.server
import importlib.util
import json
import subprocess
import sys
import threading

import grpc
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.config import model_server_config_pb2

from aioner_tf.data import aio
from aioner_tf.export import saved_model
from conftest import ROOT
from saved_model_test import TEXTS, tiny_model_dir

SAVED_MODEL_CLI = ('import tensorflow_text; from tensorflow.python.tools import saved_model_cli; '
                   'saved_model_cli.main()')

_SPEC = importlib.util.spec_from_file_location('serve_client', ROOT / 'bin' / 'serve_client.py')
serve_client = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(serve_client)


@pytest.fixture(scope='module')
def served(tmp_path_factory):
  """(base path, loaded SavedModel) of a tiny model exported by bin/export.py as version 1."""
  root = tmp_path_factory.mktemp('served')
  model_dir = tiny_model_dir(root / 'model')
  subprocess.run([sys.executable, str(ROOT / 'bin' / 'export.py'), f'--model_dir={model_dir}',
                  f'--export_dir={root / "aioner" / "1"}'], check=True, capture_output=True)
  return root / 'aioner', saved_model.load_saved_model(root / 'aioner' / '1')


def run_signature(loaded, name, inputs):
  outputs = loaded.signatures[name](**{key: tf.constant(value) for key, value in inputs.items()})
  return {key: value.numpy() for key, value in outputs.items()}


class FakePredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
  """TF Serving's gRPC Predict, reduced to feeding the request's tensors to a signature."""

  def __init__(self, loaded):
    self.loaded = loaded

  def Predict(self, request, context):  # pylint: disable=invalid-name
    inputs = {key: tf.make_ndarray(tensor) for key, tensor in request.inputs.items()}
    outputs = run_signature(self.loaded, request.model_spec.signature_name, inputs)
    response = predict_pb2.PredictResponse(model_spec=request.model_spec)
    for key, value in outputs.items():
      response.outputs[key].CopyFrom(tf.make_tensor_proto(value))
    return response


def rest_handler(loaded):
  """TF Serving's REST predict in the row format: instances → columns → signature → rows."""

  class Handler(http.server.BaseHTTPRequestHandler):

    def do_POST(self):  # pylint: disable=invalid-name
      assert self.path == f'/v1/models/{serve_client.MODEL_NAME}:predict'
      body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
      instances = body['instances']
      outputs = run_signature(loaded, body['signature_name'],
                              {key: [row[key] for row in instances] for key in instances[0]})
      rows = [{key: [v.decode('utf-8') for v in value[i]] if value.dtype == object
               else value[i].tolist() for key, value in outputs.items()}
              for i in range(len(instances))]
      answer = json.dumps({'predictions': rows}).encode('utf-8')
      self.send_response(200)
      self.send_header('Content-Type', 'application/json')
      self.send_header('Content-Length', str(len(answer)))
      self.end_headers()
      self.wfile.write(answer)

    def log_message(self, *args):
      del args  # Quiet.

  return Handler


@pytest.fixture(scope='module')
def grpc_server(served):
  server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=1))
  prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
      FakePredictionService(served[1]), server)
  port = server.add_insecure_port('localhost:0')
  server.start()
  yield f'localhost:{port}'
  server.stop(None)


@pytest.fixture(scope='module')
def rest_server(served):
  server = http.server.HTTPServer(('localhost', 0), rest_handler(served[1]))
  thread = threading.Thread(target=server.serve_forever, daemon=True)
  thread.start()
  yield f'localhost:{server.server_port}'
  server.shutdown()


def test_export_writes_the_layout_tf_serving_scans(served):
  base_path, _ = served
  assert [p.name for p in base_path.iterdir()] == ['1']
  assert {p.name for p in (base_path / '1').iterdir()} >= {'saved_model.pb', 'variables',
                                                           'assets'}


def test_saved_model_cli_shows_both_signatures(served):
  base_path, _ = served
  keys = subprocess.run(['saved_model_cli', 'show', '--dir', str(base_path / '1'),
                         '--tag_set', 'serve'], check=True, capture_output=True, text=True).stdout
  assert 'SignatureDef key: "serving_default"' in keys and 'SignatureDef key: "tag_text"' in keys
  # --all also loads the functions, which needs the tensorflow_text ops registered first.
  shown = subprocess.run([sys.executable, '-c', SAVED_MODEL_CLI, 'show', '--dir',
                          str(base_path / '1'), '--all'],
                         check=True, capture_output=True, text=True).stdout
  assert "signature_def['serving_default']" in shown and "signature_def['tag_text']" in shown
  for name in saved_model.INPUT_KEYS + saved_model.TAG_TEXT_INPUTS + saved_model.ENTITY_OUTPUTS:
    assert f"['{name}'] tensor_info" in shown
  assert 'dtype: DT_STRING' in shown and 'dtype: DT_INT32' in shown


def test_predict_request_feeds_tag_text(served):
  _, loaded = served
  request = serve_client.build_predict_request(TEXTS, 'Gene')
  assert request.model_spec.name == 'aioner'
  assert request.model_spec.signature_name == saved_model.TAG_TEXT
  inputs = {key: tf.make_ndarray(tensor) for key, tensor in request.inputs.items()}
  expected = run_signature(loaded, saved_model.TAG_TEXT, {'text': TEXTS, 'task': ['Gene'] * 3})
  for key, value in run_signature(loaded, saved_model.TAG_TEXT, inputs).items():
    np.testing.assert_array_equal(value, expected[key])


def test_rest_body_feeds_tag_text(served):
  _, loaded = served
  body = json.loads(json.dumps(serve_client.build_rest_body(TEXTS, aio.ALL_TASK)))
  assert body['signature_name'] == saved_model.TAG_TEXT
  columns = {key: [row[key] for row in body['instances']] for key in ('text', 'task')}
  assert columns == {'text': TEXTS, 'task': [aio.ALL_TASK] * 3}
  outputs = run_signature(loaded, saved_model.TAG_TEXT, columns)
  assert outputs['num_entities'].shape == (3,)


@pytest.mark.parametrize('protocol', ['grpc', 'rest'])
def test_the_client_gets_the_entities_of_the_saved_model(served, grpc_server, rest_server,
                                                         protocol):
  _, loaded = served
  if protocol == 'grpc':
    outputs = serve_client.predict_grpc(
        grpc_server, serve_client.build_predict_request(TEXTS, aio.ALL_TASK), timeout=60)
  else:
    outputs = serve_client.predict_rest(
        rest_server, serve_client.build_rest_body(TEXTS, aio.ALL_TASK), 'aioner', timeout=60)
  expected = run_signature(loaded, saved_model.TAG_TEXT,
                           {'text': TEXTS, 'task': [aio.ALL_TASK] * 3})
  entities = saved_model.entity_lists(outputs)
  assert entities == saved_model.entity_lists(expected)
  assert any(entities)
  for text, text_entities in zip(TEXTS, entities):
    for entity in text_entities:
      assert text[entity['start']:entity['end']] == entity['mention']


def test_the_command_line_prints_one_json_line_per_text(served, grpc_server):
  run = subprocess.run(
      [sys.executable, str(ROOT / 'bin' / 'serve_client.py'), f'--server={grpc_server}',
       f'--text={TEXTS[0]}', f'--text={TEXTS[1]}'], check=True, capture_output=True, text=True)
  lines = [json.loads(line) for line in run.stdout.splitlines()]
  assert [line['text'] for line in lines] == TEXTS[:2]
  expected = run_signature(served[1], saved_model.TAG_TEXT,
                           {'text': TEXTS[:2], 'task': [aio.ALL_TASK] * 2})
  assert [line['entities'] for line in lines] == saved_model.entity_lists(expected)


def test_the_serving_config_names_the_model_and_its_base_path():
  config = text_format.Parse((ROOT / 'serving' / 'models.config').read_text(),
                             model_server_config_pb2.ModelServerConfig())
  (model,) = config.model_config_list.config
  assert (model.name, model.base_path, model.model_platform) == (
      'aioner', '/models/aioner', 'tensorflow')
