"""Draws the plots of docs/RESULTS.md and docs/benchmarks.json into docs/img/ (PNG and SVG).

  python bin/plot_results.py [--results=docs/RESULTS.md] [--benchmarks=docs/benchmarks.json] \
      [--output_dir=docs/img]

Run it again after filling in a result in RESULTS.md or running bin/benchmark.py; what it reads
is described in aioner_tf/plots.py.
"""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from absl import app  # pylint: disable=g-import-not-at-top
from absl import flags

from aioner_tf import plots  # pylint: disable=g-import-not-at-top

FLAGS = flags.FLAGS
flags.DEFINE_string('results', str(ROOT / 'docs' / 'RESULTS.md'),
                    'The results file whose tables and dev F1 lines are drawn.')
flags.DEFINE_string('benchmarks', str(ROOT / 'docs' / 'benchmarks.json'),
                    'The measurements written by bin/benchmark.py.')
flags.DEFINE_string('output_dir', str(ROOT / 'docs' / 'img'), 'Where the plots are written.')


def main(argv):
  del argv  # Unused.
  for path in plots.write_plots(pathlib.Path(FLAGS.results), pathlib.Path(FLAGS.benchmarks),
                                pathlib.Path(FLAGS.output_dir)):
    print(f'Written {path}')


if __name__ == '__main__':
  app.run(main)
