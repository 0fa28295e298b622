"""Tags PubTator, BioC or PubMed XML files with a trained model on Apache Beam.

  python bin/tag_beam.py --model_dir=runs/biored/best --input='pubmed/*.xml.gz' \
      --output=tagged/ [--output_format=pubtator|bioc_xml|jsonl] [--entity_types=ALL|Gene,...] \
      [BEAM OPTIONS, e.g. --runner=DataflowRunner --project=... --region=...]

Flags this script does not define go to Beam, so one command runs on DirectRunner (the default),
Dataflow, Flink or Spark: docs/SCALING.md gives the command lines. Writes
OUTPUT/tagged-SSSSS-of-NNNNN.<ext> and OUTPUT/failures-SSSSS-of-NNNNN.jsonl (see
aioner_tf/pipelines/tag_pipeline.py) and prints the ledger of bin/tag.py at the end.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf.data import formats
from aioner_tf.pipelines import tag_pipeline
from aioner_tf.tagging import batch
from aioner_tf.tagging import tag_flags

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Trained model directory, local or remote (gs://...: each '
                    'worker copies it to its disk). Default: saved_models/default.')
flags.DEFINE_list('input', None, 'File patterns (globs) of PubTator, BioC XML, BioC JSON or '
                  'PubMed XML (.xml, .xml.gz) files, local or remote.', required=True)
flags.DEFINE_string('output', None, 'Output folder, local or remote.', required=True)
flags.DEFINE_enum('output_format', formats.PUBTATOR, list(formats.RECORD_FORMATS),
                  'pubtator, bioc_xml (one BioC collection per shard) or jsonl (one BioC JSON '
                  'document a line).')
tag_flags.define_tagger_flags()
flags.adopt_module_key_flags(tag_flags)
flags.DEFINE_integer('batch_documents', batch.CHUNK_DOCUMENTS,
                     'Documents per tagger call (the chunk of bin/tag.py).')
flags.DEFINE_integer('num_shards', 0, 'Output shards; 0 lets the runner choose.')
flags.DEFINE_bool('strict', False, 'Malformed input fails the pipeline instead of being skipped.')


def main(argv):
  try:
    config = tag_pipeline.Config(
        inputs=tuple(FLAGS.input), output_dir=FLAGS.output, model_dir=FLAGS.model_dir,
        output_format=FLAGS.output_format, entity_types=tuple(FLAGS.entity_types),
        batch_size=FLAGS.batch_size, batch_documents=FLAGS.batch_documents,
        num_shards=FLAGS.num_shards, strict=FLAGS.strict, options=tag_flags.options_from_flags(),
        precision=FLAGS.precision)
  except (ValueError, FileNotFoundError) as e:
    raise app.UsageError(str(e)) from e
  print(tag_pipeline.run(config, argv[1:]).format())


if __name__ == '__main__':
  app.run(main, flags_parser=lambda argv: FLAGS(argv, known_only=True))
