"""A Beam pipeline that tags PubTator, BioC or PubMed XML files with a trained model.

  file patterns → files (spread over workers) → documents, streamed per file
    → batches of documents → Tagger.tag_documents → records of the output format, in shards
  what a reader drops or the tagger cannot tag → failures, one JSON line each

Each worker process loads the model once (`DoFn.setup`, shared by its threads through
`beam.utils.shared`), from `model_dir` or, if that is remote (gs://, s3://, hdfs://), from a
copy on its local disk. The tagger is bin/tag.py's, on batches of as many documents as its
chunks, so the tagged documents are those of bin/tag.py; their order is not kept. A file is read
by one worker, so the files are the unit of parallelism (PubMed has over a thousand).

Under `output_dir`:
  tagged-SSSSS-of-NNNNN<ext>    the tagged documents (formats.RECORD_FORMATS gives the extension)
  failures-SSSSS-of-NNNNN.jsonl  {"file", "line", "id", "reason"} per document or file part that
                                 was not tagged (line 0 and id null where unknown)

bin/tag.py's ledger (files, documents read, tagged, skipped by reason, written) is kept in Beam
counters, which `ledger_of` reads back: read = tagged + skipped and written = tagged.
"""

import dataclasses
import json
import os
import shutil
import tempfile
from typing import Iterator, Optional, Sequence, Tuple, Union

from absl import logging
import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io import textio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics.metric import Metrics, MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.runner import PipelineResult
from apache_beam.utils import shared

from aioner_tf.data import aio
from aioner_tf.data import formats
from aioner_tf.data.document import Document
from aioner_tf.model import aioner
from aioner_tf.model import precision as precision_lib
from aioner_tf.tagging import batch
from aioner_tf.tagging import postprocess
from aioner_tf.tagging import tagger as tagger_lib

NAMESPACE = 'aioner_tf'  # Of the ledger's counters.
FAILURES = 'failures'
INPUT_FORMATS = (formats.PUBTATOR, formats.BIOC_XML, formats.BIOC_JSON, formats.PUBMED_XML)
_SKIPPED = 'skipped: '  # Counter name prefix of a skip reason.
_UNREADABLE = 'not a PubTator, BioC or PubMed XML file; file skipped'


@dataclasses.dataclass(frozen=True)
class Config:
  """What to tag and how.

  inputs: file patterns (globs), local or on any file system Beam knows (gs://, s3://, ...).
  output_dir: where the shards and the failures go.
  model_dir: a trained model directory, local or remote; None: saved_models/default.
  output_format: one of formats.RECORD_FORMATS.
  entity_types: ALL, or tasks and types of the model (see tagger.tasks_for_types).
  batch_size: pieces of sentences per model call.
  batch_documents: documents per Tagger.tag_documents call (bin/tag.py's chunk).
  num_shards: output shards; 0 lets the runner choose (more than 0 costs a shuffle).
  strict: malformed input fails the pipeline instead of being skipped.
  options: what the tagger does with the model's spans (see tagging/postprocess.py).
  precision: the model's compute precision (see model/precision.py).

  Raises ValueError for an output format or precision that does not exist or entity types the
  model does not know (read from its model_config.json), FileNotFoundError if there is no model
  in model_dir.
  """
  inputs: Tuple[str, ...]
  output_dir: str
  model_dir: Optional[str] = None
  output_format: str = formats.PUBTATOR
  entity_types: Union[str, Tuple[str, ...]] = aio.ALL_TASK
  batch_size: int = 32
  batch_documents: int = batch.CHUNK_DOCUMENTS
  num_shards: int = 0
  strict: bool = False
  options: postprocess.Options = postprocess.Options()
  precision: str = precision_lib.FLOAT32

  def __post_init__(self):
    if self.output_format not in formats.RECORD_FORMATS:
      raise ValueError(f'output format {self.output_format!r} is not one of '
                       f'{list(formats.RECORD_FORMATS)}')
    precision_lib.check_policy(self.precision)  # Here, not first in a worker.
    tagger_lib.tasks_for_types(self.entity_types, self.options.overlapping,
                               _model_config(self.model_dir).task_types)


