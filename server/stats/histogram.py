"""Whole-second histograms that answer rank queries without being expanded, pure.

A statistic over a year of a region merges hundreds of stored histograms (one per hall and
month, see server/stats/rollup.py), each with thousands of distinct seconds. Adding them
up value by value in Python costs more than the 300 ms budget, so a `Histogram` keeps its
parts side by side and finds the value at a rank in two steps: the per-minute counts of the
parts (a few hundred numbers each, summed list-wise) locate the minute, then a binary search
over that minute's seconds, counting with one bisection per part, finds the value. The
results are exact, identical to one merged `Counter`.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain
from operator import add, sub

BUCKET_S = 60  # the coarse step: one minute
LAST_BUCKET = 24 * 60  # a day or longer shares one bucket (keeps the coarse arrays short)
MAGIC = b"H1"
# magic, typecodes (values, cumulative, buckets), entries, first bucket, buckets stored (0:
# computed on load)
HEADER = struct.Struct("<2s3sIhH")
SIZES = {code: array(code).itemsize for code in "HIQiq"}
BIG_ENDIAN = sys.byteorder == "big"  # arrays are stored little-endian
# where a part holds one bucket: (values, cumulative, start, end, count before start)
Span = tuple[Sequence[int], Sequence[int], int, int, int]


def bucket(value: int) -> int:
    """The coarse bucket of a value: its minute; negatives in -1; a day or more in the last."""
    return -1 if value < 0 else min(value // BUCKET_S, LAST_BUCKET)


def _bounds(index: int) -> tuple[int | None, int | None]:
    """[low, high) of a bucket's values; None is unbounded."""
    if index < 0:
        return None, 0
    if index >= LAST_BUCKET:
        return LAST_BUCKET * BUCKET_S, None
    return index * BUCKET_S, (index + 1) * BUCKET_S


