"""An entity's confidence: the mean CRF marginal of its words, kept as the span's `score` infon.

`AionerModel.decode_with_scores` gives each word the marginal probability (forward-backward) of
the label Viterbi chose for it; an entity's score is the mean over its words, as the SavedModel's
`tag_text` computes it. The score travels as a span infon, so BioC XML and JSON write it and
PubTator, which has no column for it, stays standard. It is written with four decimals, and every
reader of scores (the rules, --min_score, the calibration table) reads that rounded value back,
so tagging and re-reading a tagged file give the same decisions.
"""

from typing import Optional, Sequence, Tuple

from aioner_tf.data.document import Span

SCORE_KEY = 'score'


def entity_score(word_scores: Sequence[float]) -> float:
  return sum(word_scores) / len(word_scores)


def score_infon(score: float) -> Tuple[str, str]:
  return (SCORE_KEY, f'{score:.4f}')


def score_of(span: Span) -> Optional[float]:
  """The span's score infon as a number, or None if it has none."""
  value = dict(span.infons).get(SCORE_KEY)
  return None if value is None else float(value)


RULE_KEY = 'rule'  # The infon naming the rule that added a span.


def derived_span(start: int, end: int, entity_type: str, text: str, sources: Sequence[Span],
                 rule: str) -> Span:
  """A span a rule adds because of `sources`: it gets their mean score (none if one of them has
  none) and names the rule."""
  scores = [score_of(source) for source in sources]
  infons = (score_infon(entity_score(scores)),) if scores and None not in scores else ()
  return Span(start, end, entity_type, text, infons=infons + ((RULE_KEY, rule),))
