"""Tagging files and folders of documents: in chunks, resumable, atomic, with a ledger.

For an output file OUT, the documents of its input are read and tagged a chunk at a time. After
each chunk, the predictions of its documents are appended to `OUT.partial` (one JSON line per
document: its id and its spans, or why it was skipped), and `OUT.progress` (JSON, replaced
atomically) records how many documents are done, how long `OUT.partial` is then and the counts
so far. A run started again after a stop cuts `OUT.partial` back to that length, reads past the
finished documents and goes on from there, if its input, model weights, tasks and options are
those of the stopped run (otherwise it starts over). When the last chunk is done, the input is
read once more and written with its predictions to `OUT.tmp`, which is then renamed to OUT: the
output is byte for byte that of a run without a stop, and an OUT that exists is complete, so a
rerun skips its input. Output names come from input names only, never from document ids.

A document is skipped when the reader drops it as malformed, when it is longer than the
tagger's `max_document_chars` or when it cannot be tagged; it is named in the log with its file
and id, counted in the ledger and not written. So read == tagged + skipped and written == tagged.
"""

import dataclasses
import json
import os
import pathlib
import time
import warnings
from typing import Dict, Iterator, List, Optional, Sequence, Union

from absl import logging

from aioner_tf.data import aio
from aioner_tf.data import formats
from aioner_tf.data.document import Document, Span
from aioner_tf.data.errors import MalformedInputError, MalformedInputWarning
from aioner_tf.tagging import tagger as tagger_lib

SAME = 'same'  # Output format: the input's, PubTator for plain text.
CHUNK_DOCUMENTS = 200
MALFORMED = 'malformed input'
TAGGING_FAILED = 'tagging failed'
TOO_LARGE = tagger_lib.TOO_LARGE  # Longer than the tagger's max_document_chars.
# How the readers end a report that drops a document, and one that drops a file or its rest.
_DOCUMENT_SKIPPED = '; document skipped'
_FILE_SKIPPED = 'file skipped'
_PROGRESS, _PARTIAL, _TEMP = '.progress', '.partial', '.tmp'


@dataclasses.dataclass(frozen=True)
class Job:
  """One input file and the output file its tagged documents go to."""
  input_path: pathlib.Path
  input_format: str
  output_path: pathlib.Path
  output_format: str


@dataclasses.dataclass
class Ledger:
  """What a run did. Files whose output existed before the run are not in the document counts."""
  read: int = 0
  tagged: int = 0
  skipped: Dict[str, int] = dataclasses.field(default_factory=dict)  # Reason → documents.
  written: int = 0
  lost_parts: int = 0  # Reports that dropped a whole file or its rest, uncounted documents.
  files_done: int = 0
  files_existing: int = 0

  def skip(self, reason: str) -> None:
    self.skipped[reason] = self.skipped.get(reason, 0) + 1

  def add(self, other: 'Ledger') -> None:
    for field in dataclasses.fields(self):
      mine, theirs = getattr(self, field.name), getattr(other, field.name)
      if isinstance(mine, dict):
        for reason, count in theirs.items():
          mine[reason] = mine.get(reason, 0) + count
      else:
        setattr(self, field.name, mine + theirs)

  def format(self) -> str:
    skipped = f'documents skipped: {sum(self.skipped.values())}'
    if self.skipped:
      skipped += f' ({", ".join(f"{r}: {n}" for r, n in sorted(self.skipped.items()))})'
    lines = [f'files tagged: {self.files_done}, skipped as their output exists: '
             f'{self.files_existing}',
             f'documents read: {self.read}',
             f'documents tagged: {self.tagged}',
             skipped,
             f'documents written: {self.written}']
    if self.lost_parts:
      lines.append(f'unreadable files or file ends: {self.lost_parts} (their documents are not '
                   'counted; see the log)')
    return '\n'.join(lines)


def _output_format(input_format: str, output_format: str) -> str:
  if output_format != SAME:
    return output_format
  return input_format if input_format in formats.WRITABLE else formats.PUBTATOR


def _input_files(inputs: Sequence[str]) -> List[pathlib.Path]:
  files = []
  for name in inputs:
    path = pathlib.Path(name)
    if path.is_dir():
      files.extend(sorted(p for p in path.iterdir() if p.is_file() and
                          not p.name.startswith('.') and formats.format_of(p)))
    elif path.is_file():
      formats.require_format(path)
      files.append(path)
    else:
      raise FileNotFoundError(f'{path}: no such file or folder')
  return files


