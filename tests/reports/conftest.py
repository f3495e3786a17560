import pytest

from reports import crypto

#: A scrypt cost that takes microseconds: the stated costs would add 0.1-0.6 s to every derivation.
CHEAP_KDF = crypto.ScryptCost(n_log2=4, r=1, p=1)

#: The costs as reports/crypto.py states them, read before any fixture patches them.
STATED_CODE_KDF_COST = crypto.CODE_KDF_COST
STATED_KEYRING_KDF_COST = crypto.KEYRING_KDF_COST


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch):
    """Every test here runs with a cheap scrypt cost; the stated ones are checked by value only."""
    monkeypatch.setattr(crypto, "CODE_KDF_COST", CHEAP_KDF)
    monkeypatch.setattr(crypto, "KEYRING_KDF_COST", CHEAP_KDF)
    return CHEAP_KDF
