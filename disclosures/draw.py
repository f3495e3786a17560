"""The random-inspection draw (双随机): which institutions are inspected and by whom.

Anyone can re-run a published draw with this file alone: it uses only Python's standard library
and is offered for download on the portal. ``python draw.py draw.json`` checks a downloaded draw
and exits with 0 when every check passes.

How a draw is made
------------------
1. Commit. The inputs — the plan's parameters and frozen snapshots of the object and inspector
   directories — are written as canonical JSON (keys sorted, no spaces, UTF-8) and hashed with
   SHA-256. A 256-bit seed is generated and only its SHA-256 is published with the plan.
2. Draw. The seed is revealed. Every random number comes from SHA-256 over
   ``seed|inputs_sha256|label|counter``, so the stream depends on every byte of the inputs: change
   any input and the draw changes.
3. Objects: ``ceil(N × share ÷ 100)`` of the N objects in scope (at least one, never more than N),
   drawn without replacement. Each object has an integer weight — 1 each, or the plan's published
   weight for its credit rating — and is picked with probability proportional to its weight among
   those not yet picked.
4. Inspectors: for each drawn object, in the order drawn, the plan's number of inspectors, picked
   uniformly without replacement among inspectors with no conflict (same region as the object, or
   working for it). When too few are free of conflict, the rest come from the others and the
   result says so for that object.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

FORMAT = "portal-inspection-draw/1"
SEED_BYTES = 32


class DrawError(ValueError):
    """The inputs cannot make a draw; the message says why (in English, for the log and the CLI)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def commitment(inputs: dict, seed: str) -> dict:
    """What is published before the draw: the hash of the inputs and the hash of the seed."""
    return {"inputs_sha256": sha256_hex(canonical(inputs)), "seed_sha256": sha256_hex(seed.encode("ascii"))}


class Stream:
    """Deterministic random integers from the seed, the inputs and a label."""

    def __init__(self, seed: str, inputs_sha256: str, label: str):
        self._prefix = f"{seed}|{inputs_sha256}|{label}|"
        self._counter = 0

    def below(self, n: int) -> int:
        """A uniform integer in [0, n): 64-bit blocks, rejecting the tail that would bias it."""
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) // n * n
        while True:
            block = hashlib.sha256(f"{self._prefix}{self._counter}".encode()).digest()
            self._counter += 1
            value = int.from_bytes(block[:8], "big")
            if value < limit:
                return value % n


