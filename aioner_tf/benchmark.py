"""Speed, memory and F1 of each inference path, and training speed, for bin/benchmark.py.

Paths (each tags whole documents with the `ALL` task, the model alone: the Tagger's rules
after decoding, such as abbreviations, are off, as `tag_text` has none):
  keras        Tagger: sentences, pieces of at most max_len subwords sorted by length, Keras
               decode; the batch size is pieces per call.
  keras_bfloat16
               the same, the model computing in mixed bfloat16 (model/precision.py).
  saved_model  the SavedModel's `tag_text` signature, one text per passage (sentences split in
               the graph, see export/saved_model.py); the batch size is passages per call,
               sorted by length.
  serving_default
               the Tagger's pieces decoded by the SavedModel's `serving_default` signature
               (subword ids in, as a TF Serving client sends them); batch size as for keras.
  tflite_fp32, tflite_int8
               the Tagger's pieces decoded by a TFLite model of static batch size, each call
               at the shortest of its lengths that holds the batch (export/tflite.py).

Each measurement runs in a fresh process (see `run_child`), so that its peak resident memory
and load time are its own. Timings are the median of repeated runs after one warm-up document.
"""

import dataclasses
import importlib.metadata
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import time
import types
from typing import Callable, Dict, List, Optional, Sequence

import tensorflow as tf

from aioner_tf import evaluation
from aioner_tf.data import aio
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data import tfrecords
from aioner_tf.data.document import Document, Span
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.export import saved_model
from aioner_tf.export import tflite
from aioner_tf.model import aioner
from aioner_tf.model import precision
from aioner_tf.tagging import postprocess
from aioner_tf.tagging import tagger as tagger_lib

KERAS = 'keras'
KERAS_BFLOAT16 = 'keras_bfloat16'
SAVED_MODEL = 'saved_model'
SERVING_DEFAULT = 'serving_default'
TFLITE_PATHS = {'tflite_fp32': tflite.FLOAT32, 'tflite_int8': tflite.INT8}
PATHS = (KERAS, KERAS_BFLOAT16, SAVED_MODEL, SERVING_DEFAULT, *TFLITE_PATHS)
TRAIN = 'train'
# Paths that compute in float32, in the order their F1 is the reference of the others.
FLOAT32_PATHS = ('tflite_fp32', KERAS)
TARGET_ABSTRACTS_PER_SECOND = 20.0
TARGET_F1_POINTS = 0.5
PAPER_CPU_CORES = 24  # The CPU of the paper's Table 4.

MODEL_ALONE = postprocess.Options(abbreviations=False)  # No rules after decoding.
TagFn = Callable[[Sequence[Document]], List[Document]]


@dataclasses.dataclass
class Options:
  """What every measurement needs: the model, its exports, the documents and the repeats."""
  model_dir: str
  export_dir: str
  gold: str
  repeats: int = 3
  num_threads: int = len(os.sched_getaffinity(0))
  train_data: Optional[str] = None  # bin/prepare_data.py output; its train/*.tfrecord are read.
  train_batch_size: int = 32
  train_steps: int = 20
  train_precision: str = precision.FLOAT32


def saved_model_dir(export_dir) -> pathlib.Path:
  return pathlib.Path(export_dir) / 'saved_model'


def tflite_file(export_dir, batch_size: int, quantization: str) -> pathlib.Path:
  return pathlib.Path(export_dir) / f'tflite_batch{batch_size}' / f'aioner_{quantization}.tflite'


def prepare_exports(options: Options, paths: Sequence[str], batch_sizes: Sequence[int]) -> None:
  """Exports the SavedModel and the TFLite models (one per batch size) the paths need, unless
  they are already in the export directory."""
  exported = (saved_model_dir(options.export_dir) / 'saved_model.pb').exists()
  if {SAVED_MODEL, SERVING_DEFAULT} & set(paths) and not exported:
    saved_model.export_saved_model(options.model_dir, saved_model_dir(options.export_dir))
  if set(paths) & set(TFLITE_PATHS):
    for batch_size in batch_sizes:
      if not all(tflite_file(options.export_dir, batch_size, q).exists()
                 for q in tflite.QUANTIZATIONS):
        tflite.export_tflite(options.model_dir,
                             tflite_file(options.export_dir, batch_size, tflite.FLOAT32).parent,
                             batch_size)


def _tagged(result: tagger_lib.TaggingResult) -> List[Document]:
  """The tagged documents; a benchmark that leaves documents out would score the wrong set."""
  if result.failures:
    raise RuntimeError(f'{len(result.failures)} document(s) not tagged: {result.failures[:3]}')
  return result.documents


