"""Corpus files → AIO pieces → TFRecords, with a summary of what went in and what did not fit.

Layout written under the output directory:
  tokenizer/              the vocabulary with task tags (training and export load this one)
  labels.json             the tasks (task tag → entity types) and the label vocabulary; in
                          merge mode the one task, NO_TASK (no tags), of every type
  {train,dev,test}/<corpus>.tfrecord
  test_gold/<corpus>.PubTator  the test documents with the annotations the corpus's task labels
                          (types renamed by its type map): what bin/tag.py tags and
                          bin/evaluate.py scores against, whatever format the corpus came in
  summary.json            counts per corpus and split, and unrepresentable annotations
"""

import collections
import dataclasses
import json
import os
import pathlib
from typing import Dict, Iterator, List, Sequence, Tuple

from aioner_tf.data import aio
from aioner_tf.data import corpora
from aioner_tf.data import pubtator
from aioner_tf.data import tfrecords
from aioner_tf.data.document import Document
from aioner_tf.data.tokenizer import SubwordTokenizer

SPLITS = ('train', 'dev', 'test')
MAX_LISTED_PROBLEMS = 20
LABELS_FILE = 'labels.json'
GOLD_DIR = 'test_gold'


@dataclasses.dataclass
class PrepareConfig:
  corpora_dir: str
  output_dir: str
  mode: str = 'aio'
  max_len: int = 256
  dev_fraction: float = 0.1
  seed: int = 42
  strict: bool = False
  # Corpus name → the seeded fraction of its train and dev documents to use (others: all), e.g.
  # old corpora mixed into fine-tuning on a new type. Test splits are always whole.
  fractions: Dict[str, float] = dataclasses.field(default_factory=dict)


def corpus_tasks(specs: Sequence[corpora.CorpusSpec]) -> Dict[str, Tuple[str, ...]]:
  """AIO's tasks and those the corpora declare (task tag → entity types): a corpus whose task
  is none of AIO's (e.g. `Anatomy`) declares one that labels the types its type map names."""
  tasks = dict(aio.AIO_TASKS)
  for spec in specs:
    if spec.task not in aio.AIO_TASKS and spec.task != aio.NO_TASK:
      known = tasks.get(spec.task, ())
      tasks[spec.task] = known + tuple(t for t in dict.fromkeys(spec.type_map.values())
                                       if t and t not in known)
  return tasks


def trained_tasks(specs: Sequence[corpora.CorpusSpec], mode: str) -> Dict[str, List[str]]:
  """The tasks the corpora train in `mode` (task tag → entity types), which a model records:
  a model trained on BioRED alone knows `ALL` and no `<Gene>` tag, so it is never asked to
  run one it never saw (tagging then takes a type from the ALL pass)."""
  tasks = {}
  for spec in specs:
    if not spec.train:
      continue
    declared = [t for t in dict.fromkeys(spec.type_map.values()) if t]
    for task in tasks_for(spec, mode):
      types = tasks.setdefault(task, [])
      types += [t for t in aio.AIO_TASKS.get(task) or aio.task_types(task, declared)
                if t not in types]
  return tasks


def merge_tasks(labels: Sequence[str]) -> Dict[str, List[str]]:
  """The tasks of merge mode: NO_TASK, whose sentences have no tags, of every type labelled."""
  return {aio.NO_TASK: [label[2:] for label in labels if label.startswith('B-')]}


def read_labels(data_dir: str) -> Tuple[List[str], Dict[str, List[str]]]:
  """The label vocabulary and the tasks of a data directory; for one written before
  labels.json existed, AIO's (or merge_tasks if summary.json says merge mode)."""
  path = pathlib.Path(data_dir) / LABELS_FILE
  if not path.exists():
    summary = json.loads((pathlib.Path(data_dir) / 'summary.json').read_text())
    if summary['config']['mode'] == 'merge':
      return list(aio.LABELS), merge_tasks(aio.LABELS)
    return list(aio.LABELS), {task: list(types) for task, types in aio.AIO_TASKS.items()}
  saved = json.loads(path.read_text())
  return saved['labels'], saved['task_types']


def tasks_for(spec: corpora.CorpusSpec, mode: str) -> List[str]:
  """The task tags a corpus is labelled with in a mode (see aio.MODES)."""
  if mode == 'merge':
    return [aio.NO_TASK]
  if mode == 'ind' and spec.task == aio.ALL_TASK:
    return list(spec.types)
  if mode in ('aio', 'ind'):
    return [spec.task]
  raise ValueError(f'unknown mode {mode!r}; expected one of {aio.MODES}')


def document_pieces(doc: Document, spec: corpora.CorpusSpec, tasks: Sequence[str],
                    tokenizer: SubwordTokenizer, max_len: int, stats: Dict):
  """Yields (piece, input_ids, word_mask) for every task of a document; counts into stats."""
  for task in tasks:
    examples, problems = aio.document_examples(doc, task, spec.type_map, spec.name)
    stats['sentences'] += len(examples)
    stats['unrepresentable'] += len(problems)
    for problem in problems:
      if len(stats['unrepresentable_examples']) < MAX_LISTED_PROBLEMS:
        stats['unrepresentable_examples'].append(dataclasses.asdict(problem))
    for label in (l for e in examples for l in e.labels if l.startswith('B-')):
      stats['mentions'][label[2:]] += 1
    word_ids = tokenizer.word_piece_ids([t.text for e in examples for t in e.tokens])
    for piece, input_ids, word_mask in tfrecords.example_pieces(examples, word_ids, max_len,
                                                                tokenizer, stats):
      stats['pieces'] += 1
      stats['words'] += len(piece.tokens)
      yield piece, input_ids, word_mask


