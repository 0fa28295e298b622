"""A self-contained HTML page that shows documents with their entities highlighted by type.

The page has a legend with one checkbox per type (and, with gold annotations, per outcome) that
hides or shows those highlights, and a span's score, if its infons have one, on hover. With gold
documents each entity is a true positive (`tp`), a false positive (`fp`, predicted only) or a
false negative (`fn`, gold only), matched strictly on (start, end, type) after both sides' types
are renamed by `evaluation.AIONER_TYPE_MAP` (`GeneOrGeneProduct` is `Gene`). The page shows,
and scores, every type it is given: a type the map drops keeps its name (AIONER leaves
GNormPlus's `Cell` unscored, but AnEM's `Cell` is a type to show). So on gold with such types
the page's P/R/F1 are lower than `bin/evaluate.py`'s, which drops them by default.

Every highlight is a `<mark>` whose `data-entity` names its entity. Entities may nest or cross
(a prediction and a gold span of other bounds, say); marks nest where the entities do, and an
entity that crosses the end of an enclosing one is split there into two marks with the same
`data-entity`, so the markup stays well formed. Text is escaped, the page loads nothing from
anywhere, and its Content-Security-Policy runs no script but its own.
"""

import base64
import collections
import dataclasses
import hashlib
import html
import itertools
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from aioner_tf import evaluation
from aioner_tf.data.document import Document, Passage, Span

TP, FP, FN = 'tp', 'fp', 'fn'
_OUTCOMES = {TP: 'true positive', FP: 'false positive (predicted only)',
             FN: 'false negative (gold only)'}
# The renames of evaluation.AIONER_TYPE_MAP, without the types it drops.
_TYPE_NAMES = {name: aioner_type for name, aioner_type in evaluation.AIONER_TYPE_MAP.items()
               if aioner_type is not None}
# (fill, line) colours of the six AIONER types; other types take _OTHER_COLOURS in turn.
_TYPE_COLOURS = {
    'Gene': ('#b3d4ff', '#1f5fbf'),
    'Chemical': ('#c6efbe', '#2e7d2e'),
    'Disease': ('#ffd3ab', '#b85c12'),
    'CellLine': ('#bfeaea', '#1b7a7a'),
    'Species': ('#efc9ef', '#873a87'),
    'Variant': ('#fbec9c', '#8a7600'),
}
_OTHER_COLOURS = (('#e2e2e2', '#5f5f5f'), ('#ffc9c9', '#b02a2a'), ('#d9cdff', '#5639b8'),
                  ('#e9d9c0', '#74572a'))
SCORE_KEY = 'score'  # The span infon whose value the page shows on hover.
DEFAULT_TITLE = 'aioner_tf entities'

_STYLE = """
body{font:15px/1.7 system-ui,sans-serif;color:#222;max-width:62em;margin:0 auto;padding:1em}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.3em 0}
h1{font-size:1.3em;margin:.2em 0}h2{font-size:1.05em;margin:1.4em 0 .2em}
.legend label{display:inline-block;margin:0 1.2em .2em 0;white-space:nowrap}
.counts,.note{color:#666;font-size:.9em}
mark{background:var(--f);color:inherit;border-radius:3px;padding:0 1px}
mark.fp{box-shadow:inset 0 0 0 2px #d40000}
mark.fn{background:none;outline:2px dashed var(--l);outline-offset:-1px}
mark.off{background:none;box-shadow:none;outline:none}
.outcome{--f:#e2e2e2;--l:#5f5f5f}
""".strip()

# Hides the marks of every type and outcome whose checkbox is unchecked.
_SCRIPT = """
document.addEventListener('change', function () {
  var off = {};
  document.querySelectorAll('input[data-filter]').forEach(function (box) {
    if (!box.checked) off[box.dataset.filter + ':' + box.value] = true;
  });
  document.querySelectorAll('mark[data-entity]').forEach(function (mark) {
    mark.classList.toggle('off', Boolean(off['type:' + mark.dataset.type] ||
                                         off['status:' + mark.dataset.status]));
  });
});
""".strip()
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
_POLICY = f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'"


@dataclasses.dataclass(frozen=True)
class _Entity:
  """One highlight: document-coordinate bounds, type, outcome (None without gold), score."""
  start: int
  end: int
  type: str
  status: Optional[str]
  score: Optional[str]
  uid: str


