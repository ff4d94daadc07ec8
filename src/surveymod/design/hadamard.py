"""Hadamard matrices for BRR half-samples, built as R ``survey::hadamard`` builds them, so BRR and Fay replicates
are R's ``brrweights`` replicates (the same half-samples and the same number of replicates for every stratum count).

``hadamard(n)`` is a 0/1 matrix of order at least n + 1 (a multiple of 4) with a first row of ones: R's stored
matrices (4; 16 = 4 doubled twice; 28 from N. J. A. Sloane's library of Hadamard matrices; 36 from Plackett and
Burman 1946), Paley's construction for a prime p = 3 mod 4 (order p + 1), and doubling [[H, H], [H, 1 - H]].
"""

from __future__ import annotations

from functools import cache

import numpy as np

_H28 = (
    "1111111111111111111111111111", "1001110001110001110001111000", "1000001111001101001101111000",
    "1000001110110010111001100110", "1001101000001111100011010110", "1001010100101100010110101110",
    "1000110011010010001110011110", "0101100010101010011111110000", "0100010110110101100111010100",
    "0100011011001011110010101100", "0101011000010111011101001010", "0100101101100100111010011010",
    "0101100101011001101100100110", "0010110100011110101011101000", "0011011001100110101100110100",
    "0010101100111011010100011100", "0011000111010111010010110010", "0011001011111000100111001010",
    "0010110011101101011001000110", "1110101001010100010111100100", "1111000101100011001011001100",
    "1111000010011100111000011100", "1110010101001010110101010010", "1110011000111001001010110010",
    "1110100010100111100100101010", "1101111111111110000000000000", "1011111110000001111110000000",
    "0111111110000000000001111110",
)
"""Order 28, from Sloane's library of Hadamard matrices (as stored in R survey)."""

_H36 = (
    "111111111111111111111111111111111111", "010111000111110111001000010101100100", "101110001111101110010000101011001000",
    "011100011111011100100001010110010010", "111000111110111001000010101100100100", "110001111101110010000101011001001010",
    "100011111011100100001010110010010110", "000111110111001000010101100100101110", "001111101110010000101011001001011100",
    "011111011100100001010110010010111000", "111110111001000010101100100101110000", "111101110010000101011001001011100010",
    "111011100100001010110010010111000110", "110111001000010101100100101110001110", "101110010000101011001001011100011110",
    "011100100001010110010010111000111110", "111001000010101100100101110001111100", "110010000101011001001011100011111010",
    "100100001010110010010111000111110110", "001000010101100100101110001111101110", "010000101011001001011100011111011100",
    "100001010110010010111000111110111000", "000010101100100101110001111101110010", "000101011001001011100011111011100100",
    "001010110010010111000111110111001000", "010101100100101110001111101110010000", "101011001001011100011111011100100000",
    "010110010010111000111110111001000010", "101100100101110001111101110010000100", "011001001011100011111011100100001010",
    "110010010111000111110111001000010100", "100100101110001111101110010000101010", "001001011100011111011100100001010110",
    "010010111000111110111001000010101100", "100101110001111101110010000101011000", "001011100011111011100100001010110010",
)
"""Order 36, Plackett and Burman (1946) (as stored in R survey)."""


def _bits(rows: tuple[str, ...]) -> np.ndarray:
    return np.array([[int(c) for c in r] for r in rows], dtype=np.int8)


def _double(h: np.ndarray) -> np.ndarray:
    """Sylvester doubling: [[H, H], [H, 1 - H]] (R ``hadamard.doubler``)."""
    return np.block([[h, h], [h, 1 - h]])


_H4 = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]], dtype=np.int8)
_STORED = (_H4, _double(_double(_H4)), _bits(_H28), _bits(_H36))
_SIZES = np.array([4, 16, 28, 36])
_PRIME_LIMIT = 7919
"""R's ``paley`` knows the primes p = 3 (mod 4) up to 7919."""


def _is_prime(n: int) -> bool:
    return n > 1 and all(n % d for d in range(2, int(n**0.5) + 1))


def _small_prime(n: int) -> int | None:
    """The least prime p = 3 (mod 4) with n <= p <= 7919, or None."""
    return next((p for p in range(max(n, 3), _PRIME_LIMIT + 1) if p % 4 == 3 and _is_prime(p)), None)


def _paley_prime(p: int) -> np.ndarray:
    """Paley's construction of order p + 1 for a prime p = 3 (mod 4): 0 where i + j is 0 or a quadratic residue
    mod p, bordered by ones (R ``paley(prime = p)``)."""
    residues = {0} | {(i * i) % p for i in range(1, (p - 1) // 2 + 1)}
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    core = np.where(np.isin(m, list(residues)), 0, 1).astype(np.int8)
    out = np.ones((p + 1, p + 1), dtype=np.int8)
    out[1:, 1:] = core
    return out


def _paley(n: int, nmax: int) -> np.ndarray | None:
    """R ``paley(n, nmax)``: a Paley matrix (possibly doubled) of order above n and below nmax, or None."""
    nceil = nn = n + 4 - n % 4
    if n % 4 + 4 == n % 8:
        while nn % 8 == 0:
            nn //= 2
        if nn - 1 <= _PRIME_LIMIT and (nn - 1) % 4 == 3 and _is_prime(nn - 1):
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = _double(m)
                nn *= 2
            return m
    p = _small_prime(n)
    if p is None:
        return None
    if p + 1 > nceil + 4 and nceil + 4 < nmax:
        return _paley(nceil + 3, 2 * (nceil + 3))
    if p > nmax:
        return None
    return _paley_prime(p)


@cache
def hadamard(n: int) -> np.ndarray:
    """R ``survey::hadamard(n)``: the 0/1 Hadamard matrix that R's ``brrweights`` uses for n strata."""
    m = n - n % 4
    stored = np.flatnonzero((m < _SIZES) & (m + 4 >= _SIZES))
    if stored.size:
        return _STORED[int(stored[0])]
    if (m < _SIZES).all():
        return _STORED[0]
    sizes = _SIZES * 2 ** np.maximum(0, np.ceil(np.log2((n + 1) / _SIZES))).astype(int)
    best = int(np.argmin(sizes - n))
    h = _paley(n, int(sizes[best])) if sizes[best] - n > 4 else None
    if h is None:
        h = _STORED[best]
        for _ in range(int(np.ceil(np.log2(sizes[best] / _SIZES[best])))):
            h = _double(h)
    return h
