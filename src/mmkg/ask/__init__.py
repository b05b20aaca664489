"""Questions in plain words → templates → answers with values, data gaps and citations.

`understand.py` is where a question becomes a template and slots; `lexicon.py` links names to the graph;
`answer.py` runs the template and writes the answer."""

from mmkg.ask.answer import answer_question

__all__ = ["answer_question"]