def render_html(documents: Sequence[Document], gold: Optional[Iterable[Document]] = None,
                title: str = DEFAULT_TITLE) -> str:
  """Returns the page showing `documents` (predictions), compared with `gold` if given.

  Args:
    documents: predicted documents, shown in this order.
    gold: gold documents, matched to `documents` by id (documents sharing an id are merged).
    title: the page title.

  Raises:
    ValueError: if gold is given and a document id is on one side only.
  """
  documents = list(documents)
  uids = (f'e{i}' for i in itertools.count())
  scores = None
  if gold is None:
    entities = [_predicted(doc, uids) for doc in documents]
  else:
    gold_by_id = collections.defaultdict(list)
    for doc in gold:
      gold_by_id[doc.id].extend(doc.annotations)
    scores = evaluation.evaluate([Document(i, annotations=a) for i, a in gold_by_id.items()],
                                 documents, type_map=_TYPE_NAMES)
    entities = [_compared(doc, gold_by_id[doc.id], uids) for doc in documents]
  types = _type_order({e.type for doc_entities in entities for e in doc_entities})
  colour = {t: f'c{i}' for i, t in enumerate(types)}
  body = [_header(title, colour, entities, scores)]
  body += [_document_html(doc, doc_entities, colour, scores is not None)
           for doc, doc_entities in zip(documents, entities)]
  return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
          f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
          f'<title>{html.escape(title)}</title><style>\n{_STYLE}\n{_type_style(types)}\n</style>'
          f'<script>{_SCRIPT}</script></head>\n<body>\n' + '\n'.join(body) + '\n</body></html>\n')


def _score(span: Span) -> Optional[str]:
  """The span's `score` infon, three decimals if it is a number, or None."""
  value = dict(span.infons).get(SCORE_KEY)
  if value is None:
    return None
  try:
    return f'{float(value):.3f}'
  except ValueError:
    return str(value)


def _predicted(doc: Document, uids: Iterator[str]) -> List[_Entity]:
  """The document's distinct entities, without outcomes."""
  first = {}
  for span in doc.annotations:
    first.setdefault((span.start, span.end, span.type), span)
  return [_Entity(*key, None, _score(span), next(uids)) for key, span in sorted(first.items())]


def _mapped(spans: Iterable[Span]) -> Iterator[Tuple[Tuple[int, int, str], Span]]:
  """Each span's (start, end, type) with the type renamed by _TYPE_NAMES."""
  for span in spans:
    yield (span.start, span.end, _TYPE_NAMES.get(span.type, span.type)), span


def _compared(doc: Document, gold: Iterable[Span], uids: Iterator[str]) -> List[_Entity]:
  """The distinct entities of predictions and gold (types mapped), each with its outcome."""
  pred = {}
  for key, span in _mapped(doc.annotations):
    pred.setdefault(key, span)
  gold_keys = {key for key, _ in _mapped(gold)}
  keys = sorted(pred.keys() | gold_keys)
  return [_Entity(*key, TP if key in gold_keys and key in pred else FP if key in pred else FN,
                  _score(pred[key]) if key in pred else None, next(uids)) for key in keys]


def _type_order(types: Iterable[str]) -> List[str]:
  """The six AIONER types first, in their usual order, then the others sorted."""
  types = set(types)
  return [t for t in _TYPE_COLOURS if t in types] + sorted(types - set(_TYPE_COLOURS))


def _type_style(types: Sequence[str]) -> str:
  """One CSS rule per type, `.c<index>`, setting its fill and line colours."""
  others = itertools.cycle(_OTHER_COLOURS)
  rules = []
  for i, entity_type in enumerate(types):
    fill, line = _TYPE_COLOURS.get(entity_type) or next(others)
    rules.append(f'.c{i}{{--f:{fill};--l:{line}}}')
  return '\n'.join(rules)


def _checkbox(kind: str, value: str, css_class: str, label: str, count: str) -> str:
  return (f'<label><input type="checkbox" checked data-filter="{kind}" '
          f'value="{html.escape(value)}"> <mark class="{css_class}">{html.escape(label)}</mark>'
          f' <span class="counts">{count}</span></label>')