class SavedModelTagger:
  """Tags documents with the `tag_text` signature, `batch_size` passages per call."""

  def __init__(self, export_dir, batch_size: int):
    self._loaded = saved_model.load_saved_model(export_dir)  # Keeps the signature's variables.
    self._tag_text = self._loaded.signatures[saved_model.TAG_TEXT]
    self.batch_size = batch_size

  def tag_documents(self, documents: Sequence[Document]) -> List[Document]:
    passages = sorted(((i, p) for i, doc in enumerate(documents) for p in doc.passages),
                      key=lambda item: len(item[1].text))
    found = [[] for _ in documents]
    for start in range(0, len(passages), self.batch_size):
      batch = passages[start:start + self.batch_size]
      outputs = self._tag_text(text=tf.constant([p.text for _, p in batch]),
                               task=tf.constant([aio.ALL_TASK] * len(batch)))
      entities = saved_model.entity_lists({k: v.numpy() for k, v in outputs.items()})
      for (i, passage), text_entities in zip(batch, entities):
        found[i].extend(Span(passage.offset + e['start'], passage.offset + e['end'], e['type'],
                             e['mention']) for e in text_entities)
    tagged = [dataclasses.replace(doc, annotations=spans) for doc, spans in zip(documents, found)]
    for doc in tagged:
      doc.sort_annotations()
    return tagged


def _decoding_tagger(options: Options, batch_size: int, decode) -> TagFn:
  """The Tagger's pieces decoded by `decode`; only the model's config is loaded beside it (the
  Keras model would count in the path's memory)."""
  config_only = types.SimpleNamespace(config=aioner.ModelConfig.load(options.model_dir))
  tokenizer = SubwordTokenizer.load(str(pathlib.Path(options.model_dir) / 'tokenizer'))
  tagger = tagger_lib.Tagger(config_only, tokenizer, batch_size, decode=decode,
                             options=MODEL_ALONE)
  return lambda documents: _tagged(tagger.tag_documents(documents))


def load_path(path: str, batch_size: int, options: Options) -> TagFn:
  """The tagging function of an inference path, its model loaded."""
  if path in (KERAS, KERAS_BFLOAT16):
    tagger = tagger_lib.Tagger.load(
        options.model_dir, batch_size, options=MODEL_ALONE,
        precision=precision.MIXED_BFLOAT16 if path == KERAS_BFLOAT16 else precision.FLOAT32)
    return lambda documents: _tagged(tagger.tag_documents(documents))
  if path == SAVED_MODEL:
    return SavedModelTagger(saved_model_dir(options.export_dir), batch_size).tag_documents
  if path == SERVING_DEFAULT:
    loaded = saved_model.load_saved_model(saved_model_dir(options.export_dir))
    return _decoding_tagger(options, batch_size, lambda inputs: loaded.signatures[
        saved_model.SERVING_DEFAULT](**inputs)['label_ids'].numpy())
  if path in TFLITE_PATHS:
    runner = tflite.LiteRunner(tflite_file(options.export_dir, batch_size, TFLITE_PATHS[path]),
                               options.num_threads)
    return _decoding_tagger(options, runner.batch_size, runner.decode)
  raise ValueError(f'unknown path {path!r}; use one of {PATHS}')


def peak_rss_mib() -> float:
  """The peak resident memory of this process image, VmHWM of /proc/self/status.

  Not getrusage's ru_maxrss: Linux carries that over from the parent through fork and exec, so
  every child of a large parent would report at least the parent's size.
  """
  status = pathlib.Path('/proc/self/status').read_text()
  return int(re.search(r'^VmHWM:\s*(\d+) kB', status, re.M).group(1)) / 1024


def measure_path(path: str, batch_size: int, options: Options) -> Dict:
  """Loads a path, tags the gold documents `repeats` times after one warm-up document, and
  scores the last tagging against the gold annotations."""
  documents = evaluation.read_documents(options.gold)
  start = time.perf_counter()
  tag = load_path(path, batch_size, options)
  load_seconds = time.perf_counter() - start
  start = time.perf_counter()
  tag(documents[:1])
  first_call_seconds = time.perf_counter() - start
  seconds = []
  for _ in range(options.repeats):
    start = time.perf_counter()
    predicted = tag(documents)
    seconds.append(time.perf_counter() - start)
  scores = evaluation.evaluate(documents, predicted,
                               type_map=evaluation.AIONER_TYPE_MAP).micro
  return {'path': path, 'batch_size': batch_size, 'load_seconds': load_seconds,
          'first_call_seconds': first_call_seconds, 'seconds': seconds,
          'precision': scores.precision, 'recall': scores.recall, 'f1': scores.f1,
          'peak_rss_mib': peak_rss_mib()}