def _model_config(model_dir: Optional[str]) -> aioner.ModelConfig:
  """The config of the model in `model_dir` (local or remote; None: saved_models/default)."""
  model_dir = model_dir or str(tagger_lib.DEFAULT_MODEL_DIR)
  path = FileSystems.join(model_dir, aioner.CONFIG_FILE)
  if not FileSystems.exists(path):
    raise FileNotFoundError(f'{model_dir}: no trained model here (no {aioner.CONFIG_FILE})')
  with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
    return aioner.ModelConfig(**json.load(handle))


def _count(ledger: batch.Ledger) -> None:
  """Adds the counts of `ledger` to the pipeline's counters."""
  for field in dataclasses.fields(ledger):
    value = getattr(ledger, field.name)
    if isinstance(value, dict):
      for reason, count in value.items():
        Metrics.counter(NAMESPACE, _SKIPPED + reason).inc(count)
    elif value:
      Metrics.counter(NAMESPACE, field.name).inc(value)


def ledger_of(result: PipelineResult) -> batch.Ledger:
  """The ledger of a finished run, from its counters."""
  ledger = batch.Ledger()
  for counter in result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))['counters']:
    name = counter.key.metric.name
    value = counter.committed if counter.committed is not None else counter.attempted
    if name.startswith(_SKIPPED):
      ledger.add(batch.Ledger(skipped={name[len(_SKIPPED):]: value}))
    else:
      ledger.add(batch.Ledger(**{name: value}))
  return ledger


def _failure(path: str, line: int, doc_id: Optional[str], reason: str) -> beam.pvalue.TaggedOutput:
  return beam.pvalue.TaggedOutput(FAILURES, {'file': path, 'line': line, 'id': doc_id,
                                             'reason': reason})


class _ReadFile(beam.DoFn):
  """A file → (file, document) pairs, streamed; what its reader drops → failures."""

  def __init__(self, strict: bool):
    self._strict = strict

  def process(self, readable_file: fileio.ReadableFile) -> Iterator:
    path = readable_file.metadata.path
    with readable_file.open(compression_type=CompressionTypes.UNCOMPRESSED) as handle:
      fmt = formats.format_of(path, handle.read(formats.HEAD_BYTES))
    if fmt not in INPUT_FORMATS:
      logging.warning('%s: %s', path, _UNREADABLE)
      _count(batch.Ledger(lost_parts=1))
      yield _failure(path, 0, None, _UNREADABLE)
      return
    _count(batch.Ledger(files_done=1))
    with readable_file.open(compression_type=CompressionTypes.UNCOMPRESSED) as handle:
      reader = batch.Reader(formats.read_documents(handle, fmt, self._strict))
      while True:
        doc = reader.pull()
        yield from self._failures(path, reader)
        if doc is None:
          return
        _count(batch.Ledger(read=1))
        yield path, doc

  def _failures(self, path: str, reader: batch.Reader) -> Iterator:
    """Logs the reader's reports and turns those that dropped something into failures."""
    for report in reader.reports:
      if report.path == path:
        logging.warning('%s', report)
      else:  # A remote file's handle has another name, or none.
        logging.warning('%s: %s', path, report)
      ledger = batch.Ledger()
      if batch.count_report(report, ledger):
        _count(ledger)
        yield _failure(path, report.line, report.document_id, report.message)
    reader.reports.clear()


def _copy_to_local(model_dir: str) -> str:
  """Copies a model directory from any file system Beam knows into a local temporary folder."""
  local = tempfile.mkdtemp(prefix='aioner_model_')
  base = model_dir.rstrip('/') + '/'
  for metadata in FileSystems.match([base + '**'])[0].metadata_list:
    target = os.path.join(local, metadata.path[len(base):])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with FileSystems.open(metadata.path, compression_type=CompressionTypes.UNCOMPRESSED) as source:
      with open(target, 'wb') as copy:
        shutil.copyfileobj(source, copy)
  return local