def plan_jobs(inputs: Sequence[str], output: str, output_format: str = SAME) -> List[Job]:
  """Expands input files and folders into jobs.

  A folder stands for its files (not those in subfolders) whose extension names a format,
  sorted. With one input file and an `output` whose extension names a format, `output` is the
  output file, in that format. Otherwise `output` is a folder and each output keeps its input's
  name, with the extension of the output format if that differs from the input's.

  Args:
    inputs: files and folders.
    output: the output folder, or the output file of a single input file.
    output_format: one of formats.WRITABLE, or SAME: the input's (PubTator for plain text and
      PubMed XML).

  Raises:
    FileNotFoundError: if an input does not exist.
    ValueError: for an input file of unknown format, an output format that contradicts the
      output file name, two outputs of one name, or an output that would overwrite its input.
  """
  files = _input_files(inputs)
  output = pathlib.Path(output)
  if output_format not in (SAME,) + formats.WRITABLE:
    raise ValueError(f'output format {output_format!r} is not one of {[SAME, *formats.WRITABLE]}')
  if len(inputs) == 1 and files == [pathlib.Path(inputs[0])] and formats.format_of(output):
    fmt = formats.format_of(output)
    if fmt not in formats.WRITABLE:
      raise ValueError(f'{output}: {fmt} cannot be written; use one of '
                       f'{", ".join(formats.EXTENSIONS.values())}')
    if output_format not in (SAME, fmt):
      raise ValueError(f'{output}: the name says {fmt} but the output format is {output_format}')
    jobs = [Job(files[0], formats.format_of(files[0]), output, fmt)]
  else:
    jobs = []
    for path in files:
      input_format = formats.format_of(path)
      fmt = _output_format(input_format, output_format)
      name = path.name if fmt == input_format else path.stem + formats.EXTENSIONS[fmt]
      jobs.append(Job(path, input_format, output / name, fmt))
  seen = {}
  for job in jobs:
    target = job.output_path.resolve()
    if target == job.input_path.resolve():
      raise ValueError(f'{job.input_path}: the output would overwrite it; choose another output')
    if target in seen:
      raise ValueError(f'{seen[target]} and {job.input_path} would both be written to {target}')
    seen[target] = job.input_path
  return jobs


class Reader:
  """The documents of a reader, pulled one at a time, keeping the reports it makes."""

  def __init__(self, documents: Iterator[Document]):
    self._documents = documents
    self.reports: List[MalformedInputError] = []

  def pull(self) -> Optional[Document]:
    with warnings.catch_warnings(record=True) as caught:
      warnings.simplefilter('always')
      doc = next(self._documents, None)
    for warning in caught:
      if issubclass(warning.category, MalformedInputWarning):
        self.reports.append(warning.message.error)
      else:
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    return doc

  def take(self, count: int) -> List[Document]:
    docs = []
    while len(docs) < count:
      doc = self.pull()
      if doc is None:
        break
      docs.append(doc)
    return docs


@dataclasses.dataclass
class _Progress:
  """What `OUT.progress` holds; `settings` must match for a rerun to go on from it."""
  settings: Dict[str, object]
  partial: str
  documents_done: int = 0
  partial_bytes: int = 0
  read_all: bool = False
  ledger: Ledger = dataclasses.field(default_factory=Ledger)


def _side_paths(job: Job) -> Iterator[pathlib.Path]:
  """OUT.progress, OUT.partial and OUT.tmp beside the output file."""
  return (job.output_path.with_name(job.output_path.name + suffix)
          for suffix in (_PROGRESS, _PARTIAL, _TEMP))


def _settings(job: Job, passes: Dict[str, List[str]], tagger: tagger_lib.Tagger
              ) -> Dict[str, object]:
  stat = job.input_path.stat()
  return {'input': str(job.input_path.resolve()), 'input_bytes': stat.st_size,
          'input_mtime_ns': stat.st_mtime_ns, 'tasks': passes, 'model': tagger.model_id,
          'options': dataclasses.asdict(tagger.options), 'output_format': job.output_format}


def _load_progress(progress_path: pathlib.Path, partial_path: pathlib.Path,
                   settings: Dict[str, object]) -> Optional[_Progress]:
  """The progress of a stopped run on the same input with the same settings, if any."""
  if not progress_path.exists():
    return None
  data = json.loads(progress_path.read_text(encoding='utf-8'))
  progress = _Progress(**dict(data, ledger=Ledger(**data['ledger'])))
  size = partial_path.stat().st_size if partial_path.exists() else -1
  if progress.settings != settings or size < progress.partial_bytes:
    logging.info('%s: input, settings or partial output changed since the last run; starting '
                 'this file over', progress_path)
    return None
  return progress


def _save_progress(path: pathlib.Path, progress: _Progress) -> None:
  temp = path.with_name(path.name + _TEMP)
  temp.write_text(json.dumps(dataclasses.asdict(progress), indent=1), encoding='utf-8')
  os.replace(temp, path)


def count_report(report: MalformedInputError, ledger: Ledger) -> bool:
  """Counts a reader's report in `ledger`: a dropped document as read and skipped as malformed,
  a dropped file or file end as a lost part. Returns whether the report dropped anything."""
  if report.message.endswith(_DOCUMENT_SKIPPED):
    ledger.read += 1
    ledger.skip(MALFORMED)
  elif report.message.endswith(_FILE_SKIPPED):
    ledger.lost_parts += 1
  else:
    return False
  return True