def measure_training(options: Options) -> Dict:
  """Times `train_steps` optimiser steps of the model on the training records, `repeats`
  times after one warm-up step (one replica, Adam, the Keras train step of bin/train.py), in
  `train_precision`."""
  precision.set_policy(options.train_precision)
  model = aioner.load_model(options.model_dir)
  model.compile(optimizer=tf.keras.optimizers.Adam(1e-5))
  train_step = model.make_train_function()
  pattern = str(pathlib.Path(options.train_data) / 'train' / '*.tfrecord')
  batches = iter(tfrecords.make_dataset(pattern, options.train_batch_size,
                                        training=True).repeat())
  train_step(batches)
  seconds = []
  for _ in range(options.repeats):
    start = time.perf_counter()
    for _ in range(options.train_steps):
      logs = train_step(batches)
    float(logs['loss'])  # The step's result, so no work is left pending.
    seconds.append(time.perf_counter() - start)
  return {'path': TRAIN, 'batch_size': options.train_batch_size, 'steps': options.train_steps,
          'precision': options.train_precision, 'seconds': seconds,
          'steps_per_second': options.train_steps / statistics.median(seconds),
          'peak_rss_mib': peak_rss_mib()}


def run_child(command: Sequence[str]) -> Dict:
  """Runs a measurement process, which prints its result as JSON on its last stdout line; a
  failure is returned as {'error': its last stderr line}."""
  child = subprocess.run(list(command), capture_output=True, text=True, check=False)
  if child.returncode:
    lines = child.stderr.strip().splitlines() or [f'exit status {child.returncode}']
    return {'error': lines[-1]}
  return json.loads(child.stdout.strip().splitlines()[-1])


def text_size(documents: Sequence[Document], tokenizer: SubwordTokenizer) -> Dict[str, int]:
  """Documents, words and WordPiece subwords of the words ([CLS], tags and padding not
  counted), as the Tagger splits them."""
  words = [t.text for doc in documents for s in sentences_lib.split_document(doc)
           for t in s.tokens]
  return {'documents': len(documents), 'words': len(words),
          'subwords': sum(len(ids) for ids in tokenizer.word_piece_ids(words))}


def with_rates(run: Dict, size: Dict[str, int]) -> Dict:
  """A path's measurement with its median time and abstracts/s and subwords/s added."""
  if 'error' in run:
    return run
  median = statistics.median(run['seconds'])
  return {**run, 'median_seconds': median,
          'abstracts_per_second': size['documents'] / median,
          'subwords_per_second': size['subwords'] / median}


def machine() -> Dict:
  """The CPU, cores, memory and library versions the benchmark ran with."""
  cpu = re.search(r'^model name\s*:\s*(.+)$', pathlib.Path('/proc/cpuinfo').read_text(), re.M)
  memory = re.search(r'^MemTotal:\s*(\d+) kB', pathlib.Path('/proc/meminfo').read_text(), re.M)
  return {'cpu': cpu.group(1) if cpu else platform.processor(),
          'cores': len(os.sched_getaffinity(0)),
          'memory_gib': int(memory.group(1)) / 2**20 if memory else None,
          'python': platform.python_version(), 'tensorflow': tf.__version__,
          'ai_edge_litert': importlib.metadata.version('ai-edge-litert')}


def git_commit(root) -> str:
  """The short commit of the working tree, marked when it has uncommitted changes."""

  def git(*args):
    return subprocess.run(['git', *args], cwd=root, capture_output=True, text=True,
                          check=False).stdout.strip()

  commit = git('rev-parse', '--short', 'HEAD') or 'unknown'
  return commit + (' (with uncommitted changes)' if git('status', '--porcelain') else '')


def _fastest(runs: Sequence[Dict]) -> Optional[Dict]:
  return max((r for r in runs if 'error' not in r), key=lambda r: r['abstracts_per_second'],
             default=None)


def _float32_f1(runs: Sequence[Dict], batch_size: int) -> Optional[float]:
  """The F1 of the first float32 path measured at `batch_size`."""
  for path in FLOAT32_PATHS:
    for run in runs:
      if run['path'] == path and run['batch_size'] == batch_size and 'error' not in run:
        return run['f1']
  return None


def _summary(report: Dict) -> List[str]:
  fastest = _fastest(report['runs'])
  if fastest is None:
    return ['No path was measured.']
  rate = fastest['abstracts_per_second']
  cores = report['machine']['cores']
  lines = [f'- Fastest path: `{fastest["path"]}` at batch {fastest["batch_size"]}, '
           f'{rate:.1f} abstracts/s on {cores} cores (target ≥ {TARGET_ABSTRACTS_PER_SECOND:g}: '
           f'{"met" if rate >= TARGET_ABSTRACTS_PER_SECOND else "not met"}).']
  reference = _float32_f1(report['runs'], fastest['batch_size'])
  if reference is None:
    lines.append('- No float32 path was measured at that batch size to compare its F1 with.')
  else:
    delta = 100 * (fastest['f1'] - reference)
    met = 'met' if abs(delta) <= TARGET_F1_POINTS else 'not met'
    lines.append(f'- Its F1 minus the float32 F1: {delta:+.2f} points (target within '
                 f'{TARGET_F1_POINTS:g}: {met}).')
  return lines


