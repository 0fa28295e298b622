"""Plots of the experiments, drawn from docs/RESULTS.md and docs/benchmarks.json.

bin/plot_results.py writes them to docs/img/ as PNG and SVG, so that no figure is drawn by hand:
fill in a number in RESULTS.md (or run bin/benchmark.py again), run the command, commit both.

What is read from RESULTS.md, Markdown as people write it:
  - a section is a `## Experiment N: title` heading and the text up to the next `## ` heading;
  - experiments 1 (BioRED only), 2 (AIO on all corpora) and 3 (naive merge): the table row whose
    first cell is `micro` (bold or not), in the columns whose headers begin `F1 (ours` and
    `F1 (paper`: BioRED test micro-F1, ours and the paper's;
  - experiment 4: the table whose first header is `corpus` (columns corpus | task tag | P | R |
    F1 (ours) | F1 (paper)), one row per corpus: the AIO model's F1 on that corpus's test set;
  - any experiment: the paragraph that begins `Dev F1 per epoch`, whose numbers after its first
    colon are the dev F1 of each epoch.
A cell that is empty or says `pending` holds a number not measured yet (None here), drawn as a
"pending" mark and never as zero; any other cell that is not a number is an error, so that a
typo is not mistaken for a missing result.
"""

import dataclasses
import json
import pathlib
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import matplotlib
from matplotlib import figure as figure_lib
from matplotlib import patches

PENDING = 'pending'
OURS_COLUMN = 'F1 (ours'
PAPER_COLUMN = 'F1 (paper'
CORPUS_COLUMN = 'corpus'
DEV_F1_PARAGRAPH = 'Dev F1 per epoch'
# The experiments scored on BioRED test, with their names in the plot.
BIORED_EXPERIMENTS = ((1, 'BioRED only'), (2, 'AIO (all corpora)'), (3, 'naive merge'))
PER_CORPUS_EXPERIMENT = 4
OURS_LABEL = 'ours (MiniLM-L6-H384)'
PAPER_LABEL = 'paper (PubMedBERT)'
OURS_COLOUR, PAPER_COLOUR = '#1f5fbf', '#a6a6a6'

_HEADING = re.compile(r'^## .*$', re.M)
_EXPERIMENT_HEADING = re.compile(r'## Experiment (\d+):\s*(.*)')
_SEPARATOR_CELL = re.compile(r':?-+:?')
_NUMBER = re.compile(r'\d+(?:\.\d+)?')

Table = List[List[str]]  # Rows of cells, the header first.


@dataclasses.dataclass
class Section:
  """An experiment's heading title and the text under it."""
  title: str
  text: str


@dataclasses.dataclass
class Comparison:
  """An F1 of ours beside the paper's, in points; None where there is no number yet."""
  label: str
  ours: Optional[float]
  paper: Optional[float]


def experiment_sections(markdown: str) -> Dict[int, Section]:
  """Each `## Experiment N: title` section of `markdown`, by N."""
  headings = list(_HEADING.finditer(markdown))
  ends = [heading.start() for heading in headings[1:]] + [len(markdown)]
  sections = {}
  for heading, end in zip(headings, ends):
    match = _EXPERIMENT_HEADING.fullmatch(heading.group().strip())
    if match:
      sections[int(match.group(1))] = Section(match.group(2), markdown[heading.end():end])
  return sections


def markdown_tables(text: str) -> List[Table]:
  """The tables of `text`, each a list of rows of cells without the `---` row; cells are
  stripped of spaces and of `**` bold marks."""
  tables, rows = [], []
  for line in [*text.splitlines(), '']:
    line = line.strip()
    if line.startswith('|'):
      cells = [cell.strip().replace('**', '') for cell in line.strip('|').split('|')]
      if not all(_SEPARATOR_CELL.fullmatch(cell) for cell in cells):
        rows.append(cells)
    elif rows:
      tables.append(rows)
      rows = []
  return tables