def _new_stats() -> Dict:
  return {'documents': 0, 'sentences': 0, 'pieces': 0, 'words': 0, 'shortened_words': 0,
          'mentions': collections.Counter(), 'unrepresentable': 0,
          'unrepresentable_examples': []}


def split_documents(spec: corpora.CorpusSpec, config: PrepareConfig,
                    cache: Dict[str, List[Document]]) -> Dict[str, List[Document]]:
  """Reads a corpus's files and returns its documents per split (dev held out if needed)."""
  def read(name):
    if name not in cache:
      path = pathlib.Path(config.corpora_dir) / name
      cache[name] = list(corpora.read_documents(path, spec.file_format, config.strict))
    return cache[name]

  fraction = config.fractions.get(spec.name, 1.0)

  def sampled(name):
    documents = read(name)
    return documents if fraction == 1.0 else corpora.sample_documents(documents, fraction,
                                                                      config.seed)

  splits = {split: [] for split in SPLITS}
  if spec.train:
    if spec.dev:
      splits['train'], splits['dev'] = sampled(spec.train), sampled(spec.dev)
    else:
      splits['train'], splits['dev'] = corpora.split_dev(sampled(spec.train),
                                                         config.dev_fraction, config.seed)
  if spec.test:
    splits['test'] = read(spec.test)
  return splits


def task_gold(doc: Document, spec: corpora.CorpusSpec, task: str) -> Document:
  """`doc` with only the annotations `task` labels in its corpus, their types renamed."""
  wanted = aio.task_types(task, [t for t in spec.type_map.values() if t])
  return dataclasses.replace(doc, annotations=[
      dataclasses.replace(span, type=spec.type_map[span.type]) for span in doc.annotations
      if spec.type_map.get(span.type) in wanted])


def prepare(specs: Sequence[corpora.CorpusSpec], tokenizer: SubwordTokenizer,
            config: PrepareConfig) -> Dict:
  """Writes the TFRecords of `specs` and returns (and saves) the summary.

  The tokenizer must hold the task tags of every task the corpora declare (corpus_tasks).
  """
  out = pathlib.Path(config.output_dir)
  tasks_of_corpora = corpus_tasks(specs)
  missing = [task for task in tasks_of_corpora if task not in tokenizer.tasks]
  if missing:
    raise ValueError(f'the tokenizer has no task tags for {missing}; build it with the tasks '
                     'of prepare.corpus_tasks')
  labels = aio.labels_for_tasks(tasks_of_corpora)
  label_ids = {label: i for i, label in enumerate(labels)}
  task_types = trained_tasks(specs, config.mode)
  if config.mode == 'merge':
    specs = corpora.merge_shared_files(specs)
    task_types = merge_tasks(labels)
  tokenizer.save(str(out / 'tokenizer'))
  (out / LABELS_FILE).write_text(json.dumps({'task_types': task_types, 'labels': labels},
                                            indent=1))
  summary = {'config': dataclasses.asdict(config), 'corpora': {}}
  cache = {}
  for spec in specs:
    tasks = tasks_for(spec, config.mode)
    by_split = split_documents(spec, config, cache)
    summary['corpora'][spec.name] = {}
    if by_split['test']:
      os.makedirs(out / GOLD_DIR, exist_ok=True)
      gold_task = aio.NO_TASK if config.mode == 'merge' else spec.task
      pubtator.write_pubtator((task_gold(doc, spec, gold_task) for doc in by_split['test']),
                              out / GOLD_DIR / f'{spec.name}.PubTator')
    for split, documents in by_split.items():
      if not documents:
        continue
      stats = _new_stats()
      stats['documents'] = len(documents)

      def records() -> Iterator:
        for doc in documents:
          for piece, input_ids, word_mask in document_pieces(
              doc, spec, tasks, tokenizer, config.max_len, stats):
            yield tfrecords.to_tf_example(piece, input_ids, word_mask, label_ids)

      os.makedirs(out / split, exist_ok=True)
      tfrecords.write_records(str(out / split / f'{spec.name}.tfrecord'), records())
      stats['mentions'] = dict(sorted(stats['mentions'].items()))
      summary['corpora'][spec.name][split] = stats
  (out / 'summary.json').write_text(json.dumps(summary, indent=1))
  return summary


def format_summary(summary: Dict) -> str:
  """A plain-text table of the summary: one row per corpus and split."""
  header = (f'{"corpus":<16} {"split":<5} {"docs":>6} {"sents":>7} {"pieces":>7} '
            f'{"mentions":>8} {"unrepr.":>7}  mentions per type')
  rows = [header, '-' * len(header)]
  for name, splits in summary['corpora'].items():
    for split, s in splits.items():
      per_type = ' '.join(f'{t}={n}' for t, n in s['mentions'].items())
      rows.append(f'{name:<16} {split:<5} {s["documents"]:>6} {s["sentences"]:>7} '
                  f'{s["pieces"]:>7} {sum(s["mentions"].values()):>8} '
                  f'{s["unrepresentable"]:>7}  {per_type}')
  return '\n'.join(rows)
