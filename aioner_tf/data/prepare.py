"""Corpus files → AIO pieces → TFRecords, with a summary of what went in and what did not fit.

Layout written under the output directory:
  tokenizer/              the vocabulary with task tags (training and export load this one)
  {train,dev,test}/<corpus>.tfrecord
  summary.json            counts per corpus and split, and unrepresentable annotations
"""

import collections
import dataclasses
import json
import os
import pathlib
from typing import Dict, Iterator, List, Sequence

from aioner_tf.data import aio
from aioner_tf.data import corpora
from aioner_tf.data import pubtator
from aioner_tf.data import tfrecords
from aioner_tf.data.document import Document
from aioner_tf.data.tokenizer import SubwordTokenizer

SPLITS = ('train', 'dev', 'test')
MAX_LISTED_PROBLEMS = 20


@dataclasses.dataclass
class PrepareConfig:
  corpora_dir: str
  output_dir: str
  mode: str = 'aio'
  max_len: int = 256
  dev_fraction: float = 0.1
  seed: int = 42
  strict: bool = False


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
    lengths = [len(ids) for ids in word_ids]
    offset = 0
    budget = max_len - tfrecords.tag_overhead(task)
    for example in examples:
      n = len(example.tokens)
      pieces, shortened = aio.split_long_example(example, lengths[offset:offset + n], budget)
      stats['shortened_words'] += shortened
      position = offset
      for piece in pieces:
        ids = word_ids[position:position + len(piece.tokens)]
        position += len(piece.tokens)
        input_ids, word_mask = tfrecords.piece_ids(piece, ids, max_len, tokenizer)
        stats['pieces'] += 1
        stats['words'] += len(piece.tokens)
        yield piece, input_ids, word_mask
      offset += n


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
      cache[name] = list(pubtator.read_pubtator(path, strict=config.strict))
    return cache[name]

  splits = {split: [] for split in SPLITS}
  if spec.train:
    if spec.dev:
      splits['train'], splits['dev'] = read(spec.train), read(spec.dev)
    else:
      splits['train'], splits['dev'] = corpora.split_dev(read(spec.train), config.dev_fraction,
                                                         config.seed)
  if spec.test:
    splits['test'] = read(spec.test)
  return splits


def prepare(specs: Sequence[corpora.CorpusSpec], tokenizer: SubwordTokenizer,
            config: PrepareConfig) -> Dict:
  """Writes the TFRecords of `specs` and returns (and saves) the summary."""
  out = pathlib.Path(config.output_dir)
  if config.mode == 'merge':
    specs = corpora.merge_shared_files(specs)
  tokenizer.save(str(out / 'tokenizer'))
  summary = {'config': dataclasses.asdict(config), 'corpora': {}}
  cache = {}
  for spec in specs:
    tasks = tasks_for(spec, config.mode)
    by_split = split_documents(spec, config, cache)
    summary['corpora'][spec.name] = {}
    for split, documents in by_split.items():
      if not documents:
        continue
      stats = _new_stats()
      stats['documents'] = len(documents)

      def records() -> Iterator:
        for doc in documents:
          for piece, input_ids, word_mask in document_pieces(
              doc, spec, tasks, tokenizer, config.max_len, stats):
            yield tfrecords.to_tf_example(piece, input_ids, word_mask)

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
