import os
import subprocess
import sys


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    tolti = {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in tolti}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "ambito.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k7#Vq9!zLr2@pW4$xN8^tB6&mC1*hJ3(fD5)gS0-yU+eR_aQ=oI~lK",
            "ALLOWED_HOSTS": "ambito.example.it",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "AMBITO_VAR_DIR": str(tmp_path),
        }
    )
    res = subprocess.run(
        [sys.executable, "-m", "ambito.manage", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "no issues" in res.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "ambito.settings", "DEBUG": "0", "AMBITO_VAR_DIR": str(tmp_path)})
    res = subprocess.run(
        [sys.executable, "-m", "ambito.manage", "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert res.returncode != 0
    assert "SECRET_KEY è obbligatoria" in res.stderr
