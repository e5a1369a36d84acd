"""openpyxl's read-only worksheet, faster where the import spends its time (patched once per process by
:func:`install`; the values read are the same):

* ``ReadOnlyWorksheet._get_size`` without reading the whole sheet when it has no ``<dimension>``
  (:func:`_sheet_size`);
* inline strings (``t="inlineStr"``: openpyxl's own write-only files, some exporters) read straight from the
  XML elements instead of building openpyxl's ``Text`` / ``RichText`` objects for every cell
  (:func:`_parse_cell`): the same text, ``Text.content`` — the plain ``<t>`` then each run's ``<t>``, phonetic
  runs left out.
"""

from __future__ import annotations

from openpyxl.utils import coordinate_to_tuple
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG, INLINE_STRING, WorkSheetParser
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

_openpyxl_parse_cell = WorkSheetParser.parse_cell
_openpyxl_get_size = ReadOnlyWorksheet._get_size


def _sheet_size(self) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size`` without reading the whole sheet when it has no ``<dimension>``.

    openpyxl looks for ``<dimension>`` in the *end* events of the sheet XML and stops at the end of
    ``<sheetData>``: for a file without it (openpyxl's own write-only files, some exporters) that parses every cell
    once more, at every opening (the upload check and the job each open the file). ``<dimension>`` comes before
    ``<sheetData>`` in a worksheet (CT_Worksheet is a sequence), so reading *start* events up to ``<sheetData>``
    finds the same element, or none, after a few hundred bytes."""
    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                self._min_column, self._min_row, self._max_column, self._max_row = \
                    SheetDimension.from_tree(element).boundaries
                return
            if element.tag == DATA_TAG:
                return
    finally:
        src.close()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]  # openpyxl's localname: the tag without its {namespace}


def inline_text(node) -> str:
    """``Text.from_tree(node).content`` of an ``<is>`` element: the last plain ``<t>``, then the last ``<t>`` of
    each ``<r>`` run (an empty one left out), as openpyxl's ``Serialisable.from_tree`` would keep them."""
    plain, runs = None, []
    for el in node:
        tag = _local(el.tag)
        if tag == "t":
            plain = el.text
        elif tag == "r":
            t = None
            for sub in el:
                if _local(sub.tag) == "t":
                    t = sub.text
            if t is not None:
                runs.append(t)
    return "".join(runs) if plain is None else plain + "".join(runs)


def _parse_cell(self, element):
    """``WorkSheetParser.parse_cell`` with inline strings read by :func:`inline_text` when only values are read
    (``data_only``, no rich text: the import's reading); every other cell goes to openpyxl's own."""
    if element.get("t") != "inlineStr" or not self.data_only or self.rich_text:
        return _openpyxl_parse_cell(self, element)
    coordinate = element.get("r")
    style_id = element.get("s", 0)
    if style_id:
        style_id = int(style_id)
    if coordinate:
        row, column = coordinate_to_tuple(coordinate)
        self.col_counter = column
    else:
        self.col_counter += 1
        row, column = self.row_counter, self.col_counter
    value, data_type = None, "inlineStr"
    child = element.find(INLINE_STRING)
    if child is not None:
        data_type, value = "s", inline_text(child)
    return {"row": row, "column": column, "value": value, "data_type": data_type, "style_id": style_id}


def install() -> None:
    ReadOnlyWorksheet._get_size = _sheet_size
    WorkSheetParser.parse_cell = _parse_cell