def _count_reports(reader: Reader, ledger: Ledger) -> None:
  """Logs the reader's reports (each names file, line and document) and counts dropped ones."""
  for report in reader.reports:
    logging.warning('%s', report)
    count_report(report, ledger)
  reader.reports.clear()


def _records(job: Job, chunk: Sequence[Document], result: tagger_lib.TaggingResult,
             ledger: Ledger) -> Iterator[bytes]:
  """The `OUT.partial` lines of a tagged chunk, one per document in input order."""
  failures = {failure.index: failure.reason for failure in result.failures}
  tagged = iter(result.documents)
  for index, doc in enumerate(chunk):
    ledger.read += 1
    if index in failures:
      reason = TOO_LARGE if failures[index].startswith(TOO_LARGE) else TAGGING_FAILED
      logging.warning('%s: document %s skipped: %s (%s)', job.input_path, doc.id, reason,
                      failures[index])
      ledger.skip(reason)
      record = {'id': doc.id, 'skipped': failures[index]}
    else:
      ledger.tagged += 1
      record = {'id': doc.id, 'spans': [[s.start, s.end, s.type, s.text, s.infons]
                                        for s in next(tagged).annotations]}
    yield (json.dumps(record, ensure_ascii=False) + '\n').encode('utf-8')


def _write_output(job: Job, partial_path: pathlib.Path, temp_path: pathlib.Path) -> int:
  """Writes the input's documents with their predictions to `temp_path`; returns how many."""
  written = 0

  def tagged_documents():
    nonlocal written
    with open(partial_path, encoding='utf-8') as records:
      documents = formats.read_documents(job.input_path, job.input_format)
      for doc, line in zip(documents, records, strict=True):
        record = json.loads(line)
        if record['id'] != doc.id:
          raise RuntimeError(f'{job.input_path} does not match {partial_path} (document '
                             f'{doc.id} against {record["id"]}); delete the latter and rerun')
        if 'spans' in record:
          written += 1
          yield dataclasses.replace(doc, annotations=[
              Span(start, end, entity_type, text, infons=tuple(map(tuple, infons)))
              for start, end, entity_type, text, infons in record['spans']])

  with warnings.catch_warnings():
    warnings.simplefilter('ignore', MalformedInputWarning)  # Logged on the first reading.
    formats.write_documents(tagged_documents(), temp_path, job.output_format)
  return written


def tag_file(tagger: tagger_lib.Tagger, job: Job, entity_types: Union[str, Sequence[str]],
             chunk_size: int = CHUNK_DOCUMENTS, strict: bool = False) -> Ledger:
  """Tags one input file into its output, going on from a stopped run; returns its ledger."""
  progress_path, partial_path, temp_path = _side_paths(job)
  if job.output_path.exists():
    for path in (progress_path, partial_path, temp_path):
      path.unlink(missing_ok=True)
    logging.info('%s exists; %s skipped', job.output_path, job.input_path)
    return Ledger(files_existing=1)
  job.output_path.parent.mkdir(parents=True, exist_ok=True)
  passes = tagger_lib.tasks_for_types(entity_types, tagger.options.overlapping,
                                      tagger.model.config.task_types)
  settings = _settings(job, passes, tagger)
  progress = (_load_progress(progress_path, partial_path, settings) or
              _Progress(settings, partial_path.name))
  if not progress.read_all:
    reader = Reader(formats.read_documents(job.input_path, job.input_format, strict))
    for _ in range(progress.documents_done):
      reader.pull()
    reader.reports.clear()  # Logged and counted by the run that read these documents.
    start, count = time.time(), 0
    with open(partial_path, 'ab') as partial:
      partial.truncate(progress.partial_bytes)
      while not progress.read_all:
        chunk = reader.take(chunk_size)
        _count_reports(reader, progress.ledger)
        result = tagger.tag_documents(chunk, entity_types)
        partial.writelines(_records(job, chunk, result, progress.ledger))
        partial.flush()
        os.fsync(partial.fileno())
        progress.documents_done += len(chunk)
        progress.partial_bytes = partial.tell()
        progress.read_all = len(chunk) < chunk_size
        _save_progress(progress_path, progress)
        count += len(chunk)
        logging.info('%s: %d documents done, %.1f documents/s', job.input_path,
                     progress.documents_done, count / max(time.time() - start, 1e-6))
  ledger = progress.ledger
  ledger.written = _write_output(job, partial_path, temp_path)
  ledger.files_done = 1
  os.replace(temp_path, job.output_path)
  partial_path.unlink()
  progress_path.unlink()
  return ledger


def tag_files(tagger: tagger_lib.Tagger, jobs: Sequence[Job],
              entity_types: Union[str, Sequence[str]] = aio.ALL_TASK,
              chunk_size: int = CHUNK_DOCUMENTS, strict: bool = False) -> Ledger:
  """Tags the files of `jobs` one after another (see `tag_file`); returns the run's ledger."""
  ledger = Ledger()
  for job in jobs:
    ledger.add(tag_file(tagger, job, entity_types, chunk_size, strict))
  return ledger
