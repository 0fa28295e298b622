"""Abbreviations: long form / short form pairs in a document, and the type they share.

Pairs are found with the algorithm of A. S. Schwartz and M. A. Hearst, "A simple algorithm for
identifying abbreviation definitions in biomedical text", Pacific Symposium on Biocomputing 8
(2003), 451-462, on the document's own sentences and words (`data.sentences`), so every pair has
exact offsets on word boundaries:
  * a candidate is a parenthesis in a sentence, "long form (SF)" or, when the parenthesis holds
    more than two words, "SF (long form)"; text from ", " or "; " on in the parenthesis is cut;
  * a short form has 2 to 10 letters or digits, a letter among them, at most two words, and
    starts with a letter or digit (in "SF (long form)" it must also hold a capital letter);
  * the long form is the shortest tail of the words before the parenthesis (or of the
    parenthesis) in which every letter and digit of the short form is found in order, from the
    right, the first one at the start of a word; it has at most min(|SF| + 5, 2 |SF|) words
    (|SF|: letters and digits of the short form), is longer than the short form and does not
    contain it as a word. Unlike the paper, it holds no parenthesis, so that "(p < 0.05) and
    (P<0.05)" is no pair.
Only that many words before a parenthesis are read, so finding pairs is linear in the text.

The rule: when the model tagged a long form as a whole (a span that ends where it ends and starts
at or before its first word), every whole-word occurrence of the short form in the document gets
that type, replacing a span of another type at the same place. A short form whose long forms got
different types is left alone, as is any occurrence inside a longer span.
"""

import collections
import dataclasses
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from aioner_tf.data import sentences as sentences_lib
from aioner_tf.data.document import Document, Span
from aioner_tf.tagging import confidence
from aioner_tf.tagging import occurrences
from aioner_tf.tagging import overlaps

RULE = 'abbreviation'
_UNCLEAR = 'unclear'  # The verdict on a long form tagged in part, or with several types.
MAX_SHORT_FORM_CHARS = 10  # Letters and digits.
MAX_SHORT_FORM_WORDS = 2


@dataclasses.dataclass(frozen=True)
class Abbreviation:
  """A short form and the long form it abbreviates, with their document offsets."""
  short_start: int
  short_end: int
  short_form: str
  long_start: int
  long_end: int
  long_form: str


def _alphanumerics(text: str) -> int:
  return sum(c.isalnum() for c in text)


def _max_long_form_words(short_form: str) -> int:
  size = _alphanumerics(short_form)
  return min(size + 5, 2 * size)


def is_short_form(text: str) -> bool:
  size = _alphanumerics(text)
  return (len(text) >= 2 and 0 < size <= MAX_SHORT_FORM_CHARS and text[0].isalnum() and
          any(c.isalpha() for c in text) and len(text.split()) <= MAX_SHORT_FORM_WORDS)


def long_form_start(short_form: str, candidate: str) -> Optional[int]:
  """Where in `candidate` the long form of `short_form` starts (its tail from there), or None.

  The letters and digits of the short form are matched right to left against the candidate,
  case-insensitively; the first one must start a word (follow a character that is no letter or
  digit), and the long form starts at the white space before that word.
  """
  position = len(candidate) - 1
  for index in range(len(short_form) - 1, -1, -1):
    char = short_form[index].lower()
    if not char.isalnum():
      continue
    while position >= 0 and (candidate[position].lower() != char or (
        index == 0 and position > 0 and candidate[position - 1].isalnum())):
      position -= 1
    if position < 0:
      return None
    position -= 1
  start = position + 1
  while start > 0 and not candidate[start - 1].isspace():
    start -= 1
  return start


_PARENTHESES = ('(', ')')


def _parentheses(tokens: Sequence[sentences_lib.Token]) -> Iterator[Tuple[int, int]]:
  """(opening, closing) token indexes of each balanced parenthesis of a sentence."""
  opened = []
  for index, token in enumerate(tokens):
    if token.text == '(':
      opened.append(index)
    elif token.text == ')' and opened:
      yield opened.pop(), index


def _word_start(tokens: Sequence[sentences_lib.Token], last: int, lowest: int, words: int) -> int:
  """The index of the first token of the last `words` white-space words of tokens[lowest:last+1]
  (fewer if the range holds fewer, or a parenthesis comes first)."""
  first = last
  while first > lowest and tokens[first - 1].text not in _PARENTHESES:
    if tokens[first - 1].end < tokens[first].start:  # White space between them.
      words -= 1
      if words == 0:
        break
    first -= 1
  return first


