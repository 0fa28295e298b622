"""Documents in, documents with predicted annotations out.

Tagging goes through the same steps as the training data: sentences and words from
`data.sentences`, WordPiece ids from the model's own tokenizer, long sentences split into
pieces of at most `max_len` subwords at word boundaries (never truncated), then Viterbi labels
per word decoded back to character spans, each with its score (see confidence.py). Pieces from
many documents are sorted by length and batched, so a batch wastes little on padding. The spans
of each document then go through `postprocess` (score threshold, overlaps, abbreviations,
consistency). A document that cannot be split or tokenised is left out and reported in the
result; the others are tagged.
"""

import dataclasses
import pathlib
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

from aioner_tf.data import aio
from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data import tfrecords
from aioner_tf.data.document import Document, Passage, Span
from aioner_tf.data.tokenizer import SubwordTokenizer
from aioner_tf.model import aioner
from aioner_tf.model import precision as precision_lib
from aioner_tf.tagging import confidence
from aioner_tf.tagging import html_view
from aioner_tf.tagging import postprocess
from aioner_tf.training import dev_eval

DEFAULT_MODEL_DIR = pathlib.Path(__file__).resolve().parents[2] / 'saved_models' / 'default'
TOO_LARGE = 'document too large'  # How the reason of a document over the size limit starts.


def tasks_for_types(entity_types: Union[str, Sequence[str]], overlapping: bool = False,
                    task_types: Mapping[str, Sequence[str]] = aio.AIO_TASKS
                    ) -> Dict[str, List[str]]:
  """The passes that find `entity_types` with a model of `task_types` (its task tag → types,
  ModelConfig.task_types): task tag → the types kept from that pass.

  `ALL` asks for every type of the model, a task (`Gene`, `Anatomy`) for its types. The six old
  types together take the ALL pass (with `overlapping`, one pass per type, whose spans may
  overlap); any other type takes the pass of its own task (`Gene`) or, for a type of a group
  (`Cell`), of its group's task (`Anatomy`), which then keeps only the types asked. A model
  trained without task tags (naive merge, task NO_TASK) has one pass, which keeps the types asked.

  Raises:
    ValueError: for a name that is neither ALL nor a task or type of the model.
  """
  if isinstance(entity_types, str):
    entity_types = [t.strip() for t in entity_types.split(',') if t.strip()]
  every = list(dict.fromkeys(t for types in task_types.values() for t in types))
  tasks = [task for task in task_types if task != aio.NO_TASK]
  unknown = [t for t in entity_types if t != aio.ALL_TASK and t not in tasks and t not in every]
  if unknown:
    raise ValueError(f'unknown entity types {unknown}; this model knows ALL, the tasks '
                     f'{tasks or "(none: trained without task tags)"} and the types {every}')
  wanted = list(dict.fromkeys(
      t for name in entity_types
      for t in (every if name == aio.ALL_TASK else task_types.get(name, [name]))))
  if aio.NO_TASK in task_types:
    return {aio.NO_TASK: wanted}
  passes = {}
  if aio.ALL_TASK in task_types and set(task_types[aio.ALL_TASK]) <= set(wanted):
    old = list(task_types[aio.ALL_TASK])
    passes = {t: [t] for t in old} if overlapping else {aio.ALL_TASK: old}
    wanted = [t for t in wanted if t not in old]
  for type_ in wanted:
    task = type_ if type_ in task_types else next(
        (task for task in tasks if task != aio.ALL_TASK and type_ in task_types[task]),
        aio.ALL_TASK)
    passes.setdefault(task, []).append(type_)
  return passes


@dataclasses.dataclass(frozen=True)
class Failure:
  """A document that could not be tagged: its position in the input, its id and why."""
  index: int
  doc_id: str
  reason: str


@dataclasses.dataclass
class TaggingResult:
  """The tagged documents in input order, without the failed ones, which `failures` lists."""
  documents: List[Document]
  failures: List[Failure]


@dataclasses.dataclass
class _Piece:
  doc_index: int
  task: str
  tokens: Tuple[sentences_lib.Token, ...]
  input_ids: List[int]
  word_mask: List[int]