def cell_value(cell: str) -> Optional[float]:
  """The number in a table cell, or None if the cell is empty or says `pending`."""
  if cell.lower() in ('', PENDING):
    return None
  try:
    return float(cell)
  except ValueError:
    raise ValueError(f'a result cell holds neither a number nor "{PENDING}": {cell!r}') from None


def _column(header: Sequence[str], prefix: str) -> int:
  for index, name in enumerate(header):
    if name.startswith(prefix):
      return index
  raise ValueError(f'no column whose header begins {prefix!r} in {header}')


def _comparison(label: str, header: Sequence[str], row: Sequence[str]) -> Comparison:
  return Comparison(label, cell_value(row[_column(header, OURS_COLUMN)]),
                    cell_value(row[_column(header, PAPER_COLUMN)]))


def _micro(label: str, section: Optional[Section]) -> Comparison:
  """The micro row of the section's tables; all pending if the section or the row is missing."""
  for header, *rows in markdown_tables(section.text if section else ''):
    for row in rows:
      if row[0] == 'micro':
        return _comparison(label, header, row)
  return Comparison(label, None, None)


def biored_results(markdown: str) -> List[Comparison]:
  """BioRED test micro-F1 of BIORED_EXPERIMENTS, ours and the paper's."""
  sections = experiment_sections(markdown)
  return [_micro(label, sections.get(number)) for number, label in BIORED_EXPERIMENTS]


def per_corpus_results(markdown: str) -> List[Comparison]:
  """Experiment 4's F1 on each corpus's test set, ours and the paper's (its Table 3)."""
  section = experiment_sections(markdown).get(PER_CORPUS_EXPERIMENT)
  for header, *rows in markdown_tables(section.text if section else ''):
    if header[0] == CORPUS_COLUMN:
      return [_comparison(row[0], header, row) for row in rows]
  return []


def training_curves(markdown: str) -> Dict[str, List[float]]:
  """Dev F1 of each epoch, by `Experiment N: title`, of the experiments that list it."""
  curves = {}
  for number, section in sorted(experiment_sections(markdown).items()):
    for paragraph in re.split(r'\n\s*\n', section.text):
      if paragraph.strip().startswith(DEV_F1_PARAGRAPH):
        values = paragraph.split(':', 1)[1]
        curves[f'Experiment {number}: {section.title}'] = [
            float(value) for value in _NUMBER.findall(values)]
  return curves


def _grouped_bars(axes, groups: Sequence[str],
                  series: Sequence[Tuple[str, str, Sequence[Union[float, str]]]],
                  value_format: str) -> None:
  """One bar per (group, series) with its value on top; a value that is a string (`pending`,
  `failed`) is written where its bar would stand, and no bar is drawn.
  `series`: (name, colour, one value per group)."""
  width = 0.8 / len(series)
  for index, (_, colour, values) in enumerate(series):
    for group, value in enumerate(values):
      x = group - 0.4 + width * (index + 0.5)
      if isinstance(value, str):
        axes.annotate(value, (x, 0), xytext=(0, 4), textcoords='offset points', rotation=90,
                      ha='center', va='bottom', color='dimgray', style='italic', fontsize=8)
      else:
        axes.bar(x, value, width, color=colour)
        axes.text(x, value, format(value, value_format), ha='center', va='bottom', fontsize=7)
  axes.set_xticks(range(len(groups)), groups)
  axes.legend(handles=[patches.Patch(color=colour, label=name) for name, colour, _ in series],
              loc='upper left', ncols=len(series), fontsize=8)


def _or_pending(value: Optional[float]) -> Union[float, str]:
  return PENDING if value is None else value


