"""Reading a rendered PDF back the way a reader would: its text, pages, metadata and a picture.

The poppler tools (pdftotext, pdfinfo, pdftoppm) are what Linux desktops use
to show and copy PDFs, so text they extract is text a reader can copy.
"""
import os
import subprocess
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reports"


def _write(body, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(body)
    return path


def pdf_text(body, tmp_path, name="report.pdf", first=None, last=None, layout=True):
    """The text of the PDF (or of pages ``first`` to ``last``), laid out as on the page.

    Chart labels are scattered over a drawing; read them with ``layout=False``,
    which gives them in drawing order instead of guessing columns.
    """
    command = ["pdftotext", "-layout"] if layout else ["pdftotext"]
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    path = _write(body, tmp_path, name)
    return subprocess.run([*command, str(path), "-"], capture_output=True, text=True, check=True).stdout


def metadata(body, tmp_path, name="report.pdf"):
    """pdfinfo's fields (Title, Author, Subject, Pages, ...) as a dict of strings."""
    path = _write(body, tmp_path, name)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _sep, value in (line.partition(":") for line in out.splitlines())}


def page_count(body, tmp_path, name="report.pdf"):
    return int(metadata(body, tmp_path, name)["Pages"])


def first_page_png(body, tmp_path, name="report", keep_as=None):
    """Render page 1 to PNG and check it is not blank: a broken layout shows up as a failed test.

    The PNG is left in ``tmp_path`` so it can be looked at after a failure;
    the check reads a greyscale rendering of the same page. With
    ``SCREENSHOTS=1`` in the environment, page 1 is also saved, readable, as
    ``docs/reports/<keep_as>`` for the README.
    """
    if keep_as and os.environ.get("SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        pdf = _write(body, tmp_path, f"{name}-docs.pdf")
        target = DOCS / Path(keep_as).stem
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)], check=True)
    pdf = _write(body, tmp_path, f"{name}.pdf")
    stem = tmp_path / f"{name}-page"
    render = ["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*render, "-png", str(pdf), str(stem)], check=True)
    subprocess.run([*render, "-gray", str(pdf), str(stem)], check=True)
    png = stem.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    share = ink(stem.with_suffix(".pgm").read_bytes())
    assert share > 0.01, f"page 1 of {name} is blank ({share:.3%} ink)"
    return png


def ink(pgm):
    """Share of dark pixels in a binary greyscale PGM (P5 with 8-bit samples)."""
    fields, pos = [], 0
    while len(fields) < 4:
        while pgm[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not pgm[end : end + 1].isspace():
            end += 1
        fields.append(pgm[pos:end])
        pos = end
    assert fields[0] == b"P5"
    pixels = pgm[pos + 1 :]
    return sum(1 for value in pixels if value < 160) / max(len(pixels), 1)
