"""The compiled parser path (cclf.kernel) against numpy's (cclf.parser): the same
verdict on every record and the same COPY text for every good one, on a synthetic delivery's
records of each file and on records broken field by field."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cclf.layouts import DATA_FILE_CODES, layout
from cclf.names import parse_name
from cclf.parser import Batch, BatchRenderer
from claims.loading.direct import DIRECT_CODES, direct_plan
from claims.loading.stage import plan_for
from synthetic.cclf import GeneratorConfig, generate_delivery


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """Each file's records, (n, record length), from a small synthetic delivery."""
    path = generate_delivery(
        GeneratorConfig(entity_id="A4242", year=2025, beneficiaries=300, seed=3),
        tmp_path_factory.mktemp("delivery"),
    )
    out = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            code = parse_name(Path(name).name).file_code
            if code not in DATA_FILE_CODES:
                continue
            length = layout(code, "v38").record_length
            raw = z.read(name)
            out[code] = np.frombuffer(raw, np.uint8).reshape(-1, length + 1)[:, :length]
    return out


class Prefix:
    """A lineage-like prefix: fixed bytes, a per-row number and a tab; tells its width."""

    width = 8

    def __call__(self, data: np.ndarray) -> np.ndarray:
        n = len(data)
        head = np.full((n, self.width), ord("7"), dtype=np.uint8)
        head[:, 3] = ord("0") + np.arange(n) % 10
        head[:, -1] = 9
        return head


def both(renderer: BatchRenderer, data: np.ndarray, prefix: Prefix | None = None):
    """(compiled result, numpy result) of one batch."""
    batch = Batch(data=np.ascontiguousarray(data), lines=np.arange(1, len(data) + 1))
    fast = renderer.render(batch, prefix=prefix)
    renderer.compiled = False
    try:
        slow = renderer.render(batch, prefix=prefix)
    finally:
        renderer.compiled = True
    return fast, slow


def renderers(code: str) -> list[tuple[BatchRenderer, Prefix | None]]:
    staged = plan_for(code, "v38")
    out = [(BatchRenderer(staged, code, "BENE_MBI_ID" if code != "CCLF9" else "CRNT_NUM"), None)]
    if code in DIRECT_CODES:
        out.append((BatchRenderer(direct_plan(staged), code), Prefix()))
    return out


@pytest.mark.parametrize("code", DATA_FILE_CODES)
def test_good_records_render_to_the_same_copy_text(records, code) -> None:
    data = records[code]
    assert len(data) >= 1
    for renderer, prefix in renderers(code):
        fast, slow = both(renderer, data, prefix)
        assert slow.error_count == 0
        assert fast.error_count == 0
        assert fast.copy_text == slow.copy_text
        assert (fast.mbis is None) == (slow.mbis is None)
        if fast.mbis is not None:
            assert np.array_equal(fast.mbis, slow.mbis)


# What a field may be broken with: right and wrong values of every kind, placeholders, the
# sentinel dates, control characters and the backslash COPY would need escaped.
NASTY = [
    b" ", b"~", b"-", b".", b"0", b"9", b"A", b"S", b"\\", b"\t", b"\x00", b"\r",
    b"2024-02-29", b"2023-02-29", b"2025-13-01", b"2025-04-31", b"0000-01-01", b"1000-01-01",
    b"9999-12-31", b"2025-1-01 ", b"-0000012.50", b" 0000012.50", b"+0000012.50", b"00000012.5 ",
    b"1AC2EF3GH45", b"1SC2EF3GH45", b"0AC2EF3GH45",
]  # fmt: skip


@pytest.mark.parametrize("code", DATA_FILE_CODES)
def test_broken_records_get_the_same_verdict_and_text(records, code) -> None:
    rng = random.Random(f"kernel-{code}")
    lay = layout(code, "v38")
    base = records[code]
    for renderer, prefix in renderers(code):
        verdicts = {True: 0, False: 0}
        for _ in range(400):
            row = base[rng.randrange(len(base))].copy()
            for _ in range(rng.choice([1, 1, 2])):
                f = rng.choice(lay.fields)
                value = rng.choice(NASTY)
                at = f.start + rng.randrange(f.width) if rng.random() < 0.5 else f.start
                if rng.random() < 0.3:  # the whole field blank, or "~" alone
                    row[f.start : f.end] = ord(" ")
                    if rng.random() < 0.5:
                        row[f.start] = ord("~")
                    continue
                piece = np.frombuffer(value, np.uint8)[: f.end - at]
                row[at : at + len(piece)] = piece
            fast, slow = both(renderer, row[None, :], prefix)
            good = slow.error_count == 0
            verdicts[good] += 1
            assert (fast.error_count == 0) == good, bytes(row)
            assert fast.copy_text == slow.copy_text, bytes(row)
        assert verdicts[True], verdicts  # good records were tried
        assert verdicts[False], verdicts  # and broken ones