def _header(title: str, colour: Dict[str, str], entities: Sequence[Sequence[_Entity]],
            scores: Optional[evaluation.EvaluationResult]) -> str:
  """The title, the summary and the legend with its checkboxes."""
  by_type = collections.Counter(e.type for doc_entities in entities for e in doc_entities)
  legend = []
  for entity_type, css_class in colour.items():
    count = f'{by_type[entity_type]}'
    if scores is not None:
      count += f', F1 {100 * scores.per_type[entity_type].f1:.1f}'
    legend.append(_checkbox('type', entity_type, css_class, entity_type, count))
  summary = f'documents: {len(entities)}, entities: {sum(by_type.values())}'
  if scores is not None:
    s = scores.micro
    summary = (f'documents: {len(entities)}; strict micro P {100 * s.precision:.2f}, '
               f'R {100 * s.recall:.2f}, F1 {100 * s.f1:.2f}')
    by_status = {TP: s.tp, FP: s.fp, FN: s.fn}
    legend.append('<br>')
    legend += [_checkbox('status', status, f'outcome {status}', status.upper(),
                         f'{name}: {by_status[status]}') for status, name in _OUTCOMES.items()]
  return (f'<header><h1>{html.escape(title)}</h1><div class="counts">{summary}</div>'
          f'<div class="legend">{"".join(legend)}</div></header>')


def _document_html(doc: Document, entities: Sequence[_Entity], colour: Dict[str, str],
                   compared: bool) -> str:
  """The document's id, its entity or outcome counts, and its passages with their marks."""
  if compared:
    statuses = collections.Counter(e.status for e in entities)
    counts = ', '.join(f'{status} {statuses[status]}' for status in _OUTCOMES)
  else:
    counts = f'{len(entities)} entities'
  parts = [f'<section class="document" data-id="{html.escape(doc.id)}">'
           f'<h2>{html.escape(doc.id)} <span class="counts">{counts}</span></h2>']
  shown = set()
  for passage in doc.passages:
    inside = [e for e in entities if max(e.start, passage.offset) < min(e.end, passage.end)]
    shown.update(e.uid for e in inside)
    parts.append(f'<p class="passage" data-offset="{passage.offset}">'
                 f'{_passage_html(passage, inside, colour)}</p>')
  hidden = len(entities) - len(shown)
  if hidden:
    parts.append(f'<p class="note">{hidden} entities lie outside the text and are not shown.</p>')
  return '\n'.join(parts) + '</section>'


def _open_tag(entity: _Entity, colour: Dict[str, str]) -> str:
  tip = [entity.type]
  attributes = f' data-type="{html.escape(entity.type)}" data-entity="{entity.uid}"'
  if entity.status:
    tip.append(_OUTCOMES[entity.status])
    attributes += f' data-status="{entity.status}"'
  if entity.score is not None:
    tip.append(f'score {entity.score}')
    attributes += f' data-score="{html.escape(entity.score)}"'
  status = f' {entity.status}' if entity.status else ''
  return (f'<mark class="{colour[entity.type]}{status}"{attributes} '
          f'title="{html.escape(" · ".join(tip))}">')


def _passage_html(passage: Passage, entities: Sequence[_Entity], colour: Dict[str, str]) -> str:
  """The passage's escaped text with a mark around each entity, clipped to the passage.

  At each boundary the marks of entities ending there close; a mark opened inside one of them
  but ending later closes too and opens again after it. Then the marks of entities starting
  there open, the longest outermost.
  """
  clipped: List[Tuple[int, int, _Entity]] = sorted(
      ((max(e.start, passage.offset) - passage.offset, min(e.end, passage.end) - passage.offset, e)
       for e in entities), key=lambda c: (c[0], -c[1]))
  bounds = sorted({b for start, end, _ in clipped for b in (start, end)})
  out, stack, position, next_start = [], [], 0, 0
  for bound in bounds:
    out.append(html.escape(passage.text[position:bound]))
    position = bound
    ending = [i for i, (_, end, _) in enumerate(stack) if end == bound]
    if ending:
      reopen = [c for c in stack[ending[0]:] if c[1] != bound]
      out.append('</mark>' * (len(stack) - ending[0]))
      stack[ending[0]:] = reopen
      out.extend(_open_tag(c[2], colour) for c in reopen)
    while next_start < len(clipped) and clipped[next_start][0] == bound:
      stack.append(clipped[next_start])
      out.append(_open_tag(clipped[next_start][2], colour))
      next_start += 1
  out.append(html.escape(passage.text[position:]))
  return ''.join(out)
