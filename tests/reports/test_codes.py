"""Tracking codes (reports/codes.py): generation, the tolerant reading back, the check character
and the lookup digest."""

import random
import re

import pytest

from reports import codes
from reports.codes import CodeChecksumError, CodeError, CodeFormatError

# A fixed sample, so a failure names a code that can be reproduced.
SAMPLE = [
    data + codes.check_character(data)
    for data in ("".join(random.Random(seed).choices(codes.ALPHABET, k=16)) for seed in range(200))  # noqa: S311
]


def with_check(data: str) -> str:
    return data + codes.check_character(data)


def test_generated_codes_are_canonical_valid_and_carry_80_random_bits():
    generated = [codes.generate_code() for _ in range(2000)]

    assert codes.CODE_BITS >= 80
    assert len(set(generated)) == len(generated)
    for code in generated:
        assert len(code) == codes.CODE_LENGTH == 17
        assert set(code) <= set(codes.ALPHABET)
        assert codes.normalise(code) == code
    # Every data position takes every one of the 32 values: all 5 bits of each are random.
    for position in range(codes.DATA_LENGTH):
        assert {code[position] for code in generated} == set(codes.ALPHABET)


def test_randomness_comes_from_secrets(monkeypatch):
    asked = []

    def randbits(bits):
        asked.append(bits)
        return 0

    monkeypatch.setattr(codes.secrets, "randbits", randbits)

    assert codes.generate_code() == "0" * 16 + codes.check_character("0" * 16)
    assert asked == [80]


def test_alphabet_is_crockford_base32():
    assert codes.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("ILOU") & set(codes.ALPHABET)


def test_check_character_is_stable():
    # Codes already handed out must stay valid: these values must never change.
    assert codes.check_character("0123456789ABCDEF") == "9"
    assert codes.check_character("ZZZZZZZZZZZZZZZZ") == "M"
    assert codes.check_character("0000000000000000") == "0"


def test_display_form_is_grouped_and_reads_back():
    code = with_check("ABCDEFGHJKMNPQRS")

    shown = codes.format_code(code)

    assert re.fullmatch(r"ABCD-EFGH-JKMN-PQRS-[0-9A-Z]", shown)
    assert codes.normalise(shown) == code


@pytest.mark.parametrize(
    "typed",
    [
        "{grouped}",
        "{grouped_lower}",
        "{spaced}",
        "  {plain_lower}  ",
        "{confused}",
        "{confused_lower}",
        "{fullwidth}",
        "{em_dashes}",
    ],
)
def test_reading_back_tolerates_case_separators_full_width_and_confusable_letters(typed):
    code = with_check("0011AB01CD10EF0Z")
    grouped = codes.format_code(code)
    confused = grouped.replace("0", "O").replace("1", "I", 2).replace("1", "L")
    variants = {
        "grouped": grouped,
        "grouped_lower": grouped.lower(),
        "spaced": grouped.replace("-", " "),
        "plain_lower": code.lower(),
        "confused": confused,
        "confused_lower": confused.lower(),
        # What a Chinese input method in full-width mode types: full-width letters, digits, dashes, spaces.
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) if c != " " else "\u3000" for c in grouped.replace("-", " -")),
        "em_dashes": grouped.replace("-", "\u2014"),
    }
    assert "O" in confused and "I" in confused and "L" in confused

    assert codes.normalise(typed.format(**variants)) == code


@pytest.mark.parametrize(
    ("typed", "position"),
    [
        ("U{rest}", 1),  # Crockford leaves U out
        ("{head}*", 17),
        ("{head}_", 17),
        ("{head}。", 17),
    ],
)
def test_characters_outside_the_alphabet_are_a_format_error(typed, position):
    code = SAMPLE[0]

    with pytest.raises(CodeFormatError) as raised:
        codes.normalise(typed.format(rest=code[1:], head=code[:16]))

    assert raised.value.position == position


@pytest.mark.parametrize("length", [0, 1, 16, 18, 34])
def test_wrong_length_is_a_format_error(length):
    typed = (SAMPLE[1] * 3)[:length]

    with pytest.raises(CodeFormatError) as raised:
        codes.normalise(typed)

    assert raised.value.length == length
    assert raised.value.position is None


def test_far_too_long_input_is_refused_before_any_work():
    with pytest.raises(CodeFormatError):
        codes.normalise("-" * 10_000)


