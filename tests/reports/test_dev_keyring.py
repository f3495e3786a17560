import stat

import pytest
from django.core.management import CommandError, call_command

from reports.crypto import load_keyring, public_keyring_path


@pytest.fixture
def dev_paths(settings, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    settings.PORTAL_KEYRING = str(tmp_path / "keyring")
    settings.PORTAL_RECEIPT_KEYS = str(tmp_path / "receipt-keys")
    return tmp_path / "keyring"


def test_first_start_creates_a_private_keyring_and_its_public_export(dev_paths, capsys):
    call_command("ensure_dev_keyring")

    keyring = load_keyring(dev_paths)
    assert f"已创建开发用密钥环（密钥 {keyring.current_id}）" in capsys.readouterr().out
    assert stat.S_IMODE(dev_paths.stat().st_mode) == 0o600
    assert public_keyring_path(dev_paths).exists()
    assert keyring.current_id.startswith("x25519-")


def test_later_starts_keep_the_same_keyring(dev_paths, capsys):
    call_command("ensure_dev_keyring")
    before = dev_paths.read_bytes()
    capsys.readouterr()

    call_command("ensure_dev_keyring")

    assert dev_paths.read_bytes() == before
    assert "开发用密钥环已就绪" in capsys.readouterr().out


def test_refused_without_debug(dev_paths, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("ensure_dev_keyring")
    assert not dev_paths.exists()