class _Tag(beam.DoFn):
  """A batch of (file, document) pairs → tagged documents; those that fail → failures."""

  def __init__(self, model_dir: Optional[str], entity_types, batch_size: int,
               options: postprocess.Options, precision: str):
    self._model_dir = model_dir
    self._entity_types = entity_types
    self._batch_size = batch_size
    self._options = options
    self._precision = precision
    self._shared = shared.Shared()
    self._tagger = None

  def _load(self) -> tagger_lib.Tagger:
    model_dir = self._model_dir
    if model_dir is not None and FileSystems.get_scheme(model_dir) is not None:
      model_dir = _copy_to_local(model_dir)
    return tagger_lib.Tagger.load(model_dir, self._batch_size, options=self._options,
                                  precision=self._precision)

  def setup(self):
    self._tagger = self._shared.acquire(self._load, tag=(self._model_dir, self._batch_size,
                                                         self._options, self._precision))

  def process(self, pairs: Sequence[Tuple[str, Document]]) -> Iterator:
    paths, documents = zip(*pairs)
    result = self._tagger.tag_documents(documents, self._entity_types)
    for failure in result.failures:
      logging.warning('%s: document %s skipped: %s (%s)', paths[failure.index], failure.doc_id,
                      batch.TAGGING_FAILED, failure.reason)
      yield _failure(paths[failure.index], 0, failure.doc_id,
                     f'{batch.TAGGING_FAILED}: {failure.reason}')
    _count(batch.Ledger(tagged=len(result.documents),
                        skipped={batch.TAGGING_FAILED: len(result.failures)} if result.failures
                        else {}))
    yield from result.documents


def _record(doc: Document, fmt: str) -> str:
  _count(batch.Ledger(written=1))
  return formats.format_record(doc, fmt)


class TagFiles(beam.PTransform):
  """Tags the files `config.inputs` match into shards and failures under `config.output_dir`."""

  def __init__(self, config: Config):
    super().__init__()
    self._config = config

  def expand(self, pbegin):
    config = self._config
    documents = (
        pbegin
        | 'Patterns' >> beam.Create(list(config.inputs))
        | 'Match' >> fileio.MatchAll(fileio.EmptyMatchTreatment.DISALLOW)
        | 'SpreadFiles' >> beam.Reshuffle()
        | 'Open' >> fileio.ReadMatches()
        | 'Read' >> beam.ParDo(_ReadFile(config.strict)).with_outputs(FAILURES, main='documents'))
    tagged = (
        documents.documents
        | 'Batch' >> beam.BatchElements(min_batch_size=config.batch_documents,
                                        max_batch_size=config.batch_documents)
        | 'Tag' >> beam.ParDo(_Tag(config.model_dir, config.entity_types, config.batch_size,
                                   config.options, config.precision)
                              ).with_outputs(FAILURES, main='documents'))
    header, footer = formats.frame(config.output_format)
    shards = (
        tagged.documents
        | 'Format' >> beam.Map(_record, config.output_format)
        | 'Write' >> textio.WriteToText(
            FileSystems.join(config.output_dir, 'tagged'),
            file_name_suffix=formats.RECORD_FORMATS[config.output_format], header=header,
            footer=footer, num_shards=config.num_shards))
    failures = (
        (documents.failures, tagged.failures)
        | 'Failures' >> beam.Flatten()
        | 'FailureLines' >> beam.Map(json.dumps, ensure_ascii=False)
        | 'WriteFailures' >> textio.WriteToText(FileSystems.join(config.output_dir, 'failures'),
                                                file_name_suffix='.jsonl'))
    return {'tagged': shards, FAILURES: failures}


def run(config: Config, pipeline_args: Sequence[str] = ()) -> batch.Ledger:
  """Runs `TagFiles` with the Beam options `pipeline_args` (DirectRunner unless they name
  another runner), waits for it to finish and returns its ledger."""
  pipeline = beam.Pipeline(options=PipelineOptions(list(pipeline_args)))
  _ = pipeline | 'TagFiles' >> TagFiles(config)
  result = pipeline.run()
  result.wait_until_finish()
  return ledger_of(result)