def comparison_figure(comparisons: Sequence[Comparison], title: str) -> figure_lib.Figure:
  """Bars of our F1 beside the paper's, one pair per comparison."""
  figure = figure_lib.Figure(figsize=(max(5.0, 0.9 * len(comparisons) + 2), 4.2),
                             layout='constrained')
  axes = figure.subplots()
  _grouped_bars(axes, [c.label for c in comparisons],
                [(OURS_LABEL, OURS_COLOUR, [_or_pending(c.ours) for c in comparisons]),
                 (PAPER_LABEL, PAPER_COLOUR, [_or_pending(c.paper) for c in comparisons])],
                '.2f')
  axes.set_ylim(0, 115)  # Room for the legend above 100.
  axes.set_yticks(range(0, 101, 20))
  axes.set_ylabel('F1 (strict, %)')
  axes.set_title(title, fontsize=10)
  if len(comparisons) > 4:
    axes.tick_params(axis='x', labelrotation=35)
  return figure


def speed_figure(report: Dict) -> figure_lib.Figure:
  """Abstracts/s of each inference path (groups) at each batch size (bars), from the report of
  bin/benchmark.py; a path that failed at a batch size is marked `failed`, one not measured at
  it `not run`."""
  runs = report['runs']
  paths = list(dict.fromkeys(run['path'] for run in runs))
  batch_sizes = sorted({run['batch_size'] for run in runs})
  rates = {(run['path'], run['batch_size']): run.get('abstracts_per_second', 'failed')
           for run in runs}
  colours = matplotlib.color_sequences['tab10']
  series = [(f'batch {size}', colours[index],
             [rates.get((path, size), 'not run') for path in paths])
            for index, size in enumerate(batch_sizes)]
  figure = figure_lib.Figure(figsize=(6.4, 4.2), layout='constrained')
  axes = figure.subplots()
  _grouped_bars(axes, paths, series, '.1f')
  measured = [rate for rate in rates.values() if not isinstance(rate, str)]
  axes.set_ylim(0, 1.25 * max(measured, default=1))  # Room for the legend.
  axes.set_ylabel('abstracts/s')
  axes.set_title(f'Tagging {report["size"]["documents"]} abstracts on '
                 f'{report["machine"]["cores"]} CPU cores, commit {report["commit"]}', fontsize=10)
  return figure


def training_curves_figure(curves: Dict[str, List[float]]) -> figure_lib.Figure:
  """Dev F1 against epoch, one line per experiment."""
  figure = figure_lib.Figure(figsize=(6.4, 4.2), layout='constrained')
  axes = figure.subplots()
  for label, values in curves.items():
    axes.plot(range(1, len(values) + 1), values, marker='o', markersize=3, label=label)
  axes.set_xlabel('epoch')
  axes.set_ylabel('dev F1 (%)')
  axes.set_title('Dev F1 per epoch (history.json of each run)', fontsize=10)
  axes.legend(loc='lower right', fontsize=8)
  axes.grid(alpha=0.3)
  return figure


def save(figure: figure_lib.Figure, stem: pathlib.Path) -> List[pathlib.Path]:
  """Writes `stem`.png and `stem`.svg; the SVG carries no date and fixed ids, so that drawing
  unchanged data again gives the same file."""
  png, svg = stem.with_suffix('.png'), stem.with_suffix('.svg')
  figure.savefig(png, dpi=150)
  with matplotlib.rc_context({'svg.hashsalt': 'aioner_tf'}):
    figure.savefig(svg, metadata={'Date': None})
  return [png, svg]


def write_plots(results: pathlib.Path, benchmarks: pathlib.Path,
                output_dir: pathlib.Path) -> List[pathlib.Path]:
  """Draws every plot of `results` (docs/RESULTS.md) and `benchmarks` (docs/benchmarks.json)
  into `output_dir`; returns the files written."""
  markdown = results.read_text(encoding='utf-8')
  output_dir.mkdir(parents=True, exist_ok=True)
  figures = {
      'results_biored': comparison_figure(
          biored_results(markdown), 'BioRED test micro-F1 by training data'),
      'results_per_corpus': comparison_figure(
          per_corpus_results(markdown), "AIO model: F1 on each corpus's test set (paper: Table 3)"),
      'speed': speed_figure(json.loads(benchmarks.read_text(encoding='utf-8'))),
      'training_curves': training_curves_figure(training_curves(markdown)),
  }
  return [path for name, figure in figures.items() for path in save(figure, output_dir / name)]