def test_exception_messages_never_carry_the_code():
    code = SAMPLE[2]
    typo = code[:5] + ("0" if code[5] != "0" else "1") + code[6:]

    for typed in (typo, code + "0", code[:16] + "U"):
        with pytest.raises(CodeError) as raised:
            codes.normalise(typed)
        assert code[:8] not in str(raised.value)


def test_every_single_substitution_is_caught_as_a_typo():
    for code in SAMPLE:
        for position in range(codes.CODE_LENGTH):
            for symbol in codes.ALPHABET:
                if symbol == code[position]:
                    continue
                typo = code[:position] + symbol + code[position + 1 :]
                with pytest.raises(CodeChecksumError):
                    codes.normalise(typo)


def test_every_adjacent_transposition_is_caught_as_a_typo():
    swapped = 0
    for code in SAMPLE:
        for position in range(codes.CODE_LENGTH - 1):
            a, b = code[position], code[position + 1]
            if a == b:
                continue
            typo = code[:position] + b + a + code[position + 2 :]
            with pytest.raises(CodeChecksumError):
                codes.normalise(typo)
            swapped += 1
    assert swapped > 3000  # the sample really exercised it


def test_transpositions_at_any_distance_are_caught_too():
    for code in SAMPLE[:50]:
        for i in range(codes.CODE_LENGTH):
            for j in range(i + 2, codes.CODE_LENGTH):
                if code[i] == code[j]:
                    continue
                typo = list(code)
                typo[i], typo[j] = typo[j], typo[i]
                assert not codes.is_valid("".join(typo))


def test_is_valid():
    assert codes.is_valid(codes.format_code(SAMPLE[3]).lower())
    assert not codes.is_valid(SAMPLE[3][:-1])
    assert not codes.is_valid("")


# --- lookup digest ----------------------------------------------------------------------------

SECRET = b"k" * 32


def test_lookup_digest_is_stable():
    # Stored digests must keep matching across releases: this value must never change.
    digest = codes.lookup_digest(with_check("0123456789ABCDEF"), SECRET)

    assert digest.hex() == "8b55981e28e134641d89528ee0c7629785ddf5c8e3a6eeeedc30c0b374b6d255"


def test_lookup_digest_is_the_same_for_every_spelling_of_a_code():
    code = SAMPLE[4]

    spellings = {codes.lookup_digest(typed, SECRET) for typed in (code, codes.format_code(code).lower(), f" {code} ")}

    assert len(spellings) == 1
    assert len(spellings.pop()) == 32


def test_lookup_digest_differs_with_the_secret_and_the_code():
    code, other = SAMPLE[5], SAMPLE[6]

    assert codes.lookup_digest(code, SECRET) != codes.lookup_digest(code, b"j" * 32)
    assert codes.lookup_digest(code, SECRET) != codes.lookup_digest(other, SECRET)


def test_lookup_digest_refuses_typos_and_short_secrets():
    code = SAMPLE[7]
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")

    with pytest.raises(CodeChecksumError):
        codes.lookup_digest(typo, SECRET)
    with pytest.raises(ValueError, match="at least 32 bytes"):
        codes.lookup_digest(code, b"short")


def test_lookup_secret_comes_from_the_pepper_when_set(settings):
    settings.PORTAL_CODE_PEPPER = "p" * 48
    with_pepper = codes.lookup_secret()
    settings.SECRET_KEY = "another-secret-key-" * 4

    assert codes.lookup_secret() == with_pepper  # rotating SECRET_KEY keeps codes findable
    assert with_pepper == codes.derive_lookup_secret("p" * 48)
    assert len(with_pepper) == 32


def test_lookup_secret_falls_back_to_a_labelled_derivation_of_secret_key(settings):
    settings.PORTAL_CODE_PEPPER = ""
    derived = codes.lookup_secret()

    assert derived == codes.derive_lookup_secret(settings.SECRET_KEY)
    assert settings.SECRET_KEY.encode() not in derived
    settings.SECRET_KEY = "another-secret-key-" * 4
    assert codes.lookup_secret() != derived


def test_derived_secret_is_stable():
    assert codes.derive_lookup_secret("pepper-for-a-test").hex() == (
        "7156a19ec7b5823d7591a16e6a7bbb65b316e39353a8ad66bbe01ff7c5a1f612"
    )


def test_constant_time_equal_uses_compare_digest(monkeypatch):
    calls = []
    real = codes.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)

    assert codes.constant_time_equal("ABC", b"ABC")
    assert not codes.constant_time_equal(b"\x00" * 32, b"\x00" * 31 + b"\x01")
    assert not codes.constant_time_equal("ABC", "ABCD")
    assert len(calls) == 3