class Tagger:
  """A trained model with its tokenizer, ready to tag text and documents.

  Tagging holds every piece of the documents it is given at once, so memory grows with the
  largest call; `max_document_chars` (characters over all passages) bounds it per document.
  """

  def __init__(self, model: aioner.AionerModel, tokenizer: SubwordTokenizer,
               batch_size: int = 32, max_document_chars: Optional[int] = None,
               decode: Optional[Callable[[Dict[str, tf.Tensor]], np.ndarray]] = None,
               options: postprocess.Options = postprocess.Options()):
    """`decode`, if given, decodes in place of the model (label ids [rows, words] of an input
    dict, as `AionerModel.decode` gives them), e.g. a TFLite runner's; `model` is then only
    asked for its `config`, and spans get no scores. `options` say what happens to the model's
    spans (see postprocess.py)."""
    self.model = model
    self.tokenizer = tokenizer
    self.batch_size = batch_size
    self.max_document_chars = max_document_chars
    self.options = options
    self._decode = decode or dev_eval.compiled_decode(model.decode_with_scores)
    self._gives_scores = decode is None
    # Which trained weights these are (set by `load`); a stopped batch run resumes only with them.
    self.model_id = ''

  @classmethod
  def load(cls, model_dir: Optional[str] = None, batch_size: int = 32,
           max_document_chars: Optional[int] = None,
           options: postprocess.Options = postprocess.Options(),
           precision: str = precision_lib.FLOAT32) -> 'Tagger':
    """Loads a trained model directory (by default saved_models/default) to compute in
    `precision` (model/precision.py; it sets the process's policy)."""
    model_dir = pathlib.Path(model_dir or DEFAULT_MODEL_DIR)
    if not (model_dir / aioner.CONFIG_FILE).exists():
      raise FileNotFoundError(
          f'{model_dir}: no trained model here (no {aioner.CONFIG_FILE}). Train one with '
          'bin/prepare_data.py and bin/train.py, then pass its RUN_DIR/best folder as the model '
          f'directory or copy that folder to {DEFAULT_MODEL_DIR}.')
    precision_lib.set_policy(precision)
    tagger = cls(aioner.load_model(model_dir),
                 SubwordTokenizer.load(str(model_dir / 'tokenizer')), batch_size,
                 max_document_chars, options=options)
    weights = model_dir / f'{aioner.WEIGHTS}.index'
    tagger.model_id = f'{model_dir.resolve()} {weights.stat().st_mtime_ns}'
    return tagger

  def tag(self, text: str, entity_types: Union[str, Sequence[str]] = aio.ALL_TASK) -> List[Span]:
    """Tags one text; returns typed spans with offsets into `text`.

    Raises:
      ValueError: if the text cannot be tagged (the reason is in the message).
    """
    result = self.tag_documents([Document('text', [Passage(0, text)])], entity_types)
    if result.failures:
      raise ValueError(f'text cannot be tagged: {result.failures[0].reason}')
    return result.documents[0].annotations

  def tag_documents(self, documents: Sequence[Document],
                    entity_types: Union[str, Sequence[str]] = aio.ALL_TASK) -> TaggingResult:
    """Tags documents; a document that fails, or is longer than `max_document_chars`, is left
    out and listed in `failures`.

    Args:
      documents: the documents; their own annotations are ignored.
      entity_types: `ALL`, or tasks and types of the model (a list or a comma-separated
        string), each tagged in the pass of its task (see `tasks_for_types`).

    Returns:
      Copies of the documents whose annotations are the predicted entities, and the failures.

    Raises:
      ValueError: for entity types the model does not know, or if the options ask for scores
        (`min_score`) that the decoder does not give.
    """
    passes = tasks_for_types(entity_types, self.options.overlapping, self.model.config.task_types)
    if self.options.min_score > 0 and not self._gives_scores:
      raise ValueError('--min_score needs scores, and this decoder (such as a TFLite runner\'s) '
                       'gives none')
    failures = {}
    for i, doc in enumerate(documents):
      size = sum(len(passage.text) for passage in doc.passages)
      if self.max_document_chars is not None and size > self.max_document_chars:
        failures[i] = f'{TOO_LARGE}: {size} characters, the limit is {self.max_document_chars}'
    pieces = self._pieces(documents, list(passes), failures)
    found: Dict[int, List[Span]] = {i: [] for i in range(len(documents))}
    for batch in self._batches(pieces):
      label_ids, word_scores = self._decode_batch(batch)
      for row, piece in enumerate(batch):
        labels = [self.model.config.labels[i] for i in label_ids[row][:len(piece.tokens)]]
        wanted = passes[piece.task]
        word_at_start = {token.start: i for i, token in enumerate(piece.tokens)}
        word_at_end = {token.end: i for i, token in enumerate(piece.tokens)}
        doc = documents[piece.doc_index]
        for start, end, type_ in aio.spans_from_labels(piece.tokens, labels):
          if type_ in wanted:
            infons = ()
            if word_scores is not None:
              words = word_scores[row][word_at_start[start]:word_at_end[end] + 1]
              infons = (confidence.score_infon(confidence.entity_score(words)),)
            found[piece.doc_index].append(Span(start, end, type_, doc.text_at(start, end) or '',
                                               infons=infons))
    tagged = []
    for i, doc in enumerate(documents):
      if i not in failures:
        try:  # The rules after decoding fail one document, as its splitting would.
          spans = postprocess.apply(doc, found[i], self.options)
        except Exception as e:  # pylint: disable=broad-except
          failures[i] = _reason(e)
          continue
        tagged.append(dataclasses.replace(doc, annotations=spans))
    return TaggingResult(tagged, [Failure(i, documents[i].id, reason)
                                  for i, reason in sorted(failures.items())])

  def render(self, documents: Sequence[Document],
             entity_types: Union[str, Sequence[str]] = aio.ALL_TASK,
             gold: Optional[Sequence[Document]] = None, title: str = html_view.DEFAULT_TITLE
             ) -> str:
    """Tags documents and returns the HTML page of `html_view.render_html` showing them,
    compared with `gold` if given. A document that fails is left out, as in `tag_documents`
    (with gold, its id is then missing from the predictions: ValueError)."""
    return html_view.render_html(self.tag_documents(documents, entity_types).documents, gold, title)

  def _pieces(self, documents: Sequence[Document], tasks: Sequence[str],
              failures: Dict[int, str]) -> List[_Piece]:
    """The pieces of the documents not in `failures`, for each task, each within the model's
    max_len. The words of all the documents go through WordPiece in one call (TensorFlow keeps
    about 150 bytes a call, whatever its size); a document that cannot be split or tokenised
    is added to `failures` with its reason and gives no pieces."""
    sentences = {}
    for i, doc in enumerate(documents):
      if i not in failures:
        try:
          sentences[i] = sentences_lib.split_document(doc)
        except Exception as e:  # pylint: disable=broad-except
          failures[i] = _reason(e)
    word_ids = self._word_ids(sentences, failures)
    pieces = []
    for i in word_ids:
      examples = [aio.Example(documents[i].id, task, s.tokens,
                              [aio.outside_label(task)] * len(s.tokens))
                  for task in tasks for s in sentences[i]]
      try:
        encoded = list(tfrecords.example_pieces(examples, word_ids[i] * len(tasks),
                                                self.model.config.max_len, self.tokenizer))
      except Exception as e:  # pylint: disable=broad-except
        failures[i] = _reason(e)
        continue
      pieces.extend(_Piece(i, piece.task, piece.tokens, input_ids, word_mask)
                    for piece, input_ids, word_mask in encoded)
    return pieces

  def _word_ids(self, sentences: Dict[int, List[sentences_lib.Sentence]],
                failures: Dict[int, str]) -> Dict[int, List[List[int]]]:
    """The subword ids of each document's words, from one WordPiece call; if that call fails,
    each document is tokenised alone and those that fail are added to `failures`."""
    words = {i: [t.text for s in doc for t in s.tokens] for i, doc in sentences.items()}
    try:
      ids = self.tokenizer.word_piece_ids([w for doc_words in words.values() for w in doc_words])
    except Exception:  # pylint: disable=broad-except
      by_document = {}
      for i, doc_words in words.items():
        try:
          by_document[i] = self.tokenizer.word_piece_ids(doc_words)
        except Exception as e:  # pylint: disable=broad-except
          failures[i] = _reason(e)
      return by_document
    by_document, offset = {}, 0
    for i, doc_words in words.items():
      by_document[i] = ids[offset:offset + len(doc_words)]
      offset += len(doc_words)
    return by_document

  def _decode_batch(self, batch: Sequence[_Piece]
                    ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Label ids [rows, words] of a batch, and the score of each word's label if the decoder
    gives them (`decode_with_scores` does, a `decode` hook of label ids alone does not)."""
    output = self._decode(_pad(batch))
    if isinstance(output, dict):
      return np.asarray(output['label_ids']), np.asarray(output['word_scores'])
    return np.asarray(output), None

  def _batches(self, pieces: List[_Piece]) -> Iterator[List[_Piece]]:
    ordered = sorted(pieces, key=lambda p: len(p.input_ids))
    for start in range(0, len(ordered), self.batch_size):
      yield ordered[start:start + self.batch_size]


def _reason(error: Exception) -> str:
  """Why a document failed, as its Failure says."""
  return f'{type(error).__name__}: {error}'


def _pad(batch: Sequence[_Piece]) -> Dict[str, tf.Tensor]:
  """Pads a batch of pieces into the model's input dict."""
  length = max(len(p.input_ids) for p in batch)
  words = max(sum(p.word_mask) for p in batch)
  input_ids = np.zeros([len(batch), length], np.int32)
  attention_mask = np.zeros([len(batch), length], np.int32)
  word_positions = np.zeros([len(batch), words], np.int32)
  for row, piece in enumerate(batch):
    input_ids[row, :len(piece.input_ids)] = piece.input_ids
    attention_mask[row, :len(piece.input_ids)] = 1
    positions = [i for i, m in enumerate(piece.word_mask) if m]
    word_positions[row, :len(positions)] = positions
  return {'input_ids': tf.constant(input_ids), 'attention_mask': tf.constant(attention_mask),
          'word_positions': tf.constant(word_positions)}
