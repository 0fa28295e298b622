"""Tags PubTator, BioC XML, BioC JSON, PubMed XML or plain-text files with a trained model.

  python bin/tag.py --model_dir=runs/biored/best --input=docs/ --output=tagged/ \
      [--output_format=same|pubtator|bioc_xml|bioc_json] [--entity_types=ALL|Gene,Cell,...] \
      [--noabbreviations] [--consistency] [--min_score=0.9] [--overlapping]

Each entity gets a score (BioC: the "score" infon; PubTator has no column for it).

Stopped runs go on where they stopped when run again with the same flags (see
aioner_tf/tagging/batch.py); files whose output exists are skipped. The ledger (documents read,
tagged, skipped, written) is printed at the end; each skipped document is named in the log.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags
from absl import logging

from aioner_tf.data import formats
from aioner_tf.tagging import batch
from aioner_tf.tagging import html_view
from aioner_tf.tagging import tag_flags
from aioner_tf.tagging import tagger as tagger_lib

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Trained model directory (model_config.json, weights, '
                    f'tokenizer/), such as RUN_DIR/best of bin/train.py. Default: '
                    f'{tagger_lib.DEFAULT_MODEL_DIR}.')
flags.DEFINE_list('input', None, 'Input files and folders (each file of a folder whose extension '
                  'is .PubTator, .xml (BioC, or PubMed if its root is PubmedArticleSet), .xml.gz '
                  '(PubMed), .json (BioC) or .txt (plain text, one document)).', required=True)
flags.DEFINE_string('output', None, 'Output folder; each output keeps its input\'s name (with '
                    'the extension of --output_format). With one input file, this may be the '
                    'output file instead, if its extension names a format.', required=True)
flags.DEFINE_enum('output_format', batch.SAME, [batch.SAME, *formats.WRITABLE],
                  'same: the format of each input, and PubTator for plain-text and PubMed '
                  'inputs; with an output file, the format its extension names.')
tag_flags.define_tagger_flags()
flags.adopt_module_key_flags(tag_flags)
flags.DEFINE_integer('chunk_size', batch.CHUNK_DOCUMENTS,
                     'Documents tagged between two saves of the progress.')
flags.DEFINE_bool('strict', False, 'Malformed input stops the run instead of being skipped.')
flags.DEFINE_integer('max_document_chars', None, 'Documents longer than this (characters over '
                     'all passages) are skipped, named in the log and counted in the ledger: '
                     'tagging holds all of a document at once (measured: 110 to 250 bytes a '
                     'character, see docs/RELIABILITY.md).',
                     lower_bound=1)
flags.DEFINE_string('html', None, 'Also write a self-contained HTML view of the tagged '
                    'documents to this file.')
flags.DEFINE_string('gold', None, 'With --html: gold annotations (any readable format) to mark '
                    'false positives and false negatives against.')


def write_html(jobs, html_path: str, gold_path: str = None) -> None:
  """Renders the outputs of `jobs` (and the gold documents they share ids with) as one page."""
  predicted = [doc for job in jobs if job.output_path.exists()
               for doc in formats.read_documents(str(job.output_path))]
  gold = None
  if gold_path:
    ids = {doc.id for doc in predicted}
    gold = [doc for doc in formats.read_documents(gold_path) if doc.id in ids]
  pathlib.Path(html_path).write_text(html_view.render_html(predicted, gold), encoding='utf-8')
  print(f'HTML view of {len(predicted)} documents written to {html_path}')


def main(argv):
  del argv  # Unused.
  try:
    jobs = batch.plan_jobs(FLAGS.input, FLAGS.output, FLAGS.output_format)
    tagger = tagger_lib.Tagger.load(FLAGS.model_dir, FLAGS.batch_size, FLAGS.max_document_chars,
                                    tag_flags.options_from_flags(), FLAGS.precision)
    tagger_lib.tasks_for_types(FLAGS.entity_types, FLAGS.overlapping,
                               tagger.model.config.task_types)
  except (ValueError, FileNotFoundError) as e:
    raise app.UsageError(str(e)) from e
  if FLAGS.overlapping and any(job.output_format == formats.PUBTATOR for job in jobs):
    logging.warning('--overlapping with PubTator output: every span is written, as lines that '
                    'may overlap, which some PubTator readers do not expect; BioC holds overlaps')
  ledger = batch.tag_files(tagger, jobs, FLAGS.entity_types, FLAGS.chunk_size, FLAGS.strict)
  print(ledger.format())
  if FLAGS.html:
    write_html(jobs, FLAGS.html, FLAGS.gold)


if __name__ == '__main__':
  app.run(main)
