"""Measures time and peak memory of reading, splitting and tagging large or hostile inputs.

  python bin/stress.py --work_dir=/tmp/aioner_stress [--cases=read_pubtator,tag_document]
      [--file_mb=1024] [--model_dir=RUN_DIR/best]

Each case runs in a child process of its own and reports its wall time, its RSS once set up
(imports, input made, model loaded) and its peak RSS from then on (VmHWM of /proc/self/status,
reset through /proc/self/clear_refs), so that a peak belongs to one case and its work. Inputs
are generated under --work_dir and kept for reruns: the documents of
tests/data/tiny_train.PubTator repeated with ids 0, 1, ... The model is --model_dir, or else a
tiny random one made as tests/tagger_test.py makes its own (tagging then tests memory and time
of the path, not the quality of predictions). Prints one Markdown table row per case.
"""

import dataclasses
import itertools
import json
import pathlib
import shutil
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.data import formats
from aioner_tf.data import pubtator
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document, Passage, Span

FLAGS = flags.FLAGS
flags.DEFINE_string('work_dir', None, 'Where inputs, the model and outputs go.', required=True)
flags.DEFINE_integer('file_mb', 1024, 'Size of the files the streaming readers read.')
flags.DEFINE_integer('json_mb', 100, 'Size of the BioC JSON file (read whole).')
flags.DEFINE_integer('split_mb', 1024, 'Size of the file read and split into sentences and words.')
flags.DEFINE_integer('pieces_mb', 20, 'Size of the file read, split and turned into WordPiece '
                     'pieces as the Tagger does before it runs the model.')
flags.DEFINE_integer('tag_mb', 20, 'Size of the file tagged whole with bin/tag.py\'s path.')
flags.DEFINE_integer('document_mb', 10, 'Size of the single documents tagged.')
flags.DEFINE_integer('sentence_chars', 100000, 'Length of the sentence with no punctuation.')
flags.DEFINE_integer('passages', 100000, 'Passage blocks of the one-document full text.')
flags.DEFINE_integer('max_document_chars', 0, 'The tagger\'s limit (0: none).')
flags.DEFINE_string('model_dir', None, 'Trained model; default: a tiny random one.')
flags.DEFINE_string('child_case', None, 'Internal: the case this child process runs.')

_SAMPLE = ROOT / 'tests' / 'data' / 'tiny_train.PubTator'
_WORDS = ('protein kinase BRCA1 mutation tumour suppressor cells patients treated with '
          'tamoxifen showed reduced expression of the receptor in breast tissue').split()


def _status_mb(field: str) -> float:
  """A memory field of /proc/self/status (VmRSS, VmHWM) in MB."""
  for line in pathlib.Path('/proc/self/status').read_text().splitlines():
    if line.startswith(field + ':'):
      return int(line.split()[1]) / 1024
  raise RuntimeError(f'/proc/self/status has no {field}')


def _reset_peak() -> None:
  """Makes VmHWM start again from the current RSS (Linux 4.0 and later)."""
  pathlib.Path('/proc/self/clear_refs').write_text('5')


def _repeated_documents():
  """The sample documents again and again, with ids 0, 1, ..."""
  base = list(pubtator.read_pubtator(_SAMPLE))
  for i in itertools.count():
    yield dataclasses.replace(base[i % len(base)], id=str(i))


def _corpus(fmt: str, megabytes: int) -> pathlib.Path:
  """A file of `fmt` of about `megabytes` MB of repeated documents, made once."""
  path = pathlib.Path(FLAGS.work_dir) / f'corpus_{megabytes}mb{formats.EXTENSIONS[fmt]}'
  if not path.exists():
    sample = pathlib.Path(FLAGS.work_dir) / f'sample{formats.EXTENSIONS[fmt]}'
    formats.write_documents(itertools.islice(_repeated_documents(), 400), sample, fmt)
    count = int(megabytes * 1e6 / sample.stat().st_size * 400)
    temp = path.with_suffix('.tmp')
    formats.write_documents(itertools.islice(_repeated_documents(), count), temp, fmt)
    temp.rename(path)
  return path