def sample_size(population: int, share_percent: str) -> int:
    if population <= 0:
        return 0
    wanted = Fraction(Decimal(share_percent)) * population / 100
    ceiling = -(-wanted.numerator // wanted.denominator)
    return min(population, max(1, ceiling))


def _weighted_sample(weights: list[int], k: int, stream: Stream) -> list[int]:
    """k distinct indices, each pick proportional to the weights left (a Fenwick tree keeps it
    O(n + k log n), so 10,000 objects draw in milliseconds)."""
    n = len(weights)
    tree = [0] * (n + 1)

    def add(index, delta):
        index += 1
        while index <= n:
            tree[index] += delta
            index += index & -index

    for index, weight in enumerate(weights):
        add(index, weight)
    top = 1 << (n.bit_length() - 1) if n else 0
    total = sum(weights)
    picked = []
    for _ in range(k):
        remainder = stream.below(total)
        position, step = 0, top
        while step:
            if position + step <= n and tree[position + step] <= remainder:
                position += step
                remainder -= tree[position]
            step >>= 1
        picked.append(position)
        add(position, -weights[position])
        total -= weights[position]
    return picked


def _uniform_sample(indices: list[int], k: int, stream: Stream) -> list[int]:
    """k distinct items of ``indices`` by a partial Fisher–Yates shuffle."""
    pool = list(indices)
    for i in range(k):
        j = i + stream.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def conflicts(inspector: dict, obj: dict) -> bool:
    return inspector["region"] == obj["region"] or inspector["unit"] == obj["name"]


@dataclass(frozen=True)
class Checked:
    """The inputs, validated; ``share`` and ``minimum`` as Decimal."""

    share: Decimal
    minimum: Decimal
    per_object: int
    weights: dict | None


def check_inputs(inputs: dict) -> Checked:
    if inputs.get("format") != FORMAT:
        raise DrawError(f"Unknown draw format {inputs.get('format')!r}.", "format")
    try:
        share = Decimal(inputs["share_percent"])
        minimum = Decimal(inputs["minimum_share_percent"])
    except (KeyError, InvalidOperation, TypeError) as error:
        raise DrawError("The share and the minimum share must be decimal numbers.", "share") from error
    if not (0 < share <= 100):
        raise DrawError("The share must be more than 0 and at most 100 percent.", "share")
    if share < minimum:
        raise DrawError(f"The share {share}% is below the minimum of {minimum}%.", "below_minimum")
    per_object = inputs.get("inspectors_per_object")
    if not isinstance(per_object, int) or isinstance(per_object, bool) or per_object < 1:
        raise DrawError("Each object needs at least one inspector.", "per_object")
    objects, inspectors = inputs.get("objects") or [], inputs.get("inspectors") or []
    if not objects:
        raise DrawError("No object is in scope.", "no_objects")
    if len(inspectors) < per_object:
        raise DrawError(
            f"{per_object} inspectors per object are needed but the directory has {len(inspectors)}.",
            "too_few_inspectors",
        )
    for field, rows in (("code", objects), ("certificate", inspectors)):
        keys = [row[field] for row in rows]
        if keys != sorted(keys) or len(set(keys)) != len(keys):
            raise DrawError(f"Snapshot rows must be unique and sorted by {field}.", "snapshot_order")
    weights = inputs.get("weights")
    if weights is not None:
        if not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in weights.values()):
            raise DrawError("Every weight is a whole number of at least 1.", "weights")
        missing = {o["credit_rating"] for o in objects} - set(weights)
        if missing:
            raise DrawError(f"No weight for credit rating(s) {sorted(missing)}.", "weights")
    return Checked(share=share, minimum=minimum, per_object=per_object, weights=weights)


def run(inputs: dict, seed: str) -> dict:
    """The draw: the objects drawn, in order, each with its inspectors and any conflict left."""
    checked = check_inputs(inputs)
    digest = sha256_hex(canonical(inputs))
    objects, inspectors = inputs["objects"], inputs["inspectors"]
    weights = [checked.weights[o["credit_rating"]] if checked.weights else 1 for o in objects]
    k = sample_size(len(objects), inputs["share_percent"])
    drawn = _weighted_sample(weights, k, Stream(seed, digest, "objects"))
    assign = Stream(seed, digest, "inspectors")
    rows = []
    for index in drawn:
        obj = objects[index]
        free = [i for i, person in enumerate(inspectors) if not conflicts(person, obj)]
        chosen = _uniform_sample(free, min(checked.per_object, len(free)), assign)
        short = checked.per_object - len(chosen)
        if short:
            free_set = set(free)
            taken = [i for i in range(len(inspectors)) if i not in free_set]
            chosen += _uniform_sample(taken, short, assign)
        rows.append(
            {
                "code": obj["code"],
                "inspectors": [inspectors[i]["certificate"] for i in chosen],
                "conflicts_left": short,
            }
        )
    return {"population": len(objects), "size": k, "objects": rows}


def verify(published: dict) -> list[tuple[str, bool]]:
    """Each check of a published draw (inputs, commitment, seed, result) and whether it holds."""
    inputs, promised = published.get("inputs") or {}, published.get("commitment") or {}
    seed, result = published.get("seed") or "", published.get("result")
    checks = [
        ("inputs_sha256", sha256_hex(canonical(inputs)) == promised.get("inputs_sha256")),
        ("seed_sha256", sha256_hex(seed.encode("ascii", "replace")) == promised.get("seed_sha256")),
    ]
    try:
        rerun = run(inputs, seed)
    except DrawError:
        rerun = None
    checks.append(("same_result", rerun is not None and rerun == result))
    return checks


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python draw.py draw.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        published = json.load(handle)
    checks = verify(published)
    for name, ok in checks:
        print(f"{'OK  ' if ok else 'FAIL'} {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
