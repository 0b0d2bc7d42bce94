"""Run the intake readers over a folder of real documents and print what they make of them (docs/app.md, "Public
HWP and HWPX files"). Prints figures; asserts nothing; stores nothing.

For each file: read or refused (with the kind), or a crash (a bug: every bad file should be refused in Korean);
paragraphs, table rows and characters read; for HWP and HWPX, the share of the words (2+ letters) of the preview
text Hancom Office writes into the file (``PrvText``) that the reader also returned — a ground truth no reader of
ours produced; for PDF, when poppler's ``pdftotext`` is installed (another reader, not ground truth), the share of its
words we also read, the share of ours it also read (words as whitespace splits them, counted with repeats), the share
of its pairs of words one after the other that we also read one after the other (reading order: columns, wrapped
lines; it reads tables its own way, so this is below 1 for a reader that reads them well), and of our table rows' cell
boundaries those between two words it prints side by side on a line (running text we cut into cells). ``--propose``
also prints the proposed fields.

    .venv/bin/python scripts/check_documents.py FOLDER [--propose]
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import olefile

from workbench.intake.errors import IntakeError
from workbench.intake.propose import propose_document
from workbench.intake.read import READERS, read_document

WORD = re.compile(r"[0-9A-Za-z가-힣]{2,}")


def hancom_preview(path: Path) -> str | None:
    """The preview text Hancom Office stores in an HWP (``PrvText``, UTF-16) or HWPX (``Preview/PrvText.txt``)."""
    try:
        if path.suffix.lower() == ".hwp":
            with olefile.OleFileIO(str(path)) as ole:
                return ole.openstream("PrvText").read().decode("utf-16-le", "ignore") if ole.exists("PrvText") else None
        if path.suffix.lower() == ".hwpx":
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith("prvtext.txt")]
                return zf.read(names[0]).decode("utf-8", "ignore") if names else None
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def against_pdftotext(path: Path, doc) -> tuple[float, float, float, int, int] | None:
    """Words of ``pdftotext``'s text we read, ours it read, its word pairs in our order, and cell boundaries of ours:
    all, and those inside a line of its text (see the module's docstring); None without ``pdftotext``."""
    if not shutil.which("pdftotext"):
        return None
    ref = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True).stdout
    their_words = ref.split()
    theirs = Counter(their_words)
    our_words = [w for p in doc.paragraphs for w in p.text.split() if w != "|"]
    ours = Counter(our_words)
    both = sum((theirs & ours).values())
    their_pairs = Counter(zip(their_words, their_words[1:]))
    in_order = sum((their_pairs & Counter(zip(our_words, our_words[1:]))).values()) / max(sum(their_pairs.values()), 1)
    side_by_side = {pair for words in map(str.split, ref.splitlines()) for pair in zip(words, words[1:])}
    bounds = [(a.split()[-1], b.split()[0]) for p in doc.paragraphs for a, b in zip(p.cells, p.cells[1:])
              if a.split() and b.split()]
    return (both / max(sum(theirs.values()), 1), both / max(sum(ours.values()), 1), in_order, len(bounds),
            sum(b in side_by_side for b in bounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--propose", action="store_true", help="also print the proposed fields")
    args = parser.parse_args()
    outcome: Counter[str] = Counter()
    found: dict[str, list[float]] = {}
    pdf: list[tuple[float, float, float, int, int]] = []
    for path in sorted(p for p in args.folder.iterdir() if p.suffix.lower().lstrip(".") in READERS):
        try:
            doc = read_document(path)
        except IntakeError as exc:
            outcome[f"{path.suffix.lower()} refused: {exc.kind}"] += 1
            print(f"refused  {path.name}: {exc.kind} — {exc.message_ko}")
            continue
        except Exception as exc:  # noqa: BLE001 — what this script looks for
            outcome[f"{path.suffix.lower()} CRASH"] += 1
            print(f"CRASH    {path.name}: {type(exc).__name__}: {exc}")
            continue
        outcome[f"{path.suffix.lower()} read"] += 1
        text = " ".join(p.text for p in doc.paragraphs)
        line = (f"read     {path.name}: {len(doc.paragraphs)} paragraphs, {sum(bool(p.cells) for p in doc.paragraphs)}"
                f" table rows, {len(text):,} characters")
        preview = WORD.findall(hancom_preview(path) or "")
        if preview:
            ours = set(WORD.findall(text))
            share = sum(w in ours for w in preview) / len(preview)
            found.setdefault(path.suffix.lower(), []).append(share)
            line += f"; preview words found {share:.3f} of {len(preview)}"
        if path.suffix.lower() == ".pdf" and (versus := against_pdftotext(path, doc)):
            pdf.append(versus)
            line += (f"; pdftotext words found {versus[0]:.3f}, ours in its text {versus[1]:.3f}, its word pairs in "
                     f"our order {versus[2]:.3f}, cell boundaries inside its lines {versus[4]}/{versus[3]}")
        print(line)
        if args.propose:
            for name, field in propose_document(doc).fields.items():
                print(f"           {name} ({field.how}): {field.value[:100]}")
    print(dict(sorted(outcome.items())))
    for ext, shares in found.items():
        print(f"{ext}: preview words found, {len(shares)} files: mean {statistics.mean(shares):.3f}, "
              f"min {min(shares):.3f}")
    if pdf:
        found_, ours_, order, bounds, inside = zip(*pdf)
        print(f".pdf against pdftotext, {len(pdf)} files: its words found mean {statistics.mean(found_):.3f} (min "
              f"{min(found_):.3f}); ours in its text mean {statistics.mean(ours_):.3f} (min {min(ours_):.3f}); its word "
              f"pairs in our order mean {statistics.mean(order):.3f} (min {min(order):.3f}); cell boundaries inside its "
              f"lines {sum(inside)}/{sum(bounds)}")


if __name__ == "__main__":
    main()