def _text_file(name: str, make_text) -> pathlib.Path:
  """A plain-text file `name` holding `make_text()`, made once."""
  path = pathlib.Path(FLAGS.work_dir) / name
  if not path.exists():
    path.write_text(make_text(), encoding='utf-8')
  return path


def _prose(characters: int) -> str:
  """Sentences of the sample words, as many as fill `characters`."""
  sentence = ' '.join(_WORDS).capitalize() + '. '
  return (sentence * (characters // len(sentence) + 1))[:characters]


def _paragraphs(characters: int) -> str:
  """Short paragraphs separated by blank lines: the input that made sentence splitting quadratic."""
  return ('Aspirin.\n\n' * (characters // 10 + 1))[:characters]


def _sentence(characters: int) -> str:
  """One sentence of sample words, no punctuation."""
  words = itertools.cycle(_WORDS)
  return ' '.join(next(words) for _ in range(characters // 4))[:characters]


def _full_text() -> pathlib.Path:
  """One PubTator document of --passages passage blocks, each with an annotation."""
  path = pathlib.Path(FLAGS.work_dir) / f'full_text_{FLAGS.passages}.PubTator'
  if not path.exists():
    doc = Document('1')
    for i in range(FLAGS.passages):
      title = Passage(doc.passages[-1].end + 1 if doc.passages else 0, f'Section {i}',
                      {'type': 'title'})
      abstract = Passage(title.end + 1, 'Aspirin for headache.', {'type': 'abstract'})
      doc.passages.extend([title, abstract])
      doc.annotations.append(Span(abstract.offset, abstract.offset + 7, 'Chemical', 'Aspirin'))
    pubtator.write_pubtator([doc], path)
  return path


def _count_documents(path: pathlib.Path) -> str:
  return f'{sum(1 for _ in formats.read_documents(path))} documents'


def _split(path: pathlib.Path) -> str:
  documents = words = 0
  for doc in formats.read_documents(path):
    documents += 1
    words += sum(len(s.tokens) for s in sentences_lib.split_document(doc))
  return f'{documents} documents, {words} words'


def _tagger():
  from aioner_tf.tagging import tagger as tagger_lib  # pylint: disable=g-import-not-at-top
  return tagger_lib.Tagger.load(FLAGS.model_dir,
                                max_document_chars=FLAGS.max_document_chars or None)


def _pieces(path: pathlib.Path, tagger) -> str:
  """Pieces of the documents, a chunk of bin/tag.py's size at a time, as tagging makes them."""
  from aioner_tf.tagging import batch  # pylint: disable=g-import-not-at-top
  documents = pieces = 0
  read = formats.read_documents(path)
  while chunk := list(itertools.islice(read, batch.CHUNK_DOCUMENTS)):
    documents += len(chunk)
    pieces += len(tagger._pieces(chunk, ['ALL'], {}))  # pylint: disable=protected-access
  return f'{documents} documents, {pieces} pieces'


def _tag(path: pathlib.Path, tagger) -> str:
  from aioner_tf.tagging import batch  # pylint: disable=g-import-not-at-top
  output = pathlib.Path(FLAGS.work_dir) / f'tagged_{FLAGS.child_case}'
  shutil.rmtree(output, ignore_errors=True)
  ledger = batch.tag_files(tagger, batch.plan_jobs([str(path)], str(output)))
  return ledger.format().replace('\n', '; ')


def _many_passages(path: pathlib.Path) -> str:
  [doc] = formats.read_documents(path)
  for fmt in formats.WRITABLE:
    formats.write_documents([doc], pathlib.Path(FLAGS.work_dir) / f'many_passages_out.{fmt}', fmt)
  return f'{len(doc.passages)} passages, {len(doc.annotations)} annotations, written 3 ways'


def _document_chars() -> int:
  return FLAGS.document_mb * 10**6


# Case → (what makes its input, what runs on it); _pieces and _tag are given the Tagger too.
_CASES = {
    'read_pubtator': (lambda: _corpus(formats.PUBTATOR, FLAGS.file_mb), _count_documents),
    'read_bioc_xml': (lambda: _corpus(formats.BIOC_XML, FLAGS.file_mb), _count_documents),
    'read_bioc_json': (lambda: _corpus(formats.BIOC_JSON, FLAGS.json_mb), _count_documents),
    'split_pubtator': (lambda: _corpus(formats.PUBTATOR, FLAGS.split_mb), _split),
    'pieces_pubtator': (lambda: _corpus(formats.PUBTATOR, FLAGS.pieces_mb), _pieces),
    'tag_pubtator': (lambda: _corpus(formats.PUBTATOR, FLAGS.tag_mb), _tag),
    'tag_document': (lambda: _text_file(f'document_{FLAGS.document_mb}mb.txt',
                                        lambda: _prose(_document_chars())), _tag),
    'tag_paragraphs': (lambda: _text_file(f'paragraphs_{FLAGS.document_mb}mb.txt',
                                          lambda: _paragraphs(_document_chars())), _tag),
    'tag_sentence': (lambda: _text_file(f'sentence_{FLAGS.sentence_chars}.txt',
                                        lambda: _sentence(FLAGS.sentence_chars)), _tag),
    'many_passages': (_full_text, _many_passages),
}
flags.DEFINE_list('cases', None, f'Cases to run (default: all), of: {", ".join(_CASES)}.')


def _run_case(name: str) -> dict:
  """Runs one case in this process and returns its measurements."""
  make_input, run = _CASES[name]
  path = make_input()
  needs_model = run in (_pieces, _tag)
  args = (path, _tagger()) if needs_model else (path,)
  _reset_peak()
  setup_mb, start = _status_mb('VmRSS'), time.time()
  outcome = run(*args)
  return {'case': name, 'input_mb': round(path.stat().st_size / 1e6, 1),
          'seconds': round(time.time() - start, 1), 'setup_rss_mb': round(setup_mb),
          'peak_rss_mb': round(_status_mb('VmHWM')), 'outcome': outcome}


def _tiny_model() -> str:
  """A tiny random model under --work_dir, made once."""
  directory = pathlib.Path(FLAGS.work_dir) / 'tiny_model'
  if not directory.exists():
    sys.path.insert(0, str(ROOT / 'tests'))
    from tagger_test import save_tiny_model  # pylint: disable=g-import-not-at-top
    save_tiny_model(directory)
  return str(directory)


def main(argv):
  del argv  # Unused.
  if FLAGS.child_case:
    print(json.dumps(_run_case(FLAGS.child_case)))
    return
  pathlib.Path(FLAGS.work_dir).mkdir(parents=True, exist_ok=True)
  cases = FLAGS.cases or list(_CASES)
  unknown = sorted(set(cases) - set(_CASES))
  if unknown:
    raise app.UsageError(f'unknown cases {unknown}; known: {list(_CASES)}')
  model_dir = FLAGS.model_dir or _tiny_model()
  # Imported here: it imports TensorFlow, which the children that only read should not hold.
  from aioner_tf import benchmark  # pylint: disable=g-import-not-at-top
  print('| case | input MB | seconds | RSS after setup MB | peak RSS MB | outcome |')
  print('| --- | --- | --- | --- | --- | --- |')
  for name in cases:
    row = benchmark.run_child([sys.executable, __file__, *sys.argv[1:], f'--child_case={name}',
                               f'--model_dir={model_dir}'])
    if 'error' in row:
      print(f'| {name} | | | | | failed: {row["error"]} |', flush=True)
      continue
    print(f'| {name} | {row["input_mb"]} | {row["seconds"]} | {row["setup_rss_mb"]} | '
          f'{row["peak_rss_mb"]} | {row["outcome"]} |', flush=True)


if __name__ == '__main__':
  app.run(main)
