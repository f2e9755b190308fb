"""Per-field random sources.

Every generated value takes its randomness from a seed derived, with blake2b, from
(synthesizer seed, caller key, JSON pointer of the field). A field therefore keeps its value when
a sibling changes, and the output does not depend on call order or on the process: Python's
`hash()` is salted per process and is never used.
"""

from __future__ import annotations

import hashlib
import random

from faker import Faker


def derive_seed(*parts: str) -> int:
    """A 64-bit seed that depends only on `parts`."""
    digest = hashlib.blake2b("|".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def new_faker() -> Faker:
    """The Faker a Synthesizer keeps for its lifetime: building one costs ~20 ms.

    Unweighted choices make name-like providers 5-8x faster; the values stay just as plausible.
    """
    return Faker("en_US", use_weighting=False)


class Draw:
    """The random source for one field: its own seeded Random plus the shared Faker.

    `fake()` re-seeds the shared Faker on every call, so what a field gets from Faker cannot
    depend on what other fields asked Faker for before it. The Random is built only when asked
    for: seeding one costs ~5 us, and most booleans and enum picks need only `pick()`.
    """

    __slots__ = ("_calls", "_faker", "_rng", "seed")

    def __init__(self, seed: int, faker: Faker) -> None:
        self.seed = seed
        self._faker = faker
        self._rng: random.Random | None = None
        self._calls = 0

    @property
    def rng(self) -> random.Random:
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng

    def pick(self, count: int) -> int:
        """An index below `count` straight from the seed, for one-off choices."""
        return self.seed % count

    def fake(self) -> Faker:
        self._calls += 1
        self._faker.seed_instance(derive_seed(str(self.seed), str(self._calls)))
        return self._faker