def _paper_table(report: Dict) -> List[str]:
  fastest = _fastest(report['runs'])
  cores = report['machine']['cores']
  lines = ['| system | CPU cores | abstracts/s | abstracts/s per core |',
           '| --- | --- | --- | --- |',
           f'| AIONER, Luo et al. 2023, Table 4 (CPU) | {PAPER_CPU_CORES} | TODO: fill in from '
           f'the paper | TODO: the paper\'s abstracts/s ÷ {PAPER_CPU_CORES} |']
  if fastest is not None:
    rate = fastest['abstracts_per_second']
    lines.append(f'| this repository, `{fastest["path"]}` batch {fastest["batch_size"]} | {cores} '
                 f'| {rate:.1f} | {rate / cores:.1f} |')
  return lines


def format_row(run: Dict) -> str:
  """One Markdown table row of a path's measurement."""
  if 'error' in run:
    return f'| {run["path"]} | {run["batch_size"]} | failed: {run["error"]} | | | | |'
  return (f'| {run["path"]} | {run["batch_size"]} | {run["abstracts_per_second"]:.1f} | '
          f'{run["subwords_per_second"]:,.0f} | {run["peak_rss_mib"]:,.0f} | '
          f'{run["load_seconds"]:.1f} | {100 * run["f1"]:.2f} |')


def format_training_row(run: Dict) -> str:
  """One Markdown table row of a training measurement."""
  if 'error' in run:
    return f'| {run["precision"]} | failed: {run["error"]} | |'
  return (f'| {run["precision"]} | {run["steps_per_second"]:.2f} | '
          f'{run["peak_rss_mib"]:,.0f} |')


def format_markdown(report: Dict) -> str:
  """docs/BENCHMARKS.md from the report that bin/benchmark.py writes as JSON."""
  machine_info, size = report['machine'], report['size']
  lines = [
      '# Benchmarks', '',
      f'Written by `bin/benchmark.py` from `{report["json"]}`; run it again rather than edit.', '',
      f'- Command: `{report["command"]}`',
      f'- Commit: {report["commit"]}',
      f'- Machine: {machine_info["cpu"]}, {machine_info["cores"]} cores, '
      f'{machine_info["memory_gib"]:.1f} GiB; Python {machine_info["python"]}, TensorFlow '
      f'{machine_info["tensorflow"]}, ai-edge-litert {machine_info["ai_edge_litert"]}',
      f'- Input: `{report["gold"]}`, {size["documents"]} documents, {size["words"]:,} words, '
      f'{size["subwords"]:,} subwords', '',
      *_summary(report), '',
      '## Tagging', '',
      f'Median of {report["repeats"]} runs over all documents, after one warm-up document. Peak '
      'RSS and load time are those of a fresh process per row. F1: strict entity-level micro F1 '
      'against the gold annotations (types mapped as `bin/evaluate.py` maps them). Subwords: '
      'the WordPiece pieces of the words, without [CLS], task tags or padding.', '',
      '| path | batch size | abstracts/s | subwords/s | peak RSS MiB | load s | F1 |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      *[format_row(run) for run in report['runs']], '',
      'Batch size: pieces of sentences per model call for `keras` and the TFLite paths (TFLite '
      'models have it fixed, and pad each call to the shortest of their lengths that holds it), '
      'passages per `tag_text` call for `saved_model`. Every path tags with the model alone '
      '(no abbreviation rule), so their F1 compare.', '',
  ]
  training = report.get('training')
  if training:
    lines += ['## Training', '',
              f'Optimiser steps per second at batch {training[0]["batch_size"]}: median of '
              f'{report["repeats"]} runs of {training[0]["steps"]} steps after one warm-up '
              'step, one replica, in a fresh process per precision.', '',
              '| precision | steps/s | peak RSS MiB |', '| --- | --- | --- |',
              *[format_training_row(run) for run in training], '']
  lines += ['## Against the paper', '',
            f'The paper times AIONER on a {PAPER_CPU_CORES}-core CPU; divided by the cores, its '
            'speed compares with ours per core. Its figures could not be retrieved when this '
            'script was written: the TODO row stands until they are copied from the paper.', '',
            *_paper_table(report), '']
  return '\n'.join(lines)