class Part:
    """One histogram as sorted distinct values and cumulative counts (`cumulative[i]` counts
    every value up to `values[i]`), with its counts per bucket."""

    __slots__ = ("_buckets", "_first", "cumulative", "values")

    def __init__(
        self,
        values: Sequence[int],
        cumulative: Sequence[int],
        first_bucket: int = 0,
        buckets: Sequence[int] | None = None,
    ) -> None:
        self.values = values
        self.cumulative = cumulative
        self._first = first_bucket
        self._buckets = buckets

    @classmethod
    def of(cls, counts: Mapping[int, int]) -> Part:
        values = sorted(counts)
        sizes = list(map(counts.__getitem__, values))
        if 0 in sizes:
            values = [v for v, size in zip(values, sizes, strict=True) if size]
            sizes = [size for size in sizes if size]
        return cls(values, list(accumulate(sizes)))

    @property
    def total(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    @property
    def sparse(self) -> bool:
        """No more values than buckets: bucket counts are not stored, but counted when asked."""
        values = self.values
        return bool(values) and len(values) <= bucket(values[-1]) - bucket(values[0]) + 1

    def buckets(self) -> tuple[int, Sequence[int]]:
        """(first bucket, counts per bucket from it on)."""
        if self._buckets is None:
            self._first, self._buckets = self._count_buckets()
        return self._first, self._buckets

    def _count_buckets(self) -> tuple[int, list[int]]:
        values, cumulative = self.values, self.cumulative
        if not values:
            return 0, []
        first, last = bucket(values[0]), bucket(values[-1])
        if len(values) <= last - first + 1:  # sparse: visit the values
            counts = [0] * (last - first + 1)
            for value, count in zip(values, self.sizes(), strict=True):
                counts[bucket(value) - first] += count
            return first, counts
        # dense: one search per bucket boundary
        ends = [bisect_left(values, 0 if b < 0 else (b + 1) * BUCKET_S) for b in range(first, last)]
        upto = [cumulative[end - 1] if end else 0 for end in ends]
        upto.append(cumulative[-1])
        return first, [upto[0], *map(sub, upto[1:], upto)]

    def sizes(self) -> list[int]:
        """The count of each value."""
        cumulative = self.cumulative
        return list(map(sub, cumulative, chain((0,), cumulative)))

    def items(self) -> Iterator[tuple[int, int]]:
        """(value, count), ascending."""
        return zip(self.values, self.sizes(), strict=True)

    def value_at(self, rank: int) -> int:
        """The value of the 0-based `rank`-th smallest element."""
        return self.values[bisect_right(self.cumulative, rank)]

    def count_below(self, value: int) -> int:
        index = bisect_left(self.values, value)
        return self.cumulative[index - 1] if index else 0

    def encode(self) -> bytes:
        """Little-endian arrays of the narrowest type behind a small header; the bucket
        counts are stored when they are fewer than the values (large parts), else recomputed
        on load."""
        values = self.values
        first = bucket(values[0]) if values else 0
        stored = self.buckets()[1] if values and not self.sparse else []
        low, high = (values[0], values[-1]) if values else (0, 0)
        codes = _code(low, high) + _code(0, self.total) * 2
        arrays = [
            array(c, a) for c, a in zip(codes, (values, self.cumulative, stored), strict=True)
        ]
        if BIG_ENDIAN:
            for a in arrays:
                a.byteswap()
        header = HEADER.pack(MAGIC, codes.encode(), len(values), first, len(stored))
        return header + b"".join(a.tobytes() for a in arrays)

    @classmethod
    def decode(cls, blob: bytes) -> Part:
        magic, codes, n, first, n_buckets = HEADER.unpack_from(blob)
        if magic != MAGIC:
            raise ValueError("not a stored histogram")
        view = memoryview(blob)
        arrays = []
        offset = HEADER.size
        for code, count in zip(codes.decode(), (n, n, n_buckets), strict=True):
            a = array(code)
            end = offset + count * SIZES[code]
            a.frombytes(view[offset:end])
            if BIG_ENDIAN:
                a.byteswap()
            arrays.append(a)
            offset = end
        return cls(arrays[0], arrays[1], first, arrays[2] if n_buckets else None)


def _merge(parts: Iterable[Part]) -> Part:
    """One part adding up several (value by value: for small parts, or to store a merge)."""
    merged: dict[int, int] = {}
    get = merged.get
    for part in parts:
        for value, count in zip(part.values, part.sizes(), strict=True):
            merged[value] = get(value, 0) + count
    return Part.of(merged)


def _code(low: int, high: int) -> str:
    """The narrowest array typecode for integers from low to high."""
    if low >= 0:
        return "H" if high < 2**16 else "I" if high < 2**32 else "Q"
    return "i" if low >= -(2**31) and high < 2**31 else "q"


class Histogram:
    """Whole seconds → count: values added one by one plus stored parts, merged lazily."""

    __slots__ = ("_cache", "_counted", "_counts", "_fine", "_parts")

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self._counts: Counter[int] | None = Counter(counts) if counts else None
        self._counted: Part | None = None  # _counts as a part, once asked
        self._parts: list[Part] | None = None
        self._cache: tuple[list[Part], int, list[int]] | None = None
        self._fine: dict[int, list[Span]] | None = None

    @classmethod
    def counting(cls, values: Iterable[int]) -> Histogram:
        """The histogram of these values."""
        histogram = cls()
        histogram._counts = Counter(values)
        return histogram

    def add(self, value: int, count: int = 1) -> None:
        if self._counts is None:
            self._counts = Counter()
        self._counts[value] += count
        self._counted = None
        if self._cache is not None:
            self._forget()

    def add_part(self, part: Part) -> None:
        if part.total:
            self._parts = [*(self._parts or ()), part]
            self._forget()

    def update(self, other: Histogram) -> None:
        """Add every count of `other` (as its parts: nothing is added up value by value)."""
        self._parts = [*(self._parts or ()), *other.parts()]
        self._forget()

    def _forget(self) -> None:
        self._cache = None
        self._fine = None

    def parts(self) -> list[Part]:
        """The stored parts, and the counts added one by one as one more."""
        if self._cache is not None:
            return self._cache[0]
        parts = list(self._parts or ())
        if self._counts:
            if self._counted is None:
                self._counted = Part.of(self._counts)
            parts.append(self._counted)
        return parts

    def _searchable(self) -> list[Part]:
        """The parts to search: the small ones (without stored bucket counts, e.g. a clerk's
        day) merged into one first, which costs less than searching them one by one."""
        parts = self.parts()
        small = [p for p in parts if p.sparse]
        if len(small) < 2:
            return parts
        return [*(p for p in parts if not p.sparse), _merge(small)]

    def _coarse(self) -> tuple[list[Part], int, list[int]]:
        """All parts, the first bucket, and the cumulative count per bucket over all parts."""
        if self._cache is None:
            parts = self._searchable()
            spans = [p.buckets() for p in parts]
            low = min((first for first, _ in spans), default=0)
            high = max((first + len(counts) for first, counts in spans), default=0)
            merged = [0] * (high - low)
            for first, counts in spans:
                start = first - low
                end = start + len(counts)
                merged[start:end] = map(add, merged[start:end], counts)
            self._cache = (parts, low, list(accumulate(merged)))
        return self._cache

    @property
    def total(self) -> int:
        cumulative = self._coarse()[2]
        return cumulative[-1] if cumulative else 0

    def value_at(self, rank: int) -> int:
        """The value of the 0-based `rank`-th smallest element (0 <= rank < total)."""
        parts, first, cumulative = self._coarse()
        if len(parts) == 1:
            return parts[0].value_at(rank)
        index = bisect_right(cumulative, rank)
        target = rank - (cumulative[index - 1] if index else 0)  # rank inside the bucket
        spans = self._spans(first + index)
        low = min(values[start] for values, _, start, _, _ in spans)
        high = max(values[end - 1] for values, _, _, end, _ in spans)
        while low < high:  # the smallest value with more than `target` at or below it
            middle = (low + high) // 2
            seen = 0
            for values, cumulative_, start, end, base in spans:
                at = bisect_right(values, middle, start, end)
                if at > start:
                    seen += cumulative_[at - 1] - base
            if seen > target:
                high = middle
            else:
                low = middle + 1
        return low

    def _spans(self, index: int) -> list[Span]:
        """Where each part holds values of one bucket: (values, cumulative, start, end, count
        before start)."""
        if self._fine is None:
            self._fine = {}
        if index not in self._fine:
            low, high = _bounds(index)
            spans = []
            for part in self._coarse()[0]:
                values, cumulative = part.values, part.cumulative
                start = 0 if low is None else bisect_left(values, low)
                end = len(values) if high is None else bisect_left(values, high)
                if start < end:
                    base = cumulative[start - 1] if start else 0
                    spans.append((values, cumulative, start, end, base))
            self._fine[index] = spans
        return self._fine[index]

    def count_below(self, value: int) -> int:
        return sum(part.count_below(value) for part in self._coarse()[0])

    def part(self) -> Part:
        """Everything as one part (for storing a merge)."""
        parts = self.parts()
        return parts[0] if len(parts) == 1 else _merge(parts)
