"""Write a :class:`DocSpec` as DOCX (python-docx): headings, paragraphs, tables, header and footer."""
from __future__ import annotations

from pathlib import Path

from workbench.intake.testdocs.content import DocSpec


def write_docx(spec: DocSpec, path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = spec.title
    section = document.sections[0]
    section.header.paragraphs[0].text = spec.header
    section.footer.paragraphs[0].text = spec.footer
    for b in spec.blocks:
        if b.kind == "page_break":
            document.add_page_break()
        elif b.kind == "heading":
            document.add_heading(b.text, level=1)
        elif b.kind == "para":
            document.add_paragraph(b.text)
        elif b.kind == "table":
            table = document.add_table(rows=len(b.rows), cols=max(len(r) for r in b.rows))
            table.style = "Table Grid"
            for row, values in zip(table.rows, b.rows):
                for cell, value in zip(row.cells, values):
                    cell.text = value
    document.save(str(path))
    return path