def _pair(doc: Document, tokens: Sequence[sentences_lib.Token], opening: int, closing: int
          ) -> Optional[Abbreviation]:
  """The abbreviation the parenthesis tokens[opening:closing+1] defines, if any."""
  if closing - opening < 2 or opening == 0:
    return None
  inside_start, inside_end = tokens[opening + 1].start, tokens[closing - 1].end
  inside = doc.text_at(inside_start, inside_end)
  cuts = [i for i in (inside.find(', '), inside.find('; ')) if i > 0]
  if cuts:
    inside = inside[:min(cuts)].rstrip()
    inside_end = inside_start + len(inside)
  if len(inside.split()) <= MAX_SHORT_FORM_WORDS:
    short_start, short_end = inside_start, inside_end
    last = opening - 1
    first = _word_start(tokens, last, 0, _max_long_form_words(inside))
  else:  # "SF (long form)": the short form is the word before the parenthesis.
    short_end = tokens[opening - 1].end
    short_start = tokens[_word_start(tokens, opening - 1, 0, 1)].start
    if not any(c.isupper() for c in doc.text_at(short_start, short_end)):
      return None
    first = opening + 1
    while first < closing and tokens[first].end <= inside_end:
      first += 1
    last = first - 1
    first = _word_start(tokens, last, opening + 1, _max_long_form_words(
        doc.text_at(short_start, short_end)))
  short_form = doc.text_at(short_start, short_end)
  if not is_short_form(short_form):
    return None
  candidate_start = tokens[first].start
  candidate = doc.text_at(candidate_start, tokens[last].end)
  start = long_form_start(short_form, candidate)
  if start is None:
    return None
  long_form = candidate[start:]
  if (len(long_form) <= len(short_form) or short_form in long_form.split() or
      len(long_form.split()) > _max_long_form_words(short_form)):
    return None
  return Abbreviation(short_start, short_end, short_form, candidate_start + start,
                      tokens[last].end, long_form)


def find_abbreviations(doc: Document) -> List[Abbreviation]:
  """The abbreviations defined in `doc`, in text order."""
  found = []
  for sentence in sentences_lib.split_document(doc):
    for opening, closing in _parentheses(sentence.tokens):
      pair = _pair(doc, sentence.tokens, opening, closing)
      if pair is not None:
        found.append(pair)
  return sorted(found, key=lambda pair: pair.long_start)


def _verdicts(doc: Document, spans: Sequence[Span]
              ) -> Dict[str, Tuple[Optional[str], List[Span]]]:
  """Short form → the type its long forms were tagged with as a whole (None: no span touches
  them) and the spans that tag them. A short form with a long form tagged only in part or with
  several types, or with long forms that disagree, is left out."""
  ending_at = collections.defaultdict(list)
  coverage = overlaps.Coverage(max((span.end for span in spans), default=0), per_type=False)
  for span in spans:
    ending_at[span.end].append(span)
    coverage.add(span)
  types, sources = collections.defaultdict(set), collections.defaultdict(list)
  for pair in find_abbreviations(doc):
    whole = [span for span in ending_at[pair.long_end] if span.start <= pair.long_start]
    if len({span.type for span in whole}) == 1:
      types[pair.short_form].add(whole[0].type)
      sources[pair.short_form].extend(whole)
    elif not whole and coverage.is_free(pair.long_start, pair.long_end):
      types[pair.short_form].add(None)
    else:
      types[pair.short_form].add(_UNCLEAR)
  return {short_form: (found.pop(), sources[short_form]) for short_form, found in types.items()
          if len(found) == 1 and _UNCLEAR not in found}


def resolve(doc: Document, spans: Sequence[Span], per_type: bool) -> List[Span]:
  """`spans` with each short form typed as its long forms (see the module docstring).

  Args:
    doc: the document whose text the spans are in.
    spans: the spans so far, which do not overlap (or only across types, with `per_type`).
    per_type: whether spans of different types may overlap.
  """
  verdicts = _verdicts(doc, spans)
  short_form_at = {place: short_form
                   for short_form, places in occurrences.find_occurrences(doc, verdicts).items()
                   for place in places}
  type_at = {place: verdicts[short_form][0] for place, short_form in short_form_at.items()}
  kept = [span for span in spans if type_at.get((span.start, span.end), span.type) == span.type]
  typed = {(span.start, span.end, span.type) for span in kept}
  added = []
  for (start, end), short_form in short_form_at.items():
    entity_type, sources = verdicts[short_form]
    if entity_type is not None and (start, end, entity_type) not in typed:
      added.append(confidence.derived_span(start, end, entity_type, short_form, sources, RULE))
  return overlaps.select(kept + sorted(added, key=lambda s: (s.start - s.end, s.start)),
                         per_type)
